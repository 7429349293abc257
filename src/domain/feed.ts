import { sql } from 'kysely'
import type { Executor } from '../db/database.js'
import { Refusal } from '../errors.js'

/**
 * The event feed (issue 5): every outbox row, in commit order, behind a cursor a client can
 * resume from without gaps or repeats. Ids are handed out before commit, so id order is not
 * commit order; instead a row is served only once every transaction that began before it has
 * ended (its txid is below the oldest running transaction), and rows are ordered by (txid, id).
 * A transaction that is still running holds back everything after it, never skips it.
 */
export interface FeedPosition {
  txid: string
  id: string
}

export interface FeedEvent {
  cursor: string
  id: string
  topic: string
  projectId: string | null
  payload: unknown
  createdAt: string
}

export const feedStart: FeedPosition = { txid: '0', id: '0' }

export function encodeFeedCursor(position: FeedPosition): string {
  return Buffer.from(`${position.txid}:${position.id}`).toString('base64url')
}

export function decodeFeedCursor(cursor: string): FeedPosition {
  const match = /^(\d{1,20}):(\d{1,20})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
  if (!match) throw new Refusal(400, 'INVALID_CURSOR', 'the cursor is not one this feed issued')
  return { txid: match[1]!, id: match[2]! }
}

export async function readFeed(
  db: Executor,
  after: FeedPosition,
  limit: number,
  topics?: readonly string[],
): Promise<{ items: FeedEvent[]; position: FeedPosition }> {
  const rows = await sql<{ id: string; txid: string; topic: string; project_id: string | null; payload: unknown; created_at: Date }>`
    select id::text as id, txid::text as txid, topic, project_id, payload, created_at
      from outbox
     where (txid, id) > (${after.txid}::xid8, ${after.id}::bigint)
       and txid < pg_snapshot_xmin(pg_current_snapshot())
       ${topics?.length ? sql`and topic in (${sql.join(topics.map((t) => sql`${t}`))})` : sql``}
     order by txid, id
     limit ${limit}`.execute(db)
  const items = rows.rows.map((r) => ({
    cursor: encodeFeedCursor({ txid: r.txid, id: r.id }),
    id: r.id,
    topic: r.topic,
    projectId: r.project_id,
    payload: r.payload,
    createdAt: r.created_at.toISOString(),
  }))
  const last = rows.rows.at(-1)
  return { items, position: last ? { txid: last.txid, id: last.id } : after }
}
