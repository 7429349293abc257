import { Migrator, type Kysely } from 'kysely'
import { migrations } from '../../migrations/index.js'

/**
 * `schema` names where Kysely keeps its migration bookkeeping; it must be given when the
 * database is reached through a search_path other than public (tests, one schema each), or
 * the migrator finds another schema's bookkeeping table and skips creating its own.
 */
export async function migrateToLatest(db: Kysely<any>, options: { schema?: string } = {}): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    ...(options.schema ? { migrationTableSchema: options.schema } : {}),
  })
  const { error, results } = await migrator.migrateToLatest()
  if (error) throw error
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}
