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

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const bigserial = /^(?:0|[1-9]\d{0,18})$/
const idPatterns = { uuid, bigserial } as const
export type IdKind = keyof typeof idPatterns

/**
 * The position a cursor names. Only the exact text this API issues is taken — Node's base64
 * decoder skips characters it does not know, so the cursor must encode back to itself — with an
 * instant that is one and an id of the table's kind (a UUID, or a bigserial within bigint).
 */
export function decodeCursor(cursor: string, idKind: IdKind = 'uuid'): { instant: Date; id: string } {
  const refused = new Refusal(400, 'INVALID_CURSOR', 'the cursor is not one this API issued')
  let parsed: unknown
  try {
    const text = Buffer.from(cursor, 'base64url').toString('utf8')
    if (Buffer.from(text).toString('base64url') !== cursor) throw refused
    parsed = JSON.parse(text)
  } catch {
    throw refused
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[0] !== 'string' || typeof parsed[1] !== 'string') throw refused
  const [instant, id] = parsed as [string, string]
  const date = new Date(instant)
  if (Number.isNaN(date.getTime()) || date.toISOString() !== instant || !idPatterns[idKind].test(id)) throw refused
  if (idKind === 'bigserial' && BigInt(id) > 2n ** 63n - 1n) throw refused
  return { instant: date, id }
}

/** Pages rows by (orderBy, id), oldest first; `orderBy` is created_at unless the rows have a better order. */
export async function pageQuery<DB, TB extends keyof DB, O extends Keyed<C>, C extends OrderColumn = 'created_at'>(
  query: SelectQueryBuilder<DB, TB, O>,
  { cursor, limit }: { cursor?: string | undefined; limit: number },
  orderBy: C = 'created_at' as C,
  idKind: IdKind = 'uuid',
): Promise<Page<O>> {
  // Column names are shared by every paged table; the casts keep Kysely's generic builder happy.
  let q = query as unknown as SelectQueryBuilder<any, any, O>
  const column = orderBy as 'created_at'
  if (cursor !== undefined) {
    const after = decodeCursor(cursor, idKind)
    q = q.where((eb) =>
      eb.or([eb(column, '>', after.instant), eb.and([eb(column, '=', after.instant), eb('id', '>', after.id)])]),
    )
  }
  const rows = await q.orderBy(column).orderBy('id').limit(limit + 1).execute()
  const items = rows.slice(0, limit)
  const last = items.at(-1)
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last[orderBy] as Date, last.id) : null }
}
