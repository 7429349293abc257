import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/engine/clock.js'
import { connectPostgres } from '../../src/db/connect.js'
import { createEngine, type Engine } from '../../src/engine/engine.js'
import { createOrganization } from '../../src/domain/organizations.js'
import { Refusal } from '../../src/errors.js'
import { standardDefaults } from '../../src/calendar/year-calendar.js'
import { silentLogger } from '../support/app.js'
import { databaseKinds, openTestDatabase, type TestDatabase } from '../support/databases.js'
import { declarations, pathTo, payloads } from '../support/fixtures.js'
import { seedProgramme } from '../support/programme.js'

describe.each(databaseKinds)('engine on %s', (kind) => {
  let database: TestDatabase
  let engine: Engine
  let organizationId: string
  const clock = new ManualClock('2026-03-10T00:00:00.000Z')

  beforeAll(async () => {
    database = await openTestDatabase(kind)
    engine = createEngine({ db: database.db, clock, logger: silentLogger, minReviews: 3, calendarDefaults: standardDefaults })
    const org = await createOrganization(
      database.db,
      { name: `机关第一党支部-${kind}`, category: 'organ', secretary: '陈书记', leaderInCharge: '周委员' },
      clock.now(),
    )
    organizationId = org.id
    await seedProgramme(database.db)
  })
  afterAll(async () => database?.drop())

  const count = async (table: 'project_history' | 'outbox' | 'timer', projectId: string) =>
    Number(
      (
        await database.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .where('project_id', '=', projectId)
          .executeTakeFirstOrThrow()
      ).n,
    )

  const newProject = async (steps = pathTo.draft!) => {
    const { project } = await engine.start(
      { type: 'innovation', organizationId, year: 2026, declaration: declarations.innovation },
      'org-user',
    )
    for (const step of steps) await engine.send(project.id, step, { actor: 'tester' })
    return project.id
  }

  it('writes the snapshot, one history row per transition and an outbox row, in step', async () => {
    const id = await newProject(pathTo.planning)
    const project = await database.db.selectFrom('project').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
    expect(project).toMatchObject({ state: 'planning', phase: 'implementation', version: 6, status: 'active' })
    const history = await database.db
      .selectFrom('project_history')
      .selectAll()
      .where('project_id', '=', id)
      .orderBy('version')
      .execute()
    expect(history.map((h) => [h.version, h.from_state, h.event_type, h.to_state])).toEqual([
      [1, null, 'CREATE', 'draft'],
      [2, 'draft', 'SUBMIT', 'underReview'],
      [3, 'underReview', 'RECORD_REVIEW', 'underReview'],
      [4, 'underReview', 'RECORD_REVIEW', 'underReview'],
      [5, 'underReview', 'RECORD_REVIEW', 'underReview'],
      [6, 'underReview', 'APPROVE', 'planning'],
    ])
    expect(history.every((h) => h.at.toISOString() === clock.now().toISOString())).toBe(true)
    expect(await count('outbox', id)).toBe(6)
    // R16: the organization's secretary is the first-responsible person.
    expect((project.snapshot as any).context.declaration.firstResponsible.name).toBe('陈书记')
  })

  it('defaults the responsible persons from the organization (R16)', async () => {
    const { project } = await engine.start(
      { type: 'foundation', organizationId, year: 2026, declaration: { title: '支部标准化建设' } },
      'org-user',
    )
    expect((project.snapshot as any).context.declaration).toMatchObject({
      firstResponsible: { name: '陈书记' },
      directlyResponsible: { name: '周委员' },
    })
  })

  it('serializes 50 concurrent events on one project: none lost, versions contiguous (I2)', async () => {
    const id = await newProject(pathTo.implementing)
    const before = (await database.db.selectFrom('project').select('version').where('id', '=', id).executeTakeFirstOrThrow()).version
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        engine.send(
          id,
          { type: 'RECORD_LEDGER_ENTRY', date: '2026-05-01', content: `第${i + 1}次活动`, evidence: [] },
          { actor: `writer-${i}` },
        ),
      ),
    )
    expect(results.filter((r) => r.status === 'rejected')).toEqual([])
    const project = await database.db.selectFrom('project').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
    expect(project.version).toBe(before + 50)
    expect((project.snapshot as any).context.ledger).toHaveLength(50)
    const versions = (
      await database.db.selectFrom('project_history').select('version').where('project_id', '=', id).orderBy('version').execute()
    ).map((h) => h.version)
    expect(versions).toEqual(Array.from({ length: before + 50 }, (_, i) => i + 1))
    const actors = new Set(
      (
        await database.db
          .selectFrom('project_history')
          .select('actor')
          .where('project_id', '=', id)
          .where('event_type', '=', 'RECORD_LEDGER_ENTRY')
          .execute()
      ).map((h) => h.actor),
    )
    expect(actors.size).toBe(50)
  })

  /**
   * Holds a transition of the project open in another connection (as another server process
   * would), starts `second`, and commits the first only once `second` waits for the row lock.
   */
  const raceAgainstOpenTransition = async <T,>(id: string, second: () => Promise<T>, waitingQuery: string) => {
    const other = database.another()
    const otherEngine = createEngine({ db: other.db, clock, logger: silentLogger, minReviews: 3, calendarDefaults: standardDefaults })
    let lockHeld!: () => void
    let release!: () => void
    const held = new Promise<void>((resolve) => (lockHeld = resolve))
    const released = new Promise<void>((resolve) => (release = resolve))
    const first = other.db.transaction().execute(async (trx) => {
      await otherEngine.sendWithin(trx, id, { type: 'UPDATE_DECLARATION', declaration: { background: '先到者' } }, { actor: 'first' })
      await trx
        .insertInto('timer')
        .values({ project_id: id, key: 'marker', kind: 'acceptanceDeadline', event: JSON.stringify({ type: 'MARKER' }), due_at: new Date('2027-01-01T00:00:00Z'), created_at: clock.now() })
        .execute()
      lockHeld()
      await released
    })
    await held
    const result = second()
    for (let waiting = false; !waiting; ) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      const rows = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
        where wait_event_type = 'Lock' and query like ${`%${waitingQuery}%`}`.execute(database.db)
      waiting = rows.rows[0]!.n > 0
    }
    release()
    await first
    return result
  }

  // On PostgreSQL a statement that waited for a row lock sees the locked row as it is now, but
  // reads other tables as they were when it started; the engine must notice and read them again.
  it.runIf(kind === 'postgres')('answers with the timers as a transition it waited for left them', async () => {
    const id = await newProject()
    const event = { type: 'UPDATE_DECLARATION', declaration: { expectedResults: '后到者' } }
    const { plan, timers } = await raceAgainstOpenTransition(
      id,
      () => database.db.transaction().execute((trx) => engine.sendWithin(trx, id, event, { actor: 'second' })),
      'for update of p',
    )
    expect(plan.project.version).toBe(3)
    expect((plan.project.snapshot as any).context.declaration).toMatchObject({ background: '先到者', expectedResults: '后到者' })
    expect(timers.map((t) => t.key)).toEqual(['declarationDeadline', 'marker'])
  })

  // The first try reads without a lock and writes only if the version is unchanged; the loser of
  // a race must plan again on what the winner left, not overwrite it (I2).
  it.runIf(kind === 'postgres')('re-plans an event whose project moved between its read and its write', async () => {
    const id = await newProject()
    const result = await raceAgainstOpenTransition(
      id,
      () => engine.send(id, { type: 'UPDATE_DECLARATION', declaration: { expectedResults: '后到者' } }, { actor: 'second' }),
      'updated as (',
    )
    expect(result.project.version).toBe(3)
    expect((result.project.snapshot as any).context.declaration).toMatchObject({ background: '先到者', expectedResults: '后到者' })
    expect(result.timers.map((t) => t.key)).toEqual(['declarationDeadline', 'marker'])
    const history = await database.db.selectFrom('project_history').select(['version', 'actor']).where('project_id', '=', id).orderBy('version').execute()
    expect(history).toEqual([
      { version: 1, actor: 'org-user' },
      { version: 2, actor: 'first' },
      { version: 3, actor: 'second' },
    ])
    expect(await count('outbox', id)).toBe(3)
  })

  it.runIf(kind === 'postgres')('prepares the statements an event runs, once per connection', async () => {
    const id = await newProject()
    const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(database.db)).rows[0]!.s
    const single = connectPostgres(process.env.TEST_DATABASE_URL!, { searchPath: schema, max: 1 })
    try {
      const onOne = createEngine({ db: single.db, clock, logger: silentLogger, minReviews: 3, calendarDefaults: standardDefaults })
      for (let i = 0; i < 3; i++) {
        await onOne.send(id, { type: 'UPDATE_DECLARATION', declaration: { expectedResults: `第${i}次` } }, { actor: 'tester' })
      }
      const prepared = (await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(single.db)).rows
      expect(prepared.filter((p) => p.statement.includes('select p.*'))).toHaveLength(1)
      expect(prepared.filter((p) => p.statement.includes('updated as ('))).toHaveLength(1)
      expect(prepared.every((p) => p.statement.includes('/* prepared */'))).toBe(true)
    } finally {
      await single.close()
    }
  })

  // The batch writer deletes a used-up timer by its project and key, also when the machine refused
  // its event and nothing else was written for that project.
  it('drops a due timer the machine no longer takes, and changes nothing else', async () => {
    const id = await newProject(pathTo.implementing)
    const before = await database.db.selectFrom('project').select('version').where('id', '=', id).executeTakeFirstOrThrow()
    const kept = (await database.db.selectFrom('timer').select('key').where('project_id', '=', id).orderBy('key').execute()).map((t) => t.key)
    await database.db
      .insertInto('timer')
      .values({
        project_id: id,
        key: 'stale',
        kind: 'declarationDeadline',
        event: JSON.stringify({ type: 'DECLARATION_DEADLINE' }),
        due_at: new Date(clock.now().getTime() - 86_400_000),
        created_at: clock.now(),
      })
      .execute()
    expect(await engine.fireDueTimers(100)).toEqual({ claimed: 1, fired: 0, skipped: 1 })
    const after = (await database.db.selectFrom('timer').select('key').where('project_id', '=', id).orderBy('key').execute()).map((t) => t.key)
    expect(after).toEqual(kept)
    expect((await database.db.selectFrom('project').select('version').where('id', '=', id).executeTakeFirstOrThrow()).version).toBe(before.version)
    expect(await count('project_history', id)).toBe(before.version)
  })

  it('lets exactly one of 20 concurrent writers holding the same If-Match version win', async () => {
    const id = await newProject(pathTo.implementing)
    const { version } = await database.db.selectFrom('project').select('version').where('id', '=', id).executeTakeFirstOrThrow()
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        engine.send(
          id,
          { type: 'RECORD_LEDGER_ENTRY', date: '2026-05-02', content: `并发${i}`, evidence: [] },
          { actor: 'racer', expectedVersion: version },
        ),
      ),
    )
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
      expect(r.reason).toBeInstanceOf(Refusal)
      expect(r.reason).toMatchObject({ statusCode: 409, code: 'VERSION_CONFLICT' })
    }
    expect(await count('project_history', id)).toBe(version + 1)
  })

  it('leaves no trace when the transaction fails in the middle (I3)', async () => {
    const id = await newProject(pathTo.feasibilityReview)
    const before = await database.db.selectFrom('project').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
    const historyBefore = await count('project_history', id)
    const outboxBefore = await count('outbox', id)
    // A fault inside the transaction, after the snapshot, history and effects rows were written.
    await sql`create function fail_outbox() returns trigger language plpgsql as $$
      begin raise exception 'injected outbox failure'; end $$`.execute(database.db)
    await sql`create trigger outbox_fault before insert on outbox for each row
      when (new.topic = 'project.transitioned') execute function fail_outbox()`.execute(database.db)
    try {
      await expect(engine.send(id, { type: 'SOLIDIFY', ...payloads.SOLIDIFY }, { actor: 'admin' })).rejects.toThrow(
        /injected outbox failure/,
      )
    } finally {
      await sql`drop trigger outbox_fault on outbox`.execute(database.db)
      await sql`drop function fail_outbox()`.execute(database.db)
    }
    const after = await database.db.selectFrom('project').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
    expect(after).toEqual(before)
    expect(await count('project_history', id)).toBe(historyBefore)
    // The system record and its announcement, planned with the transition, are gone too.
    expect(await count('outbox', id)).toBe(outboxBefore)
    const retried = await engine.send(id, { type: 'SOLIDIFY', ...payloads.SOLIDIFY }, { actor: 'admin' })
    expect(retried.to).toBe('institutionalized')
    const topics = await database.db.selectFrom('outbox').select('topic').where('project_id', '=', id).orderBy('id').execute()
    expect(topics.slice(-2).map((t) => t.topic)).toEqual(['project.transitioned', 'system.established'])
  })

  it('refuses without writing: unknown project, unknown event, bad payload, wrong state, failed rule', async () => {
    const id = await newProject()
    const refusals: Array<[() => Promise<unknown>, number, string]> = [
      [() => engine.send('00000000-0000-4000-8000-000000000000', { type: 'SUBMIT' }, { actor: 'x' }), 404, 'PROJECT_NOT_FOUND'],
      [() => engine.send(id, { type: 'LAUNCH_ROCKET' }, { actor: 'x' }), 400, 'UNKNOWN_EVENT'],
      [() => engine.send(id, { type: 'WITHDRAW', reason: 42 }, { actor: 'x' }), 400, 'VALIDATION_FAILED'],
      [() => engine.send(id, { type: 'UPDATE_DECLARATION', declaration: { targets: [] } }, { actor: 'x' }), 400, 'VALIDATION_FAILED'],
      [() => engine.send(id, { type: 'APPROVE' }, { actor: 'x' }), 409, 'EVENT_NOT_ALLOWED'],
      [() => engine.send(id, { type: 'SUBMIT' }, { actor: 'x', expectedVersion: 7 }), 409, 'VERSION_CONFLICT'],
    ]
    for (const [attempt, statusCode, code] of refusals) {
      await expect(attempt()).rejects.toMatchObject({ statusCode, code })
    }
    expect(await count('project_history', id)).toBe(1)
    expect(await count('outbox', id)).toBe(1)
  })

  it('explains a failed rule with the rule and what it found (I7)', async () => {
    const id = await newProject(pathTo.underReview)
    await expect(engine.send(id, { type: 'APPROVE' }, { actor: 'admin' })).rejects.toMatchObject({
      statusCode: 422,
      code: 'RULE_FAILED',
      details: { state: 'underReview', rules: [{ rule: 'enoughReviews', reviews: 0, required: 3, round: 1 }] },
    })
  })
})
