import type { Generated, Insertable, Selectable } from 'kysely'
import type { DeadlineKind } from '../../../machines/index.js'

export type TimerKind = DeadlineKind

/** A durable scheduled transition (I4): the event to send to a project at due_at. */
export interface TimerTable {
  id: Generated<string>
  project_id: string
  /** The deadline kind: one timer of each kind per project, so re-planning replaces it. */
  key: string
  /** The calendar deadline it fires at. */
  kind: TimerKind
  event: unknown
  due_at: Date
  created_at: Date
}

export type TimerRow = Selectable<TimerTable>
export type NewTimerRow = Insertable<TimerTable>
/** A timer as a project shows it: what will be sent, and when. */
export type PendingTimer = Pick<TimerRow, 'project_id' | 'key' | 'kind' | 'event' | 'due_at'>
