import type { OutboxTopic } from '../../domain/outbox.js'
import type { Generated, Insertable, Selectable } from 'kysely'

/** What the outside world must hear, written with the change that caused it. */
export interface OutboxTable {
  id: Generated<string>
  /** Given by the feed's positioner once the row is committed (dense, growing); null until then. */
  position: Generated<string | null>
  project_id: string | null
  /** The organization the event belongs to; null for the town's programme records. */
  organization_id: string | null
  topic: OutboxTopic
  payload: unknown
  created_at: Date
}

export type OutboxRow = Selectable<OutboxTable>
export type NewOutboxRow = Insertable<OutboxTable>

/** One row: the last feed position given. Its row lock is the positioner's. */
export interface FeedHeadTable {
  singleton: boolean
  position: string
}
