import { describe, expect, it } from 'vitest'
import { createMachine, initialTransition, transition } from 'xstate'
import { actionEffects, collapseTimerOps, deadlineEffects } from '../../src/engine/effects.js'

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

describe('effects of XState actions', () => {
  const now = new Date('2026-03-31T00:00:00.000Z')

  it('turns a delayed raise into a timer due at now + delay', () => {
    const [, actions] = initialTransition(reminder)
    const { timers } = actionEffects(actions, now)
    expect(timers).toEqual([
      {
        op: 'set',
        key: expect.any(String),
        kind: 'delay',
        event: expect.objectContaining({ type: 'xstate.after.3600000.reminder.waiting' }),
        dueAt: new Date('2026-03-31T01:00:00.000Z'),
      },
    ])
  })

  it('cancels the timer when the state is left, and replaces it (same key) on re-entry', () => {
    const [waiting, initial] = initialTransition(reminder)
    const key = actionEffects(initial, now).timers[0]!.key
    const [, leaving] = transition(reminder, waiting, { type: 'DONE' })
    expect(actionEffects(leaving, now).timers).toEqual([{ op: 'delete', key }])
    const [, reentering] = transition(reminder, waiting, { type: 'POKE' })
    const ops = actionEffects(reentering, new Date(now.getTime() + 1000)).timers
    expect(ops.map((o) => [o.op, o.key])).toEqual([
      ['delete', key],
      ['set', key],
    ])
    expect(collapseTimerOps(ops.map((o) => ({ ...o, projectId: 'p' })))).toEqual([
      expect.objectContaining({ op: 'set', key, dueAt: new Date('2026-03-31T01:00:01.000Z') }),
    ])
  })

  it('sends named machine actions to the outbox', () => {
    expect(actionEffects([{ type: 'announceSystem', params: { systemTitle: 'T' } }], now).outbox).toEqual([
      { topic: 'action.announceSystem', payload: { systemTitle: 'T' } },
    ])
  })
})

describe('calendar deadline effects', () => {
  const dueAt = new Date('2026-12-31T15:59:59.999Z')

  const acceptance = { kind: 'acceptanceDeadline' as const, dueAt, event: { type: 'ACCEPTANCE_DEADLINE' } }
  const report = (period: string) => ({
    kind: 'progressReportDue' as const,
    dueAt: new Date(`${period === '2026-H1' ? '2026-06-23' : '2026-12-13'}T16:00:00.000Z`),
    event: { type: 'PROGRESS_REPORT_DUE', period },
  })
  const implementing = ['progressReportDue', 'acceptanceDeadline'] as const

  it('sets what a newly entered state wants', () => {
    expect(deadlineEffects({ kinds: [], desired: [] }, { kinds: ['acceptanceDeadline'], desired: [acceptance] })).toEqual([
      { op: 'set', key: 'acceptanceDeadline', kind: 'acceptanceDeadline', event: { type: 'ACCEPTANCE_DEADLINE' }, dueAt },
    ])
  })

  it('deletes what the state left behind wanted', () => {
    expect(
      deadlineEffects({ kinds: implementing, desired: [report('2026-H1'), acceptance] }, { kinds: [], desired: [] }),
    ).toEqual([
      { op: 'delete', key: 'progressReportDue' },
      { op: 'delete', key: 'acceptanceDeadline' },
    ])
  })

  it('writes nothing when an event leaves the wanted timers as they were', () => {
    const same = { kinds: implementing, desired: [report('2026-H1'), acceptance] }
    expect(deadlineEffects(same, { ...same, desired: [report('2026-H1'), acceptance] })).toEqual([])
  })

  it('moves a recurring timer to its next occurrence', () => {
    expect(
      deadlineEffects(
        { kinds: implementing, desired: [report('2026-H1'), acceptance] },
        { kinds: implementing, desired: [report('2026-H2'), acceptance] },
      ),
    ).toEqual([expect.objectContaining({ op: 'set', key: 'progressReportDue', event: { type: 'PROGRESS_REPORT_DUE', period: '2026-H2' } })])
  })

  it('keeps the last operation per project and key', () => {
    const ops = collapseTimerOps([
      { projectId: 'a', op: 'set', key: 'k', kind: 'delay', event: {}, dueAt },
      { projectId: 'b', op: 'set', key: 'k', kind: 'delay', event: {}, dueAt },
      { projectId: 'a', op: 'delete', key: 'k' },
    ])
    expect(ops.map((o) => [o.projectId, o.op])).toEqual([
      ['b', 'set'],
      ['a', 'delete'],
    ])
  })
})
