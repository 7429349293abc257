import type { OutboxTopic } from './outbox.js'
import { sql } from 'kysely'
import type { DB, Executor } from '../db/database.js'
import { Refusal } from '../errors.js'

/**
 * The event feed: every outbox row, in the order rows became visible, behind a cursor a client
 * resumes from without gaps or repeats (docs/event-feed.md). Writers leave `position` empty; the
 * positioner — whoever holds feed_head's row lock, one at a time — numbers the rows committed so
 * far, densely, in id order, after the last number given. A row is served only once it has a
 * position, and positions only grow, so a reader that saw position n has seen every row before n.
 */
export interface FeedEvent {
  cursor: string
  id: string
  topic: OutboxTopic
  projectId: string | null
  payload: unknown
  createdAt: string
}

/** Before the first event. */
export const feedStart = '0'

const MAX_BIGINT = 2n ** 63n - 1n
const positionText = /^(?:0|[1-9]\d{0,18})$/
/** Cursors issued before positions (txid:id); they still resume after the event they name. */
const legacyText = /^(\d{1,20}):(0|[1-9]\d{0,18})$/

const inBigintRange = (digits: string) => BigInt(digits) <= MAX_BIGINT

export function encodeFeedCursor(position: string): string {
  return Buffer.from(`f${position}`).toString('base64url')
}

const invalidCursor = () => new Refusal(400, 'INVALID_CURSOR', 'the cursor is not one this feed issued')

/**
 * The position a cursor resumes after. Only the exact text this feed issues is taken: Node's
 * base64 decoder skips characters it does not know, so the cursor must encode back to itself.
 */
export async function positionOfCursor(db: Executor, cursor: string): Promise<string> {
  const text = Buffer.from(cursor, 'base64url').toString('utf8')
  if (Buffer.from(text).toString('base64url') !== cursor) throw invalidCursor()
  if (text.startsWith('f')) {
    const position = text.slice(1)
    if (!positionText.test(position) || !inBigintRange(position)) throw invalidCursor()
    return position
  }
  const legacy = legacyText.exec(text)
  if (!legacy || !inBigintRange(legacy[2]!)) throw invalidCursor()
  if (legacy[2] === '0') return feedStart
  const row = await db.selectFrom('outbox').select(sql<string>`position::text`.as('position')).where('id', '=', legacy[2]!).executeTakeFirst()
  if (!row || row.position === null) throw invalidCursor()
  return row.position
}

/** The town's programme settings, which every organization reads as it reads the settings themselves. */
export const townWideTopics = ['calendar.changed', 'handbook.published', 'grading.changed', 'group.formed'] as const satisfies readonly OutboxTopic[]

export interface FeedFilter {
  topics?: readonly string[] | undefined
  /** Only events of this organization's projects (a token bound to it). */
  organizationId?: string | null | undefined
}

export async function readFeed(
  db: Executor,
  after: string,
  limit: number,
  filter: FeedFilter = {},
): Promise<{ items: FeedEvent[]; position: string }> {
  const { topics, organizationId } = filter
  // Ordered by the column, not the text alias of the same name: text sorts "1000" before "999".
  const rows = await sql<{ feed_position: string; id: string; topic: OutboxTopic; project_id: string | null; payload: unknown; created_at: Date }>`
    select o.position::text as feed_position, o.id::text as id, o.topic, o.project_id, o.payload, o.created_at
      from outbox o
     where o.position > ${after}::bigint
       ${topics?.length ? sql`and o.topic in (${sql.join(topics.map((t) => sql`${t}`))})` : sql``}
       ${organizationId ? sql`and (o.organization_id = ${organizationId} or (o.organization_id is null and o.topic in (${sql.join(townWideTopics.map((t) => sql.lit(t)))})))` : sql``}
     order by o.position
     limit ${limit}`.execute(db)
  const items = rows.rows.map((r) => ({
    cursor: encodeFeedCursor(r.feed_position),
    id: r.id,
    topic: r.topic,
    projectId: r.project_id,
    payload: r.payload,
    createdAt: r.created_at.toISOString(),
  }))
  return { items, position: rows.rows.at(-1)?.feed_position ?? after }
}

/** The last position given: where a new subscriber starts. */
export async function feedHead(db: Executor): Promise<string> {
  const row = await sql<{ position: string }>`select position::text as position from feed_head`.execute(db)
  return row.rows[0]!.position
}

const POSITION_BATCH = 5000

/**
 * Gives the committed rows without a position the next positions, in id order; returns how many.
 *
 * Why this order is safe: a transaction that depends on another's commit (the next version of a
 * project, a project seeded from a system) takes its outbox ids after that commit, so its rows
 * have larger ids; and no snapshot sees the later transaction's rows without the earlier's.
 * Within one batch, id order therefore keeps every project's events in version order.
 */
export async function positionCommitted(db: DB, options: { wait?: boolean; limit?: number } = {}): Promise<number> {
  const limit = options.limit ?? POSITION_BATCH
  // Most calls find nothing to do: a look at the partial index, without a transaction or a lock.
  const waiting = await sql<{ waiting: boolean }>`select exists (select 1 from outbox where position is null) as waiting`.execute(db)
  if (!waiting.rows[0]!.waiting) return 0
  return db.transaction().execute(async (trx) => {
    // A reader waits for a positioner at work (it may have started before the reader's own change
    // committed, and would leave it unnumbered); background work skips and leaves it to that one.
    const head = await sql<{ position: string }>`select position::text as position from feed_head for update ${options.wait ? sql`` : sql`skip locked`}`.execute(trx)
    if (head.rows.length === 0) return 0
    // A statement of its own, after the lock: its snapshot includes every row the previous
    // positioner numbered, which one taken before the lock was granted might not.
    const result = await sql<{ positioned: number }>`
      with next as (
        select id, ${head.rows[0]!.position}::bigint + row_number() over (order by id) as position
          from (select id from outbox where position is null order by id limit ${limit}) unpositioned),
      positioned as (
        update outbox o set position = next.position from next where o.id = next.id returning next.position),
      moved as (
        update feed_head set position = (select max(position) from positioned) where exists (select 1 from positioned))
      select count(*)::int as positioned from positioned`.execute(trx)
    return Number(result.rows[0]!.positioned)
  })
}

/** Positions everything committed so far, batch after batch. */
export async function positionAllCommitted(db: DB): Promise<number> {
  let total = 0
  for (;;) {
    const positioned = await positionCommitted(db)
    total += positioned
    if (positioned < POSITION_BATCH) return total
  }
}
