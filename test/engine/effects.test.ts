import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMachine, initialTransition, transition } from 'xstate'
import { planEffects, writeEffects } from '../../src/engine/effects.js'
import { ManualClock } from '../../src/engine/clock.js'
import { createEngine } from '../../src/engine/engine.js'
import { createOrganization } from '../../src/domain/organizations.js'
import { silentLogger } from '../support/app.js'
import { databaseKinds, openTestDatabase, type TestDatabase } from '../support/databases.js'

/** A machine with a delayed transition, to see what the engine makes of XState's raise and cancel. */
const reminder = createMachine({
  id: 'reminder',
  initial: 'waiting',
  states: {
    waiting: {
      after: { 3600000: { target: 'late' } },
      on: { DONE: 'done', POKE: { target: 'waiting', reenter: true } },
    },
    late: { on: { DONE: 'done' } },
    done: { type: 'final' },
  },
})

describe('planning effects from XState actions', () => {
  const now = new Date('2026-03-31T00:00:00.000Z')

  it('turns a delayed raise into a timer due at now + delay', () => {
    const [, actions] = initialTransition(reminder)
    const planned = planEffects(actions, now)
    expect(planned.timers).toHaveLength(1)
    expect(planned.timers[0]!.dueAt.toISOString()).toBe('2026-03-31T01:00:00.000Z')
    expect(planned.timers[0]!.event).toMatchObject({ type: 'xstate.after.3600000.reminder.waiting' })
  })

  it('cancels the timer when the state is left, and replaces it on re-entry', () => {
    const [waiting, initial] = initialTransition(reminder)
    const key = planEffects(initial, now).timers[0]!.key
    const [, leaving] = transition(reminder, waiting, { type: 'DONE' })
    expect(planEffects(leaving, now)).toMatchObject({ timers: [], cancelledTimerKeys: [key] })
    const [, reentering] = transition(reminder, waiting, { type: 'POKE' })
    const replanned = planEffects(reentering, new Date(now.getTime() + 1000))
    expect(replanned.timers.map((t) => t.key)).toEqual([key])
    expect(replanned.cancelledTimerKeys).toEqual([key])
  })

  it('sends named machine actions to the outbox', () => {
    expect(planEffects([{ type: 'announceSystem', params: { systemTitle: 'T' } }], now).outbox).toEqual([
      { topic: 'action.announceSystem', payload: { systemTitle: 'T' } },
    ])
  })
})

describe.each(databaseKinds)('writing effects on %s', (kind) => {
  let database: TestDatabase
  let projectId: string
  const clock = new ManualClock('2026-03-31T00:00:00.000Z')

  beforeAll(async () => {
    database = await openTestDatabase(kind)
    const org = await createOrganization(
      database.db,
      { name: '学校党支部', category: 'school', secretary: '吴书记', leaderInCharge: '郑委员' },
      clock.now(),
    )
    const engine = createEngine({ db: database.db, clock, logger: silentLogger, minReviews: 3 })
    projectId = (await engine.start({ type: 'innovation', organizationId: org.id, year: 2026, declaration: { title: '试点' } }, 'x')).id
  })
  afterAll(async () => database?.drop())

  it('stores one timer per key and deletes it on cancel', async () => {
    const timers = () => database.db.selectFrom('timer').selectAll().where('project_id', '=', projectId).execute()
    const [, actions] = initialTransition(reminder)
    await writeEffects(database.db, projectId, planEffects(actions, clock.now()), clock.now())
    clock.advanceBy(1000)
    await writeEffects(database.db, projectId, planEffects(actions, clock.now()), clock.now())
    const stored = await timers()
    expect(stored).toHaveLength(1)
    expect(stored[0]!.due_at.toISOString()).toBe('2026-03-31T01:00:01.000Z')
    await writeEffects(database.db, projectId, { timers: [], cancelledTimerKeys: [stored[0]!.key], outbox: [] }, clock.now())
    expect(await timers()).toEqual([])
  })
})
