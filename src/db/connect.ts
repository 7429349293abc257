import { mkdirSync } from 'node:fs'
import { PGlite } from '@electric-sql/pglite'
import { Kysely, PostgresDialect } from 'kysely'
import { PGliteDialect } from 'kysely-pglite-dialect'
import pg from 'pg'
import type { Database } from './database.js'
import { prepareMarkedStatements } from './prepared.js'

export type DatabaseKind = 'pglite' | 'postgres'

export interface DatabaseHandle {
  db: Kysely<Database>
  kind: DatabaseKind
  close: () => Promise<void>
  /** The connection pool's state (PostgreSQL; PGlite is one embedded connection). */
  poolStats?: () => PoolStats
}

export interface PoolStats {
  total: number
  idle: number
  waiting: number
}

// int8 (bigserial ids, count(*)) stays a string: JavaScript numbers cannot hold every int8.
// timestamptz comes back as Date from both drivers.

export function connectPostgres(
  connectionString: string,
  options: { searchPath?: string; max?: number; applicationName?: string } = {},
): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'dangjian-flow',
    connectionTimeoutMillis: 5_000,
    ...(options.searchPath ? { options: `-c search_path=${options.searchPath}` } : {}),
  })
  // An idle client the server dropped (restart, terminated backend) must not crash the process;
  // the pool discards it and the next request gets a fresh connection.
  pool.on('error', () => {})
  // The same for a client that is checked out between queries: its next query fails and is answered 503.
  pool.on('connect', (client) => {
    client.on('error', () => {})
    prepareMarkedStatements(client)
  })
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  return { db, kind: 'postgres', close: () => db.destroy(), poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }) }
}

/**
 * Embedded PostgreSQL in a folder (or in memory); `loadDataDir` starts from a dump instead of
 * running initdb, and `existing` wraps an instance the caller made.
 */
export async function connectPglite(
  options: { dataDir?: string; loadDataDir?: Blob | File; existing?: PGlite } = {},
): Promise<DatabaseHandle> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true })
  const pglite =
    options.existing ??
    (await PGlite.create({
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
    }))
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) })
  return { db, kind: 'pglite', close: () => db.destroy() }
}
