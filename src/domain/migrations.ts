import { sql } from 'kysely'
import type { Executor } from '../db/database.js'
import type { MigrationOutcomeRow, MigrationRow } from '../db/tables/migration.js'
import { notFound } from '../errors.js'
import { decodeCursor, encodeCursor, pageQuery, type Page } from './pagination.js'

/** Reading migrations and their per-project outcomes (the engine writes them: engine/migrate.ts). */
export async function getMigration(db: Executor, id: string): Promise<MigrationRow & { remaining: number }> {
  const row = await db.selectFrom('migration').selectAll().where('id', '=', id).executeTakeFirst()
  if (!row) throw notFound('migration', id, 'MIGRATION_NOT_FOUND')
  // What is left: the selected projects still on the old version without an outcome (none once completed).
  const remaining =
    row.status === 'completed'
      ? 0
      : Number(
          (
            await sql<{ n: number }>`
              select count(*)::int as n from project p
               where p.type = ${row.type} and p.machine_version = ${row.from_version}
                 ${row.filter.year === undefined ? sql`` : sql`and p.year = ${row.filter.year}`}
                 ${row.filter.organizationId === undefined ? sql`` : sql`and p.organization_id = ${row.filter.organizationId}`}
                 ${row.filter.states === undefined ? sql`` : sql`and p.state = any(${row.filter.states}::text[])`}
                 and not exists (select 1 from migration_outcome o where o.migration_id = ${row.id} and o.project_id = p.id)`.execute(db)
          ).rows[0]!.n,
        )
  return { ...row, remaining }
}

export function listMigrations(db: Executor, page: { cursor?: string | undefined; limit: number }): Promise<Page<MigrationRow>> {
  return pageQuery(db.selectFrom('migration').selectAll(), page)
}

export interface OutcomeFilter {
  outcome?: 'moved' | 'blocked' | undefined
  cursor?: string | undefined
  limit: number
}

/** A migration's outcomes in the order they were decided. */
export async function migrationOutcomes(db: Executor, migrationId: string, filter: OutcomeFilter): Promise<Page<MigrationOutcomeRow>> {
  let query = db.selectFrom('migration_outcome').selectAll().where('migration_id', '=', migrationId)
  if (filter.outcome) query = query.where('outcome', '=', filter.outcome)
  if (filter.cursor !== undefined) query = query.where('seq', '>', decodeCursor(filter.cursor, 'bigserial').id)
  const rows = await query.orderBy('seq').limit(filter.limit + 1).execute()
  const items = rows.slice(0, filter.limit)
  const last = items.at(-1)
  return { items, nextCursor: rows.length > filter.limit && last ? encodeCursor(last.at, String(last.seq)) : null }
}
