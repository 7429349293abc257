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

interface Keyed {
  created_at: Date
  id: string
}

export function encodeCursor(row: Keyed): string {
  return Buffer.from(JSON.stringify([row.created_at.toISOString(), row.id])).toString('base64url')
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string]
    const date = new Date(createdAt)
    if (Number.isNaN(date.getTime()) || typeof id !== 'string') throw new Error('bad cursor')
    return { createdAt: date, id }
  } catch {
    throw new Refusal(400, 'INVALID_CURSOR', 'the cursor is not one this API issued')
  }
}

export async function pageQuery<DB, TB extends keyof DB, O extends Keyed>(
  query: SelectQueryBuilder<DB, TB, O>,
  { cursor, limit }: { cursor?: string | undefined; limit: number },
): Promise<Page<O>> {
  // Column names are shared by every paged table; the casts keep Kysely's generic builder happy.
  let q = query as unknown as SelectQueryBuilder<any, any, O>
  if (cursor) {
    const after = decodeCursor(cursor)
    q = q.where((eb) =>
      eb.or([
        eb('created_at', '>', after.createdAt),
        eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)]),
      ]),
    )
  }
  const rows = await q.orderBy('created_at').orderBy('id').limit(limit + 1).execute()
  const items = rows.slice(0, limit)
  const last = items.at(-1)
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null }
}
