import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { sql } from 'kysely'
import { inject } from 'vitest'
import { connectPglite, connectPostgres, type DatabaseHandle, type DatabaseKind } from '../../src/db/connect.js'
import { migrateToLatest } from '../../src/db/migrate.js'

/** Every database suite runs on PGlite, and on PostgreSQL too when TEST_DATABASE_URL is set. */
export const databaseKinds: DatabaseKind[] = ['pglite', ...(process.env.TEST_DATABASE_URL ? (['postgres'] as const) : [])]

export interface TestDatabase extends DatabaseHandle {
  /** Drops what the test made: the PGlite copy, or the PostgreSQL schema. */
  drop: () => Promise<void>
  /**
   * Another connection pool on the same database, as a second server process would have;
   * PGlite is one process's embedded database, so there it is the same handle.
   */
  another: () => DatabaseHandle
}

export async function openTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const dump = new Blob([readFileSync(inject('pgliteTemplate'))])
    const handle = await connectPglite({ loadDataDir: dump })
    return { ...handle, drop: handle.close, another: () => handle }
  }
  const url = process.env.TEST_DATABASE_URL!
  const schema = `test_${randomBytes(6).toString('hex')}`
  const admin = connectPostgres(url, { max: 1 })
  await sql`create schema ${sql.id(schema)}`.execute(admin.db)
  const handle = connectPostgres(url, { searchPath: schema, max: 10 })
  await migrateToLatest(handle.db, { schema })
  const others: DatabaseHandle[] = []
  return {
    ...handle,
    another: () => {
      const other = connectPostgres(url, { searchPath: schema, max: 10 })
      others.push(other)
      return other
    },
    drop: async () => {
      for (const other of others) await other.close()
      await handle.close()
      await sql`drop schema ${sql.id(schema)} cascade`.execute(admin.db)
      await admin.close()
    },
  }
}
