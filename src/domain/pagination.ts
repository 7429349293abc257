import type { SelectQueryBuilder } from 'kysely'
import { Refusal } from '../errors.js'

/**
 * Keyset pagination by (created_at, id) behind an opaque cursor, so pages stay stable while
 * rows are added and no page costs an OFFSET scan.
 */
export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

type OrderColumn = 'created_at' | 'due_at'
type Keyed<C extends OrderColumn> = { [K in C]: Date } & { id: string }

export function encodeCursor(instant: Date, id: string): string {
  return Buffer.from(JSON.stringify([instant.toISOString(), id])).toString('base64url')
}

export function decodeCursor(cursor: string): { instant: Date; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string]
    const date = new Date(createdAt)
    if (Number.isNaN(date.getTime()) || typeof id !== 'string') throw new Error('bad cursor')
    return { instant: date, id }
  } catch {
    throw new Refusal(400, 'INVALID_CURSOR', 'the cursor is not one this API issued')
  }
}

/** Pages rows by (orderBy, id), oldest first; `orderBy` is created_at unless the rows have a better order. */
export async function pageQuery<DB, TB extends keyof DB, O extends Keyed<C>, C extends OrderColumn = 'created_at'>(
  query: SelectQueryBuilder<DB, TB, O>,
  { cursor, limit }: { cursor?: string | undefined; limit: number },
  orderBy: C = 'created_at' as C,
): Promise<Page<O>> {
  // Column names are shared by every paged table; the casts keep Kysely's generic builder happy.
  let q = query as unknown as SelectQueryBuilder<any, any, O>
  const column = orderBy as 'created_at'
  if (cursor) {
    const after = decodeCursor(cursor)
    q = q.where((eb) =>
      eb.or([eb(column, '>', after.instant), eb.and([eb(column, '=', after.instant), eb('id', '>', after.id)])]),
    )
  }
  const rows = await q.orderBy(column).orderBy('id').limit(limit + 1).execute()
  const items = rows.slice(0, limit)
  const last = items.at(-1)
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last[orderBy] as Date, last.id) : null }
}
