import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/engine/clock.js'
import { Refusal } from '../../src/errors.js'
import { errorHandler } from '../../src/http/error-handler.js'
import { executorOf, idempotency } from '../../src/http/idempotency.js'
import type { PrincipalRow } from '../../src/db/tables/principal.js'
import { openTestDatabase, type TestDatabase } from '../support/databases.js'

/**
 * Which answers an Idempotency-Key keeps: a success (with the work, in one transaction) and a
 * refusal are replayed; a failure of ours and a refusal that says to retry (Retry-After) are not,
 * so the retry does the work.
 */
describe('what an Idempotency-Key keeps', () => {
  let database: TestDatabase
  let app: FastifyInstance
  let calls = 0

  beforeAll(async () => {
    database = await openTestDatabase('pglite')
    app = Fastify()
    await app.register(errorHandler)
    app.decorateRequest('principal', null)
    app.addHook('onRequest', async (request) => {
      request.principal = { id: '00000000-0000-4000-8000-000000000001', name: 't' } as PrincipalRow
    })
    await app.register(idempotency, { db: database.db, clock: new ManualClock('2026-01-01T00:00:00Z') })
    // Fails as a lost race (a unique violation) the first time, works the second.
    app.post('/race', async (request) => {
      calls += 1
      if (calls === 1) throw Object.assign(new Error('duplicate key value'), { code: '23505' })
      await executorOf(request, database.db).insertInto('organization').values({ id: '00000000-0000-4000-8000-0000000000aa', name: '竞态', category: 'village', secretary: 's', leader_in_charge: 'l', parent_id: null, created_at: new Date(), updated_at: new Date() }).execute()
      return { done: calls }
    })
    app.post('/refused', async () => {
      calls += 1
      throw new Refusal(422, 'RULE_FAILED', 'no')
    })
    app.post('/broken', async () => {
      calls += 1
      if (calls % 2) throw new Error('a bug of ours')
      return { done: true }
    })
    await app.ready()
  })
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  const post = (url: string, key: string) => app.inject({ method: 'POST', url, payload: {}, headers: { 'idempotency-key': key } })

  it('does not keep a lost race: the retry does the work, once', async () => {
    calls = 0
    const first = await post('/race', 'k-race')
    expect(first.json()).toMatchObject({ statusCode: 409, code: 'CONCURRENT_CHANGE' })
    expect(first.headers['retry-after']).toBe('1')
    const retry = await post('/race', 'k-race')
    expect(retry.json()).toEqual({ done: 2 })
    const again = await post('/race', 'k-race')
    expect(again.headers['idempotent-replayed']).toBe('true')
    expect(again.json()).toEqual({ done: 2 })
    expect(calls).toBe(2)
  })

  it('keeps a refusal, and does not keep a failure of ours', async () => {
    calls = 0
    expect((await post('/refused', 'k-refused')).statusCode).toBe(422)
    const replayed = await post('/refused', 'k-refused')
    expect([replayed.statusCode, replayed.headers['idempotent-replayed'], calls]).toEqual([422, 'true', 1])
    calls = 0
    expect((await post('/broken', 'k-broken')).statusCode).toBe(500)
    expect((await post('/broken', 'k-broken')).json()).toEqual({ done: true })
    expect(calls).toBe(2)
  })
})
