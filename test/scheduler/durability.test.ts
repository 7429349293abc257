import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock, systemClock } from '../../src/engine/clock.js'
import { createEngine } from '../../src/engine/engine.js'
import { standardDefaults } from '../../src/calendar/year-calendar.js'
import { createScheduler } from '../../src/scheduler/scheduler.js'
import { createService } from '../../src/service.js'
import { authorizeTestApp, createTestApp, silentLogger } from '../support/app.js'
import { databaseKinds, openTestDatabase, type TestDatabase } from '../support/databases.js'
import { pathTo } from '../support/fixtures.js'
import { seedProgramme } from '../support/programme.js'
import { client } from '../support/http.js'

describe.each(databaseKinds)('durable timers on %s (I4)', (kind) => {
  let database: TestDatabase

  beforeAll(async () => {
    database = await openTestDatabase(kind)
    await seedProgramme(database.db, [2026, 2027])
  })
  afterAll(async () => database?.drop())

  const deadlineRows = async (projectIds: string[]) =>
    database.db
      .selectFrom('project_history')
      .select(['project_id', 'event_type', 'version', 'actor'])
      .where('project_id', 'in', projectIds)
      .where('actor', '=', 'scheduler')
      .orderBy('project_id')
      .orderBy('version')
      .execute()

  it('fires every timer exactly once with two schedulers running at once', async () => {
    const clock = new ManualClock('2026-02-01T00:00:00.000Z')
    const { app } = await createService({ database, clock, logger: silentLogger })
    await authorizeTestApp(app, database)
    const api = client(app)
    const org = await api.organization('并发测试党支部')
    const ids: string[] = []
    for (let i = 0; i < 40; i++) ids.push(await api.project('innovation', org, 2026))
    await app.close()

    clock.advanceTo('2026-04-02T00:00:00.000Z')
    // Two processes: each its own engine, scheduler and, on PostgreSQL, connection pool.
    const schedulers = [database, database.another()].map((db) => {
      const engine = createEngine({ db: db.db, clock, logger: silentLogger, minReviews: 3, calendarDefaults: standardDefaults })
      return createScheduler({ db: db.db, engine, clock, logger: silentLogger, batchSize: 4, intervalMs: 1000 })
    })
    // Each loop keeps polling until it has found nothing due three times running.
    const drain = async (scheduler: (typeof schedulers)[number]) => {
      let fired = 0
      for (let idle = 0; idle < 3; ) {
        const run = await scheduler.runDue()
        fired += run.fired
        idle = run.fired === 0 ? idle + 1 : 0
      }
      return fired
    }
    const fired = await Promise.all(schedulers.map(drain))
    expect(fired[0]! + fired[1]!).toBe(40)

    const rows = await deadlineRows(ids)
    expect(rows).toHaveLength(40)
    expect(new Set(rows.map((r) => r.project_id)).size).toBe(40)
    expect(rows.every((r) => r.event_type === 'DECLARATION_DEADLINE' && r.version === 2)).toBe(true)
    const left = await database.db.selectFrom('timer').select('id').where('project_id', 'in', ids).execute()
    expect(left).toEqual([])
  })

  it.runIf(kind === 'postgres')('skips a project another process holds, and fires it once released', async () => {
    const clock = new ManualClock('2026-02-01T00:00:00.000Z')
    const { app, engine } = await createService({ database, clock, logger: silentLogger })
    await authorizeTestApp(app, database)
    const api = client(app)
    const org = await api.organization('锁测试党支部')
    const ids = [
      await api.project('foundation', org, 2026),
      await api.project('innovation', org, 2026),
      await api.project('promotion', org, 2026),
    ]
    await app.close()
    clock.advanceTo('2026-04-02T00:00:00.000Z')

    let release!: () => void
    let holding!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    const held = new Promise<void>((resolve) => (holding = resolve))
    const holder = database
      .another()
      .db.transaction()
      .execute(async (trx) => {
        await trx.selectFrom('project').select('id').where('id', '=', ids[0]!).forUpdate().execute()
        holding()
        await released
      })
    await held
    const first = await engine.fireDueTimers(10)
    expect(first).toEqual({ claimed: 2, fired: 2, skipped: 0 })
    release()
    await holder
    const second = await engine.fireDueTimers(10)
    expect(second.fired).toBe(1)
    const rows = await deadlineRows(ids)
    expect(rows.map((r) => r.project_id).sort()).toEqual([...ids].sort())
  })

  it('catches up after downtime: everything overdue fires on start, in due order', async () => {
    const stopped = await createTestApp(database, { start: '2026-01-10T00:00:00.000Z' })
    const api = client(stopped.app)
    const org = await api.organization('停机测试党支部')
    const draft = await api.project('innovation', org, 2026)
    const implementing = await api.project('promotion', org, 2026, pathTo.implementing)
    await stopped.app.close()

    // The service was down all year and comes back on 2 January 2027.
    const clock = new ManualClock('2027-01-02T00:00:00.000Z')
    const restarted = await createService({ database, clock, logger: silentLogger, scheduler: { intervalMs: 20, batchSize: 2 } })
    restarted.scheduler.start()
    const due = async () =>
      (await database.db.selectFrom('timer').select('id').where('due_at', '<=', clock.now()).execute()).length
    for (let i = 0; i < 200 && (await due()) > 0; i++) await new Promise((r) => setTimeout(r, 20))
    await restarted.scheduler.stop()
    await restarted.app.close()

    expect(await due()).toBe(0)
    const rows = await deadlineRows([draft, implementing])
    expect(rows.filter((r) => r.project_id === draft).map((r) => r.event_type)).toEqual(['DECLARATION_DEADLINE'])
    expect(rows.filter((r) => r.project_id === implementing).map((r) => r.event_type)).toEqual([
      'PROGRESS_REPORT_DUE',
      'PROGRESS_REPORT_DUE',
      'ACCEPTANCE_DEADLINE',
    ])
    const project = await database.db.selectFrom('project').selectAll().where('id', '=', implementing).executeTakeFirstOrThrow()
    expect(project.state).toBe('overdueAcceptance')
    expect((project.snapshot as any).context.missingReports.map((m: { period: string }) => m.period)).toEqual(['2026-H1', '2026-H2'])
  })

  it('stops cleanly: no tick runs after stop resolves', async () => {
    const clock = new ManualClock('2027-02-01T00:00:00.000Z')
    const service = await createService({ database, clock, logger: silentLogger, scheduler: { intervalMs: 10, batchSize: 10 } })
    await authorizeTestApp(service.app, database)
    const api = client(service.app)
    const org = await api.organization('停止测试党支部')
    service.scheduler.start()
    await new Promise((r) => setTimeout(r, 30))
    await service.scheduler.stop()
    const id = await api.project('foundation', org, 2027)
    clock.advanceTo('2027-04-02T00:00:00.000Z')
    await new Promise((r) => setTimeout(r, 60))
    expect(await api.state(id)).toBe('draft')
    await service.app.close()
  })

  it('refuses to move a system clock', async () => {
    const service = await createService({ database, clock: systemClock, logger: silentLogger })
    await authorizeTestApp(service.app, database)
    const get = await service.app.inject({ method: 'GET', url: '/api/v1/admin/clock' })
    expect(get.json().mode).toBe('system')
    const post = await service.app.inject({ method: 'POST', url: '/api/v1/admin/clock', payload: { to: '2099-01-01T00:00:00Z' } })
    expect(post.statusCode).toBe(409)
    expect(post.json().code).toBe('CLOCK_NOT_MANUAL')
    await service.app.close()
  })
})
