import { sql } from 'kysely'
import { connectPglite, connectPostgres, type DatabaseHandle } from '../../src/db/connect.js'
import { migrateToLatest } from '../../src/db/migrate.js'

/**
 * A fresh, migrated database for one benchmark run: in-memory PGlite, or a schema of its own
 * in the PostgreSQL named by DATABASE_URL, dropped by `drop`.
 */
export async function openBenchDatabase(poolSize: number): Promise<DatabaseHandle & { drop: () => Promise<void> }> {
  if (!process.env.DATABASE_URL) {
    const handle = await connectPglite()
    await migrateToLatest(handle.db)
    return { ...handle, drop: handle.close }
  }
  const schema = `bench_${Date.now()}`
  const handle = connectPostgres(process.env.DATABASE_URL, { searchPath: schema, max: poolSize })
  await sql`create schema ${sql.id(schema)}`.execute(handle.db)
  await migrateToLatest(handle.db, { schema })
  return {
    ...handle,
    drop: async () => {
      await sql`drop schema ${sql.id(schema)} cascade`.execute(handle.db)
      await handle.close()
    },
  }
}
