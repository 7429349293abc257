import type { Executor } from '../db/database.js'

/**
 * Turns the actions XState's pure `transition()` returns into rows: delayed raises become
 * durable timers (I4), cancels delete them, and the machine's own named actions become
 * outbox rows for the outside world. Built-in actions already did their work in the snapshot.
 */
export interface PlannedEffects {
  timers: Array<{ key: string; event: unknown; dueAt: Date }>
  cancelledTimerKeys: string[]
  outbox: Array<{ topic: string; payload: Record<string, unknown> }>
}

interface ActionLike {
  type: string
  params?: unknown
}

export function planEffects(actions: readonly ActionLike[], now: Date): PlannedEffects {
  const planned: PlannedEffects = { timers: [], cancelledTimerKeys: [], outbox: [] }
  for (const action of actions) {
    const params = (action.params ?? {}) as Record<string, unknown>
    if (action.type === 'xstate.raise' && params.delay !== undefined) {
      const event = params.event as { type: string }
      // XState gives a delayed transition the same id on every entry to its state: key by it, so re-entry replaces.
      const key = String(params.id ?? event.type)
      planned.timers = planned.timers.filter((t) => t.key !== key)
      planned.timers.push({ key, event, dueAt: new Date(now.getTime() + Number(params.delay)) })
    } else if (action.type === 'xstate.cancel') {
      const key = String(params.sendId)
      planned.timers = planned.timers.filter((t) => t.key !== key)
      planned.cancelledTimerKeys.push(key)
    } else if (!action.type.startsWith('xstate.')) {
      planned.outbox.push({ topic: `action.${action.type}`, payload: params })
    }
  }
  return planned
}

export async function writeEffects(
  db: Executor,
  projectId: string,
  effects: PlannedEffects,
  now: Date,
): Promise<void> {
  if (effects.cancelledTimerKeys.length > 0) {
    await db
      .deleteFrom('timer')
      .where('project_id', '=', projectId)
      .where('key', 'in', effects.cancelledTimerKeys)
      .execute()
  }
  if (effects.timers.length > 0) {
    await db
      .insertInto('timer')
      .values(
        effects.timers.map((t) => ({
          project_id: projectId,
          key: t.key,
          event: JSON.stringify(t.event),
          due_at: t.dueAt,
          created_at: now,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['project_id', 'key']).doUpdateSet((eb) => ({
          event: eb.ref('excluded.event'),
          due_at: eb.ref('excluded.due_at'),
          created_at: eb.ref('excluded.created_at'),
        })),
      )
      .execute()
  }
  if (effects.outbox.length > 0) {
    await db
      .insertInto('outbox')
      .values(
        effects.outbox.map((o) => ({
          project_id: projectId,
          topic: o.topic,
          payload: JSON.stringify(o.payload),
          created_at: now,
        })),
      )
      .execute()
  }
}
