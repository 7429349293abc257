import type { ChildProcess } from 'node:child_process'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { currentDefinition, type ProjectType, type StateMeta } from '../../machines/index.js'
import { openTestDatabase, type TestDatabase } from '../support/databases.js'
import { declarations, pathTo } from '../support/fixtures.js'
import { seedProgramme } from '../support/programme.js'
import { freePort, startServiceProcess } from '../support/service-process.js'

/**
 * I3 under a real crash: the service is killed with SIGKILL during a burst of transitions and
 * started again; every project's version, history, timers and outbox must still agree.
 */
const ADMIN = 'djf_fault_admin_token_0123456789'

describe.runIf(process.env.TEST_DATABASE_URL)('SIGKILL during a burst of transitions (PostgreSQL)', () => {
  let database: TestDatabase
  let schema: string
  let child: ChildProcess | undefined
  let port = 0
  let base = ''

  const start = async () => {
    const url = new URL(process.env.TEST_DATABASE_URL!)
    url.searchParams.set('options', `-c search_path=${schema}`)
    const started = await startServiceProcess(port, { DATABASE_URL: url.toString(), ADMIN_TOKEN: ADMIN })
    child = started.child
    base = started.base
  }
  const call = (method: string, path: string, body?: object) =>
    fetch(`${base}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    })

  beforeAll(async () => {
    port = await freePort()
    database = await openTestDatabase('postgres')
    schema = (await sql<{ s: string }>`select current_schema() as s`.execute(database.db)).rows[0]!.s
    await seedProgramme(database.db)
  })
  afterAll(async () => {
    child?.kill('SIGKILL')
    await database?.drop()
  })

  it('leaves every project whole: version = history rows, one outbox row each, no stray timer', async () => {
    await start()
    const org = (await (await call('POST', '/organizations', { name: '故障测试党支部', category: 'village', secretary: '书记', leaderInCharge: '委员' })).json()).id
    const ids: string[] = []
    for (let i = 0; i < 6; i++) {
      const created = await (await call('POST', '/projects', { type: 'innovation', organizationId: org, year: 2026, declaration: declarations.innovation })).json()
      ids.push(created.id)
    }
    // Bring them to implementation through the engine itself (reviews over HTTP would need each reviewer's token).
    const { createEngine } = await import('../../src/engine/engine.js')
    const { ManualClock } = await import('../../src/engine/clock.js')
    const { standardDefaults } = await import('../../src/calendar/year-calendar.js')
    const { silentLogger } = await import('../support/app.js')
    const engine = createEngine({ db: database.db, clock: new ManualClock(new Date()), logger: silentLogger, minReviews: 3, calendarDefaults: standardDefaults })
    for (const id of ids) for (const step of pathTo.implementing!) await engine.send(id, step, { actor: 'setup' })

    // A burst of events, and the process killed in the middle of it.
    const burst = Array.from({ length: 400 }, (_, i) =>
      call('POST', `/projects/${ids[i % ids.length]}/events`, { type: 'RECORD_LEDGER_ENTRY', date: '2026-06-01', content: `burst ${i}`, evidence: [] }).then(
        (r) => r.status,
        () => 0,
      ),
    )
    await new Promise((r) => setTimeout(r, 150))
    child!.kill('SIGKILL')
    const statuses = await Promise.all(burst)
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0)
    expect(statuses.filter((s) => s === 0).length).toBeGreaterThan(0)

    await start()
    expect((await call('POST', `/projects/${ids[0]}/events`, { type: 'RECORD_LEDGER_ENTRY', date: '2026-06-02', content: 'after restart', evidence: [] })).status).toBe(200)

    // The invariant checker.
    const projects = await database.db.selectFrom('project').selectAll().execute()
    for (const project of projects) {
      const history = await database.db.selectFrom('project_history').select('version').where('project_id', '=', project.id).orderBy('version').execute()
      expect(history.map((h) => h.version), project.id).toEqual(Array.from({ length: project.version }, (_, i) => i + 1))
      const notices = await database.db
        .selectFrom('outbox')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('project_id', '=', project.id)
        .where('topic', 'in', ['project.created', 'project.transitioned'])
        .executeTakeFirstOrThrow()
      expect(Number(notices.n), project.id).toBe(project.version)
      const ledger = (project.snapshot as { context: { ledger: unknown[] } }).context.ledger.length
      const recorded = await database.db
        .selectFrom('project_history')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('project_id', '=', project.id)
        .where('event_type', '=', 'RECORD_LEDGER_ENTRY')
        .executeTakeFirstOrThrow()
      expect(ledger).toBe(Number(recorded.n))
      const deadlines = (currentDefinition(project.type as ProjectType).machine.root.states as Record<string, { meta?: StateMeta }>)[project.state]?.meta?.deadlines ?? []
      const timers = await database.db.selectFrom('timer').select('kind').where('project_id', '=', project.id).execute()
      for (const timer of timers) expect(deadlines).toContain(timer.kind)
    }
    child!.kill('SIGTERM')
  }, 180_000)
})
