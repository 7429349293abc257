import { describe, expect, it } from 'vitest'
import { createMachine, initialTransition } from 'xstate'
import { actionEffects, collapseTimerOps, deadlineEffects } from '../../src/engine/effects.js'

/** A machine with a delayed transition: the programme's time is the calendar's, so the engine refuses it. */
const reminder = createMachine({
  id: 'reminder',
  initial: 'waiting',
  states: {
    waiting: { after: { 3600000: { target: 'late' } }, on: { DONE: 'done' } },
    late: { on: { DONE: 'done' } },
    done: { type: 'final' },
  },
})

describe('effects of XState actions', () => {
  const now = new Date('2026-03-31T00:00:00.000Z')

  it('refuses a delayed raise: timers come only from calendar deadlines', () => {
    const [, actions] = initialTransition(reminder)
    expect(() => actionEffects(actions)).toThrow(/deadlines come from the calendar/)
  })

  it('refuses a named machine action it does not carry out, rather than lose it', () => {
    expect(() => actionEffects([{ type: 'announceSystem', params: { systemTitle: 'T' } }])).toThrow(/no machine action announceSystem/)
    expect(actionEffects([{ type: 'establishSystem', params: { title: 'T', content: 'C', effectiveDate: '2026-12-01' } }]).systems).toHaveLength(1)
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
      { projectId: 'a', op: 'set', key: 'k', kind: 'acceptanceDeadline', event: {}, dueAt },
      { projectId: 'b', op: 'set', key: 'k', kind: 'acceptanceDeadline', event: {}, dueAt },
      { projectId: 'a', op: 'delete', key: 'k' },
    ])
    expect(ops.map((o) => [o.projectId, o.op])).toEqual([
      ['b', 'set'],
      ['a', 'delete'],
    ])
  })
})
