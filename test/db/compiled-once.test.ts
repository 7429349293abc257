import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectPostgres } from '../../src/db/connect.js'
import { compiledOnce } from '../../src/db/prepared.js'
import { databaseKinds, openTestDatabase, type TestDatabase } from '../support/databases.js'

describe.each(databaseKinds)('statements compiled once, on %s', (kind) => {
  let database: TestDatabase
  beforeAll(async () => (database = await openTestDatabase(kind)))
  afterAll(async () => database?.drop())

  it('binds each call’s own arguments to the statement compiled at the first call', async () => {
    let builds = 0
    const pair = compiledOnce((a: number, b: string) => {
      builds++
      return sql<{ a: number; b: string }>`/* prepared */ select ${a}::int as a, ${b}::text as b`
    })
    expect((await pair(database.db, 1, 'one')).rows).toEqual([{ a: 1, b: 'one' }])
    expect((await pair(database.db, 2, 'two')).rows).toEqual([{ a: 2, b: 'two' }])
    await database.db.transaction().execute(async (trx) => expect((await pair(trx, 3, 'three')).rows).toEqual([{ a: 3, b: 'three' }]))
    expect(builds).toBe(1)
  })

  // Arguments bind by position: a statement that uses them in another order, twice, or as
  // something other than a parameter would silently bind the wrong values later.
  it('refuses a statement whose parameters are not its arguments, in order', async () => {
    const swapped = compiledOnce((a: number, b: number) => sql`select ${b}::int, ${a}::int`)
    await expect(swapped(database.db, 1, 2)).rejects.toThrow(/not its arguments in order/)
    const twice = compiledOnce((a: number) => sql`select ${a}::int, ${a}::int`)
    await expect(twice(database.db, 1)).rejects.toThrow(/not its arguments in order/)
    const inlined = compiledOnce((a: number) => sql`select ${sql.lit(a)}::int`)
    await expect(inlined(database.db, 1)).rejects.toThrow(/not its arguments in order/)
  })

  // On PostgreSQL a marked statement goes to pg as a named Query the service builds itself:
  // its errors must come back as pg's, and the connection must serve the next statement.
  it('gives back a prepared statement’s error, and the connection goes on', async () => {
    const ratio = compiledOnce((a: number) => sql<{ r: number }>`/* prepared */ select 10 / ${a}::int as r`)
    // One connection, so the statements after the error run on the one that saw it.
    const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(database.db)).rows[0]!.s
    const single = kind === 'postgres' ? connectPostgres(process.env.TEST_DATABASE_URL!, { searchPath: schema, max: 1 }) : database
    try {
      await expect(ratio(single.db, 0)).rejects.toMatchObject({ message: expect.stringMatching(/division by zero/) })
      expect((await ratio(single.db, 5)).rows).toEqual([{ r: 2 }])
      await expect(single.db.transaction().execute((trx) => ratio(trx, 0))).rejects.toThrow(/division by zero/)
      expect((await ratio(single.db, 2)).rows).toEqual([{ r: 5 }])
    } finally {
      if (single !== database) await single.close()
    }
  })
})
