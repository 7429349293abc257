import { sql, type RawBuilder } from 'kysely'
import type { ProjectType } from '../../machines/index.js'
import type { Executor } from '../db/database.js'
import type { MigrationFilter, MigrationOutcomeRow, MigrationRow } from '../db/tables/migration.js'
import { notFound } from '../errors.js'
import { decodeCursor, encodeCursor, pageQuery, type Page } from './pagination.js'

/** Reading migrations and their per-project outcomes (the engine writes them: engine/migrate.ts). */

/** The projects (`p`) a migration selects: its type at its source version, narrowed by its filter. */
export function migrationSelection(m: { type: ProjectType; fromVersion: number; filter: MigrationFilter }): RawBuilder<boolean> {
  const f = m.filter
  return sql<boolean>`p.type = ${m.type} and p.machine_version = ${m.fromVersion}
    ${f.year === undefined ? sql`` : sql`and p.year = ${f.year}`}
    ${f.organizationId === undefined ? sql`` : sql`and p.organization_id = ${f.organizationId}`}
    ${f.states === undefined ? sql`` : sql`and p.state = any(${f.states}::text[])`}`
}

/** Of those, the ones this migration has not decided yet. */
export const undecidedBy = (migrationId: string) =>
  sql<boolean>`not exists (select 1 from migration_outcome o where o.migration_id = ${migrationId} and o.project_id = p.id)`
export async function getMigration(db: Executor, id: string): Promise<MigrationRow & { remaining: number }> {
  const row = await db.selectFrom('migration').selectAll().where('id', '=', id).executeTakeFirst()
  if (!row) throw notFound('migration', id, 'MIGRATION_NOT_FOUND')
  // What is left: the selected projects still on the old version without an outcome (none once completed).
  const selected = migrationSelection({ type: row.type, fromVersion: row.from_version, filter: row.filter })
  const remaining =
    row.status === 'completed'
      ? 0
      : (await sql<{ n: number }>`select count(*)::int as n from project p where ${selected} and ${undecidedBy(row.id)}`.execute(db)).rows[0]!.n
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
