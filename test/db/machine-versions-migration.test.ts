import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as machineVersions from '../../migrations/2026-12-02T01-00-machine-versions.js'
import { createOrganization } from '../../src/domain/organizations.js'
import { databaseKinds, openTestDatabase, type TestDatabase } from '../support/databases.js'

/**
 * The migration that brought machine versions (docs/versions.md), run on a database that already
 * has projects: version 1 of a type is current since its first project; a type without projects
 * gets no row (the service records its current version when it starts).
 */
describe.each(databaseKinds)('the machine-versions migration on a database with projects, on %s', (kind) => {
  let database: TestDatabase
  beforeAll(async () => {
    database = await openTestDatabase(kind)
  })
  afterAll(async () => database?.drop())

  it('dates version 1 from each type’s first project, and leaves types without projects alone', async () => {
    await machineVersions.down(database.db)
    const org = await createOrganization(database.db, { name: '版本迁移', category: 'village', secretary: '书记', leaderInCharge: '委员' }, new Date())
    await sql`
      insert into project (id, type, machine_version, organization_id, year, title, state, phase, status, snapshot, version, created_at, updated_at)
      select gen_random_uuid(), t, 1, ${org.id}, 2020, 'p', 'draft', 'declaration', 'active', '{}'::jsonb, 1, at, at
        from (values ('foundation', timestamptz '2020-01-05T00:00:00Z'), ('foundation', timestamptz '2020-01-02T00:00:00Z'),
                     ('innovation', timestamptz '2021-06-01T00:00:00Z')) as v(t, at)`.execute(database.db)
    await machineVersions.up(database.db)
    const rows = await database.db.selectFrom('machine_version').selectAll().orderBy('type').execute()
    expect(rows.map((r) => [r.type, r.version, r.current_since.toISOString()])).toEqual([
      ['foundation', 1, '2020-01-02T00:00:00.000Z'],
      ['innovation', 1, '2021-06-01T00:00:00.000Z'],
    ])
  })
})
