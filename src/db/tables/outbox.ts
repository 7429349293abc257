import type { Generated, Insertable, Selectable } from 'kysely'

/** What the outside world must hear, written with the change that caused it. */
export interface OutboxTable {
  id: Generated<string>
  /** The writing transaction's id (xid8): the feed serves rows in (txid, id) order once committed. */
  txid: Generated<string>
  project_id: string | null
  topic: string
  payload: unknown
  created_at: Date
}

export type OutboxRow = Selectable<OutboxTable>
export type NewOutboxRow = Insertable<OutboxTable>
