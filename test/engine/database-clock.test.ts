import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPrincipal } from '../../src/domain/principals.js'
import { DatabaseClock } from '../../src/engine/database-clock.js'
import { createService } from '../../src/service.js'
import { ADMIN_TOKEN, authorizeTestApp, silentLogger } from '../support/app.js'
import { databaseKinds, openTestDatabase, type TestDatabase } from '../support/databases.js'
import { declarations } from '../support/fixtures.js'
import { client } from '../support/http.js'

/**
 * One clock for the service (I8 in a sandbox): the manual clock is a row in the database, so two
 * processes on one database agree on the time, and a restart does not rewind it.
 */
describe.each(databaseKinds)('the shared manual clock on %s', (kind) => {
  let database: TestDatabase
  const apps: FastifyInstance[] = []

  /** A service as `CLOCK=manual CLOCK_START=… npm start` builds it, on its own connections where the database allows. */
  const service = async (start: string) => {
    const handle = apps.length === 0 ? database : { ...database, ...database.another() }
    const { clock } = await DatabaseClock.open(handle.db, new Date(start))
    const { app } = await createService({ database: handle, clock, logger: silentLogger, authCacheMs: 0, rateLimitPerMinute: 1_000_000 })
    await authorizeTestApp(app, handle)
    apps.push(app)
    return { app, clock }
  }

  beforeAll(async () => {
    database = await openTestDatabase(kind)
  })
  afterAll(async () => {
    for (const app of apps) await app.close()
    await database?.drop()
  })

  it('is set by CLOCK_START only on a fresh database, and shared by every process', async () => {
    const first = await service('2026-03-20T00:00:00+08:00')
    const second = await service('2030-01-01T00:00:00+08:00')
    const now = async (app: FastifyInstance) => (await client(app).ok('GET', '/api/v1/admin/clock')).now
    expect(await now(first.app)).toBe('2026-03-19T16:00:00.000Z')
    expect(await now(second.app)).toBe('2026-03-19T16:00:00.000Z')

    const api = client(first.app)
    const org = await api.organization('共享时钟党支部')
    const draft = await api.project('innovation', org, 2026, [], declarations.innovation)
    const expiring = (await createPrincipal(database.db, { name: '将过期', role: 'reviewer', expiresAt: new Date('2026-03-25T00:00:00+08:00') }, 'test', new Date())).token
    const asExpiring = (app: FastifyInstance) => app.inject({ method: 'GET', url: '/api/v1/machines', headers: { authorization: `Bearer ${expiring}` } })
    expect((await asExpiring(second.app)).statusCode).toBe(200)

    // Moved through one process: the other sees the time, the expired token and the swept declaration.
    const moved = await api.ok('POST', '/api/v1/admin/clock', { to: '2026-04-01T08:00:00+08:00' })
    expect(moved.fired).toBeGreaterThanOrEqual(1)
    expect(await now(second.app)).toBe('2026-04-01T00:00:00.000Z')
    expect((await asExpiring(second.app)).json().code).toBe('TOKEN_EXPIRED')
    expect(await client(second.app).state(draft)).toBe('overdueDeclaration')
    // Nor can the other move it back.
    const back = await second.app.inject({ method: 'POST', url: '/api/v1/admin/clock', payload: { to: '2026-03-30T00:00:00+08:00' }, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    expect(back.json()).toMatchObject({ statusCode: 422, code: 'CLOCK_BACKWARDS', details: { now: '2026-04-01T00:00:00.000Z' } })

    // A restart keeps the time; its CLOCK_START is ignored.
    const restarted = await service('2026-01-01T00:00:00+08:00')
    expect(await now(restarted.app)).toBe('2026-04-01T00:00:00.000Z')
    const reopened = await DatabaseClock.open(database.db, new Date('2020-01-01T00:00:00Z'))
    expect(reopened.started).toBe(false)
    expect(reopened.clock.now().toISOString()).toBe('2026-04-01T00:00:00.000Z')
  })

  it('starts, on a database that has a history but no manual clock yet, no earlier than that history', async () => {
    await database.db.deleteFrom('service_clock').execute()
    const last = await database.db.selectFrom('project_history').select((eb) => eb.fn.max('at').as('at')).executeTakeFirstOrThrow()
    const opened = await DatabaseClock.open(database.db, new Date('2020-01-01T00:00:00Z'))
    expect(opened).toMatchObject({ started: true, raisedFrom: new Date('2020-01-01T00:00:00Z') })
    expect(opened.clock.now().getTime()).toBe(new Date(last.at as unknown as Date).getTime())
  })
})
