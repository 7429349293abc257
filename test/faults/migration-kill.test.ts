import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp } from '../support/app.js'
import { openTestDatabase, type TestDatabase } from '../support/databases.js'
import { pathsOf } from '../support/fixtures.js'
import { client } from '../support/http.js'
import { asBeforeUpgrade } from '../support/machine-versions.js'
import { seedProgramme } from '../support/programme.js'
import { exited, freePort, startServiceProcess, type ServiceProcess } from '../support/service-process.js'

/**
 * "Resumable after a crash, and never twice": a migration of 4,000 projects is applied by the
 * real service, which is killed with SIGKILL in the middle; at the kill every project is wholly
 * moved or wholly not; two fresh processes then finish it together, and each project ends on the
 * new version with exactly one MIGRATE history row, one feed message and one outcome. PostgreSQL
 * only: two processes on one database (PGlite is one process's).
 */
const ADMIN = 'djf_migration_kill_admin_token_0123456789'
const PROJECTS = 4000

describe.runIf(process.env.TEST_DATABASE_URL)('a migration killed in the middle, on postgres', () => {
  let database: TestDatabase
  let env: Record<string, string>
  const services: ServiceProcess[] = []

  const call = async (service: ServiceProcess, method: string, path: string, body?: object) => {
    const response = await fetch(`${service.base}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    })
    return { status: response.status, body: await response.json() }
  }
  const start = async () => {
    const service = await startServiceProcess(await freePort(), env)
    services.push(service)
    return service
  }
  /** What the database says about every v1 → v2 move: consistent whole-project moves only. */
  const consistency = async (migrationId: string) => {
    const { rows } = await sql<{ machine_version: number; migrate_rows: number; outcome: string | null; messages: number; version: number; history: number }>`
      select p.machine_version, p.version,
             (select count(*)::int from project_history h where h.project_id = p.id) as history,
             (select count(*)::int from project_history h where h.project_id = p.id and h.event_type = 'MIGRATE') as migrate_rows,
             (select o.outcome from migration_outcome o where o.project_id = p.id and o.migration_id = ${migrationId}) as outcome,
             (select count(*)::int from outbox m where m.project_id = p.id and m.payload->>'event' = 'MIGRATE') as messages
        from project p where p.type = 'foundation'`.execute(database.db)
    for (const r of rows) {
      const moved = r.machine_version === 2
      expect([r.migrate_rows, r.messages, r.outcome], JSON.stringify(r)).toEqual(moved ? [1, 1, 'moved'] : [0, 0, null])
      // Versions stay contiguous with the history: the move is one row, at the next version.
      expect(r.history).toBe(r.version)
    }
    const counted = await database.db.selectFrom('migration').select(['moved', 'blocked', 'status']).where('id', '=', migrationId).executeTakeFirstOrThrow()
    expect(counted.moved).toBe(rows.filter((r) => r.machine_version === 2).length)
    return { moved: counted.moved, status: counted.status, total: rows.length }
  }

  beforeAll(async () => {
    database = await openTestDatabase('postgres')
    await seedProgramme(database.db)
    // Before the upgrade: foundation projects on version 1, ten driven through the service, then copied with their history and timers.
    const { app } = await asBeforeUpgrade('foundation', 1, () => createTestApp(database))
    const api = client(app)
    const paths = pathsOf('foundation', 1).pathTo
    await asBeforeUpgrade('foundation', 1, async () => {
      for (let i = 0; i < 10; i++) await api.project('foundation', await api.organization(`迁移中断-${i}`), 2026, i % 2 ? paths.planning : [])
    })
    await app.close()
    await sql`create temporary table template as select * from project where type = 'foundation'`.execute(database.db)
    await sql`create temporary table copies as
      select gen_random_uuid() as id, t.id as template, n from template t, generate_series(1, ${PROJECTS / 10 - 1}) n`.execute(database.db)
    await sql`insert into project (id, type, machine_version, organization_id, year, title, state, phase, status, snapshot, version, created_at, updated_at)
      select c.id, t.type, t.machine_version, t.organization_id, t.year, t.title || ' #' || c.n, t.state, t.phase, t.status, t.snapshot, t.version, t.created_at, t.updated_at
        from copies c join template t on t.id = c.template`.execute(database.db)
    await sql`insert into project_history (project_id, version, from_state, event_type, event, to_state, actor, at)
      select c.id, h.version, h.from_state, h.event_type, h.event, h.to_state, h.actor, h.at
        from copies c join project_history h on h.project_id = c.template`.execute(database.db)
    await sql`insert into timer (project_id, key, kind, event, due_at, created_at)
      select c.id, t.key, t.kind, t.event, t.due_at, t.created_at from copies c join timer t on t.project_id = c.template`.execute(database.db)
    const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(database.db)).rows[0]!.s
    const url = new URL(process.env.TEST_DATABASE_URL!)
    url.searchParams.set('options', `-c search_path=${schema}`)
    // The runner polls quickly, so the second start takes up the migration at once.
    env = { ADMIN_TOKEN: ADMIN, CLOCK: 'manual', CLOCK_START: '2026-03-01T10:00:00+08:00', DATABASE_URL: url.toString(), MIGRATION_POLL_MS: '100' }
  }, 120_000)
  afterAll(async () => {
    for (const service of services) {
      service.child.kill('SIGKILL')
      await exited(service.child)
    }
    await database?.drop()
  })

  it('leaves whole moves only at the kill, then finishes once with two processes sharing the work', async () => {
    const first = await start()
    const preview = await call(first, 'POST', '/migrations', { type: 'foundation', fromVersion: 1, toVersion: 2, dryRun: true })
    expect(preview.body).toMatchObject({ projects: PROJECTS, movable: PROJECTS })
    const applied = await call(first, 'POST', '/migrations', { type: 'foundation', fromVersion: 1, toVersion: 2, dryRun: false })
    expect(applied.status).toBe(202)
    const id = applied.body.id as string
    // Killed as soon as some batches have committed and others have not.
    for (let i = 0; i < 2000; i++) {
      const moved = (await database.db.selectFrom('migration').select('moved').where('id', '=', id).executeTakeFirstOrThrow()).moved
      if (moved > 0) break
      await new Promise((r) => setTimeout(r, 5))
    }
    first.child.kill('SIGKILL')
    await exited(first.child)
    const atKill = await consistency(id)
    expect(atKill.status).toBe('running')
    expect(atKill.moved).toBeGreaterThan(0)
    expect(atKill.moved).toBeLessThan(PROJECTS)

    const [second, third] = [await start(), await start()]
    for (let i = 0; i < 600; i++) {
      if ((await call(second, 'GET', `/migrations/${id}`)).body.status === 'completed') break
      await new Promise((r) => setTimeout(r, 100))
    }
    const done = (await call(third, 'GET', `/migrations/${id}`)).body
    expect(done).toMatchObject({ status: 'completed', moved: PROJECTS, blocked: 0, remaining: 0 })
    expect(await consistency(id)).toMatchObject({ moved: PROJECTS, total: PROJECTS })
    const outcomes = await sql<{ n: number }>`select count(*)::int as n from migration_outcome where migration_id = ${id}`.execute(database.db)
    expect(outcomes.rows[0]!.n).toBe(PROJECTS)
  }, 180_000)
})
