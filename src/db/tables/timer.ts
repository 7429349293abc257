import type { Generated, Insertable, Selectable } from 'kysely'
import type { DeadlineKind } from '../../../machines/index.js'

export type TimerKind = DeadlineKind | 'delay'

/** A durable scheduled transition (I4): the event to send to a project at due_at. */
export interface TimerTable {
  id: Generated<string>
  project_id: string
  /** XState's delayed-event id; unique per project so re-entering a state replaces its timer. */
  key: string
  /** A calendar deadline kind, or 'delay' for a machine's delayed transition. */
  kind: TimerKind
  event: unknown
  due_at: Date
  created_at: Date
}

export type TimerRow = Selectable<TimerTable>
export type NewTimerRow = Insertable<TimerTable>
/** A timer as a project shows it: what will be sent, and when. */
export type PendingTimer = Pick<TimerRow, 'project_id' | 'key' | 'kind' | 'event' | 'due_at'>
