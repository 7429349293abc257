import { Migrator, sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrations } from '../../migrations/index.js'
import { createOrganization } from '../../src/domain/organizations.js'
import { databaseKinds, openTestDatabase, type TestDatabase } from '../support/databases.js'

/**
 * At scale (bench:scale, 1,000,000 projects) a filtered list that matched few rows walked the
 * listing index to the end. The planner must find the filter and the listing order in one index.
 */
describe.each(databaseKinds)('listing indexes on %s', (kind) => {
  let database: TestDatabase

  beforeAll(async () => {
    database = await openTestDatabase(kind)
    const org = await createOrganization(database.db, { name: '索引测试', category: 'village', secretary: '书记', leaderInCharge: '委员' }, new Date())
    // 20,000 projects over ten years and five states; 'closed' never occurs in 2020.
    await sql`
      insert into project (id, type, machine_version, organization_id, year, title, state, phase, status, snapshot, version, created_at, updated_at)
      select gen_random_uuid(), 'innovation', 1, ${org.id}, 2016 + n % 10, 'p' || n,
             (array['draft', 'underReview', 'implementing', 'overdueAcceptance', 'closed'])[1 + (n / 10) % 5],
             'declaration', 'active', '{}'::jsonb, 1,
             timestamptz '2016-01-01' + n * interval '1 minute', timestamptz '2016-01-01' + n * interval '1 minute'
        from generate_series(1, 20000) n
       where not (2016 + n % 10 = 2020 and (n / 10) % 5 = 4)`.execute(database.db)
    await sql`analyze project`.execute(database.db)
  })
  afterAll(async () => database?.drop())

  const plan = async (query: ReturnType<typeof sql>) =>
    JSON.stringify((await sql<{ 'QUERY PLAN': unknown }>`explain (format json) ${query}`.execute(database.db)).rows[0]!['QUERY PLAN'])

  it('serves a type + state + year page from one index range, in order, even when nothing matches', async () => {
    const explained = await plan(
      sql`select * from project where type = 'innovation' and state = 'closed' and year = 2020 order by created_at, id limit 51`,
    )
    expect(explained).toContain('project_year_type_state_listing')
    expect(explained).not.toContain('"Node Type":"Sort"')
  })

  it('serves the overdue list of a year from its partial index', async () => {
    const explained = await plan(
      sql`select * from project where state in ('overdueDeclaration', 'overdueAcceptance') and year = 2021 order by created_at, id limit 51`,
    )
    expect(explained).toContain('project_overdue_listing')
  })

  it('migrates down and up again', async () => {
    const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(database.db)).rows[0]!.s
    const migrator = new Migrator({
      db: database.db,
      provider: { getMigrations: async () => migrations },
      ...(kind === 'postgres' ? { migrationTableSchema: schema } : {}),
    })
    // Down past this migration (and every later one), then up again.
    expect((await migrator.migrateTo('2026-11-26T03-00-integration')).error).toBeUndefined()
    expect(await plan(sql`select * from project where type = 'innovation' and state = 'closed' and year = 2020 order by created_at, id limit 51`)).not.toContain(
      'project_year_type_state_listing',
    )
    expect((await migrator.migrateToLatest()).error).toBeUndefined()
  })
})
