import { resolve } from 'node:path'
import type { Logger } from 'pino'
import type { Config } from '../config.js'
import { connectPglite, connectPostgres, type DatabaseHandle } from './connect.js'
import { migrateToLatest } from './migrate.js'

/** The service's database: PostgreSQL when DATABASE_URL names one, else PGlite in DATA_DIR; migrated. */
export async function openDatabase(config: Config, logger: Logger): Promise<DatabaseHandle> {
  const handle = config.databaseUrl
    ? connectPostgres(config.databaseUrl)
    : await connectPglite({ dataDir: resolve(config.dataDir) })
  const applied = await migrateToLatest(handle.db)
  logger.info(
    { database: handle.kind, ...(handle.kind === 'pglite' ? { dataDir: resolve(config.dataDir) } : {}), applied },
    'database ready',
  )
  return handle
}
