import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectPostgres } from '../../src/db/connect.js'
import { systemClock } from '../../src/engine/clock.js'
import { createService } from '../../src/service.js'
import { ADMIN_TOKEN, authorizeTestApp, silentLogger } from '../support/app.js'
import { openTestDatabase, type TestDatabase } from '../support/databases.js'

/** When PostgreSQL cannot be reached: 503 with a code, /health says so, and the service recovers by itself. */
describe.runIf(process.env.TEST_DATABASE_URL)('the database going away (PostgreSQL)', () => {
  let database: TestDatabase

  beforeAll(async () => {
    database = await openTestDatabase('postgres')
  })
  afterAll(async () => database?.drop())

  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` }

  it('answers 503 DATABASE_UNAVAILABLE, and /health reports it, when the database cannot be reached', async () => {
    const url = new URL(process.env.TEST_DATABASE_URL!)
    url.port = '1'
    const unreachable = connectPostgres(url.toString(), { max: 2 })
    const { app } = await createService({ database: unreachable, clock: systemClock, logger: silentLogger })
    try {
      const health = await app.inject({ method: 'GET', url: '/health' })
      expect(health.statusCode).toBe(503)
      expect(health.json()).toMatchObject({ status: 'unavailable', database: 'postgres' })
      const request = await app.inject({ method: 'GET', url: '/api/v1/machines', headers: auth })
      expect(request.statusCode).toBe(503)
      expect(request.json()).toMatchObject({ code: 'DATABASE_UNAVAILABLE' })
      expect(request.headers['retry-after']).toBe('5')
    } finally {
      await app.close()
      await unreachable.close()
    }
  })

  it('recovers by itself when its connections are cut', async () => {
    const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(database.db)).rows[0]!.s
    const own = connectPostgres(process.env.TEST_DATABASE_URL!, { searchPath: schema, max: 4, applicationName: 'djf-fault-test' })
    const { app } = await createService({ database: own, clock: systemClock, logger: silentLogger })
    await authorizeTestApp(app, own)
    try {
      const ok = () => app.inject({ method: 'GET', url: '/api/v1/organizations', headers: auth })
      expect((await ok()).statusCode).toBe(200)
      await sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'djf-fault-test'`.execute(database.db)
      const during = await ok()
      expect([200, 503]).toContain(during.statusCode)
      if (during.statusCode === 503) expect(during.json().code).toBe('DATABASE_UNAVAILABLE')
      let recovered = false
      for (let i = 0; i < 20 && !recovered; i++) recovered = (await ok()).statusCode === 200
      expect(recovered).toBe(true)
      expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200)
    } finally {
      await app.close()
      await own.close()
    }
  })
})
