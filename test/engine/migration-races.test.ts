import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultCalendar } from '../../src/calendar/year-calendar.js'
import { positionAllCommitted } from '../../src/domain/feed.js'
import { getOrganization } from '../../src/domain/organizations.js'
import type { ManualClock } from '../../src/engine/clock.js'
import type { Engine } from '../../src/engine/engine.js'
import type { MigrationRunner } from '../../src/engine/migration-runner.js'
import { planStart } from '../../src/engine/plan.js'
import { writeTransitions } from '../../src/engine/write.js'
import { createTestApp } from '../support/app.js'
import { databaseKinds, openTestDatabase, type TestDatabase } from '../support/databases.js'
import { client } from '../support/http.js'
import { asBeforeUpgrade } from '../support/machine-versions.js'
import { seedProgramme } from '../support/programme.js'

/**
 * A migration racing everything else that writes projects: twenty HTTP writers updating the
 * declarations being moved, and the March deadline swept in the middle. Nothing is lost or done
 * twice: every accepted write is in the history, every project moved once, versions contiguous,
 * no answer a 5xx, and the feed replayed ends where the database is.
 */
const PROJECTS = 1200
const WRITERS = 20

describe.each(databaseKinds)('a migration racing writers and the sweep, on %s', (kind) => {
  let database: TestDatabase
  let app: FastifyInstance
  let clock: ManualClock
  let engine: Engine
  let migrations: MigrationRunner
  let ids: string[] = []

  beforeAll(async () => {
    database = await openTestDatabase(kind)
    await seedProgramme(database.db)
    ;({ app, clock, engine, migrations } = await createTestApp(database, { start: '2026-03-31T15:00:00.000Z' }))
    const org = await getOrganization(database.db, await client(app).organization('迁移竞争党支部', 'village', '书记', '委员'))
    const calendar = defaultCalendar(2026)
    // Version 1 drafts, written as the engine writes a creation (one organization: the one-a-year rule is checked at creation only).
    await asBeforeUpgrade('foundation', 1, async () => {
      const plans = Array.from({ length: PROJECTS }, (_, i) =>
        planStart({ type: 'foundation', organizationId: org.id, year: 2026, declaration: { title: `竞争 ${i}` } }, org, {
          now: clock.now(),
          actor: '组织科',
          calendarOf: () => calendar,
          minReviews: 3,
        }),
      )
      await database.db.transaction().execute((trx) => writeTransitions(trx, plans))
      ids = plans.map((p) => p.project.id)
    })
  }, 120_000)
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  it('loses nothing and does nothing twice', async () => {
    const started = await app.inject({ method: 'POST', url: '/api/v1/migrations', payload: { type: 'foundation', fromVersion: 1, toVersion: 2, dryRun: false } })
    expect(started.statusCode, started.body).toBe(202)
    const migrationId = started.json().id as string

    let running = true
    const accepted = new Map<string, number>()
    const statuses = new Map<number, number>()
    const writer = async (n: number) => {
      for (let i = 0; running; i++) {
        const id = ids[(n * 97 + i * 31) % ids.length]!
        const response = await app.inject({
          method: 'POST',
          url: `/api/v1/projects/${id}/events`,
          payload: { type: 'UPDATE_DECLARATION', declaration: { expectedResults: `第${n}-${i}次修改` } },
        })
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1)
        if (response.statusCode === 200) accepted.set(id, (accepted.get(id) ?? 0) + 1)
      }
    }
    const writers = Array.from({ length: WRITERS }, (_, n) => writer(n))
    // The writers are under way before the migration and the sweep begin.
    const total = () => [...accepted.values()].reduce((a, b) => a + b, 0)
    while (total() < WRITERS) await new Promise((r) => setTimeout(r, 5))
    // The March deadline falls while the migration runs: drafts on either version become overdue.
    const sweep = (async () => {
      await new Promise((r) => setTimeout(r, 30))
      clock.advanceTo('2026-04-01T00:00:00.000+08:00')
      for (;;) if ((await engine.fireDueTimers(200)).claimed === 0) break
    })()
    await migrations.runPending()
    await sweep
    running = false
    await Promise.all(writers)
    // A sweep skips projects a migration batch holds (SKIP LOCKED): their timers stay due and fire at the next sweep.
    for (;;) if ((await engine.fireDueTimers(200)).claimed === 0 && (await database.db.selectFrom('timer').select('id').where('due_at', '<=', clock.now()).execute()).length === 0) break

    expect([...statuses.keys()].filter((s) => s >= 500)).toEqual([])
    const migration = (await app.inject({ method: 'GET', url: `/api/v1/migrations/${migrationId}` })).json()
    expect(migration).toMatchObject({ status: 'completed', moved: PROJECTS, blocked: 0 })

    const { rows } = await sql<{ id: string; machine_version: number; state: string; version: number; history: number; migrates: number; updates: number; max_version: number }>`
      select p.id, p.machine_version, p.state, p.version,
             count(h.id)::int as history, max(h.version)::int as max_version,
             count(h.id) filter (where h.event_type = 'MIGRATE')::int as migrates,
             count(h.id) filter (where h.event_type = 'UPDATE_DECLARATION')::int as updates
        from project p join project_history h on h.project_id = p.id
       where p.type = 'foundation' group by p.id`.execute(database.db)
    expect(rows).toHaveLength(PROJECTS)
    for (const r of rows) {
      expect([r.machine_version, r.migrates], r.id).toEqual([2, 1])
      // Contiguous: one history row per version, the last at the project's version.
      expect([r.history, r.max_version], r.id).toEqual([r.version, r.version])
      expect(r.updates, r.id).toBe(accepted.get(r.id) ?? 0)
      expect(r.state).toBe('overdueDeclaration')
    }
    expect(total()).toBeGreaterThan(WRITERS)

    // The feed, replayed, ends where the database is.
    await positionAllCommitted(database.db)
    const feed = await sql<{ project_id: string; payload: { from: string | null; to: string; version: number } }>`
      select project_id, payload from outbox where topic in ('project.created', 'project.transitioned') and project_id = any(${ids}::uuid[]) order by position`.execute(database.db)
    const replayed = new Map<string, { state: string; version: number }>()
    for (const m of feed.rows) {
      const before = replayed.get(m.project_id)
      expect(m.payload.version).toBe((before?.version ?? 0) + 1)
      expect(m.payload.from ?? null).toBe(before?.state ?? null)
      replayed.set(m.project_id, { state: m.payload.to, version: m.payload.version })
    }
    for (const r of rows) expect(replayed.get(r.id)).toEqual({ state: r.state, version: r.version })
  }, 300_000)
})
