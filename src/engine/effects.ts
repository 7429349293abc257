import { randomUUID } from 'node:crypto'
import type { DeadlineKind } from '../../machines/index.js'
import type { OutboxTopic } from '../domain/outbox.js'
import type { PendingTimer, TimerKind } from '../db/tables/timer.js'
import { byDueThenKey } from '../domain/timers.js'
import type { DesiredTimer } from './deadlines.js'

/**
 * What a transition does besides changing the snapshot, as rows to write: timers to set or
 * delete (I4) and outbox messages. Timers come only from the calendar's deadlines
 * (`desiredTimers`); the machine's one named action the engine carries out (establishSystem)
 * becomes a town system record and its outbox message.
 */
export type TimerOp =
  | { op: 'set'; key: string; kind: TimerKind; event: unknown; dueAt: Date }
  | { op: 'delete'; key: string }

export interface OutboxMessage {
  topic: OutboxTopic
  payload: Record<string, unknown>
}

interface ActionLike {
  type: string
  params?: unknown
}

/** A town-wide system the machine established (its `establishSystem` action), to be written as a record. */
export interface EstablishedSystem {
  id: string
  title: string
  content: string
  effectiveDate: string
}

export function actionEffects(actions: readonly ActionLike[]): { timers: TimerOp[]; outbox: OutboxMessage[]; systems: EstablishedSystem[] } {
  const timers: TimerOp[] = []
  const outbox: OutboxMessage[] = []
  const systems: EstablishedSystem[] = []
  for (const action of actions) {
    const params = (action.params ?? {}) as Record<string, unknown>
    if (action.type === 'xstate.raise' && params.delay !== undefined) {
      // Time in the programme is the calendar's (state meta `deadlines`): a delayed transition would be a timer no calendar moves.
      throw new Error(`a machine raised a delayed ${String((params.event as { type?: string })?.type)}: deadlines come from the calendar`)
    } else if (action.type === 'establishSystem') {
      systems.push({
        id: randomUUID(),
        title: String(params.title),
        content: String(params.content),
        effectiveDate: String(params.effectiveDate),
      })
    } else if (!action.type.startsWith('xstate.')) {
      // A named action the engine does not carry out would be silently lost: a machine may only name those it knows.
      throw new Error(`the engine carries out no machine action ${action.type}`)
    }
  }
  return { timers, outbox, systems }
}

/**
 * Calendar timers after a transition: set those the new state wants that differ from what the
 * old state wanted, delete those no longer wanted. A timer's key is its deadline kind: one of
 * each per project. Most events (a ledger entry, a review) change nothing here and write nothing.
 */
export function deadlineEffects(
  before: { kinds: readonly DeadlineKind[]; desired: readonly DesiredTimer[] },
  after: { kinds: readonly DeadlineKind[]; desired: readonly DesiredTimer[] },
): TimerOp[] {
  const same = (a: DesiredTimer, b: DesiredTimer | undefined) =>
    b !== undefined && a.dueAt.getTime() === b.dueAt.getTime() && JSON.stringify(a.event) === JSON.stringify(b.event)
  const ops: TimerOp[] = after.desired
    .filter((d) => !same(d, before.desired.find((b) => b.kind === d.kind)))
    .map((d) => ({ op: 'set', key: d.kind, kind: d.kind, event: d.event, dueAt: d.dueAt }))
  for (const kind of new Set([...before.kinds, ...after.kinds])) {
    const stillWanted = after.desired.some((d) => d.kind === kind)
    const mayExist = before.desired.some((d) => d.kind === kind) || !after.kinds.includes(kind)
    if (!stillWanted && mayExist) ops.push({ op: 'delete', key: kind })
  }
  return ops
}

/** The last operation on each key wins: what a batch of transitions leaves behind. */
export function collapseTimerOps(ops: ReadonlyArray<TimerOp & { projectId: string }>) {
  const last = new Map<string, TimerOp & { projectId: string }>()
  for (const op of ops) {
    const id = `${op.projectId}\u0000${op.key}`
    last.delete(id)
    last.set(id, op)
  }
  return [...last.values()]
}

/** A project's pending timers once a transition's operations are applied, in the order they fire. */
export function pendingTimersAfter(before: readonly PendingTimer[], plan: { project: { id: string }; timers: readonly TimerOp[] }): PendingTimer[] {
  const byKey = new Map(before.map((t) => [t.key, t]))
  for (const op of plan.timers) {
    if (op.op === 'delete') byKey.delete(op.key)
    else byKey.set(op.key, { project_id: plan.project.id, key: op.key, kind: op.kind, event: op.event, due_at: op.dueAt })
  }
  return [...byKey.values()].sort(byDueThenKey)
}
