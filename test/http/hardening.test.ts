import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPrincipal } from '../../src/domain/principals.js'
import { ManualClock } from '../../src/engine/clock.js'
import { createService } from '../../src/service.js'
import { ADMIN_TOKEN, authorizeTestApp } from '../support/app.js'
import { openTestDatabase, type TestDatabase } from '../support/databases.js'

/**
 * Token guessing costs the guesser: failed authentications are limited per address before any
 * lookup, and what a URL carries never reaches the request log.
 */
describe('failed authentications and the request log', () => {
  let database: TestDatabase
  let app: FastifyInstance
  const lines: string[] = []
  let now = 0

  beforeAll(async () => {
    database = await openTestDatabase('pglite')
    const sink = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) })
    const logger = pino({ level: 'info' }, sink)
    ;({ app } = await createService({
      database,
      clock: new ManualClock('2026-03-01T00:00:00Z'),
      logger,
      httpLogger: logger,
      authFailuresPerMinute: 5,
      authCacheMs: 30_000,
      authCacheClock: () => now,
    }))
    await authorizeTestApp(app, database)
  })
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  const call = (token: string | undefined, remoteAddress = '203.0.113.7') =>
    app.inject({ method: 'GET', url: '/api/v1/machines', remoteAddress, headers: { authorization: token ? `Bearer ${token}` : '' } })

  it('refuses an address with 429 once it has failed five times a minute, before looking any token up; valid tokens it had are not slowed', async () => {
    const valid = (await createPrincipal(database.db, { name: '合法系统', role: 'system' }, 'test', new Date())).token
    const fresh = (await createPrincipal(database.db, { name: '新系统', role: 'system' }, 'test', new Date())).token
    expect((await call(valid)).statusCode).toBe(200)
    const statuses: number[] = []
    for (let i = 0; i < 3; i++) statuses.push((await call(`djf_guess_${i}`)).statusCode)
    for (let i = 0; i < 2; i++) statuses.push((await call(undefined)).statusCode)
    for (let i = 0; i < 55; i++) statuses.push((await call(i % 2 ? undefined : `djf_guess_more_${i}`)).statusCode)
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401])
    expect(new Set(statuses.slice(5))).toEqual(new Set([429]))
    const limited = await call('djf_one_more')
    expect(limited.json()).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED', details: { limit: 5 } })
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
    // Not looked up: even a valid token this process has not yet seen waits with the address.
    expect((await call(fresh)).statusCode).toBe(429)
    // One it already knows is admitted, also once the cache has forgotten it (it is looked up again),
    // so guessers on a shared address lock no client out; other addresses have their own budget.
    expect((await call(valid)).statusCode).toBe(200)
    now += 59_999
    expect((await call('djf_still_guessing')).statusCode).toBe(429)
    expect((await call(valid)).statusCode).toBe(200)
    expect((await call('djf_elsewhere', '198.51.100.9')).statusCode).toBe(401)
    // Once its minute is over the address may try again.
    now += 1
    expect((await call(fresh)).statusCode).toBe(200)
  })

  it('writes no query string to the request log', async () => {
    lines.length = 0
    await app.inject({ method: 'GET', url: '/api/v1/projects?access_token=djf_SECRET_in_the_url&limit=5', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    await app.inject({ method: 'GET', url: '/api/v1/nowhere?token=djf_SECRET_again' })
    const log = lines.join('')
    expect(log).toContain('"url":"/api/v1/projects?…"')
    expect(log).not.toContain('SECRET')
  })
})
