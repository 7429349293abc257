import { chmodSync, mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Logger } from 'pino'
import type { Config } from '../config.js'
import { connectPglite, connectPostgres, type DatabaseHandle } from './connect.js'
import { lockDataFolder } from './data-folder-lock.js'
import { migrateToLatest } from './migrate.js'

/** The service's database: PostgreSQL when DATABASE_URL names one, else PGlite in DATA_DIR; migrated. */
export async function openDatabase(config: Config, logger: Logger): Promise<DatabaseHandle> {
  const handle = config.databaseUrl ? connectPostgres(config.databaseUrl) : await openPgliteFolder(resolve(config.dataDir))
  const applied = await migrateToLatest(handle.db)
  logger.info(
    { database: handle.kind, ...(handle.kind === 'pglite' ? { dataDir: resolve(config.dataDir) } : {}), applied },
    'database ready',
  )
  return handle
}

/** PGlite in a folder this process holds alone (data-folder-lock.ts); closing releases it. */
async function openPgliteFolder(folder: string): Promise<DatabaseHandle> {
  // The database's files, its principals among them, are this user's alone, as PostgreSQL insists of
  // its data directory (PGlite writes its files world-writable).
  mkdirSync(folder, { recursive: true, mode: 0o700 })
  chmodSync(folder, 0o700)
  const release = await lockDataFolder(folder)
  try {
    const handle = await connectPglite({ dataDir: folder })
    return Object.assign({}, handle, {
      close: async () => {
        await handle.close()
        release()
      },
    })
  } catch (error) {
    release()
    throw error
  }
}
