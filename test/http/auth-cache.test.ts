import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PrincipalRow } from '../../src/db/tables/principal.js'
import { createPrincipalCache } from '../../src/http/auth.js'
import { createTestApp } from '../support/app.js'
import { openTestDatabase, type TestDatabase } from '../support/databases.js'

const row = (name: string) => ({ id: name, name }) as unknown as PrincipalRow

describe('the principal cache', () => {
  it('forgets an entry after its time, and the oldest entry when full', () => {
    let now = 0
    const cache = createPrincipalCache(1000, 2, () => now)
    cache.set('a', row('a'))
    now = 999
    expect(cache.get('a')?.name).toBe('a')
    now = 1000
    expect(cache.get('a')).toBeUndefined()
    cache.set('a', row('a'))
    cache.set('b', row('b'))
    cache.set('c', row('c'))
    expect([cache.get('a'), cache.get('b')?.name, cache.get('c')?.name]).toEqual([undefined, 'b', 'c'])
    cache.clear()
    expect(cache.get('b')).toBeUndefined()
  })

  it('keeps nothing when its time is 0', () => {
    const cache = createPrincipalCache(0)
    cache.set('a', row('a'))
    expect(cache.get('a')).toBeUndefined()
  })
})

describe('a revocation made elsewhere (another process, the token script)', () => {
  let database: TestDatabase
  let app: FastifyInstance
  // The cache's own clock, moved by the test: how long a statement takes on a loaded machine does not matter.
  let now = 0

  beforeAll(async () => {
    database = await openTestDatabase('pglite')
    ;({ app } = await createTestApp(database, { authCacheMs: 300, authCacheClock: () => now }))
  })
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  it('takes effect here once the cache time has passed', async () => {
    const made = await app.inject({ method: 'POST', url: '/api/v1/principals', payload: { name: '别处撤销', role: 'reviewer' } })
    const { id, token } = made.json() as { id: string; token: string }
    const call = () => app.inject({ method: 'GET', url: '/api/v1/machines', headers: { authorization: `Bearer ${token}` } })
    expect((await call()).statusCode).toBe(200)
    await database.db.updateTable('principal').set({ revoked_at: new Date() }).where('id', '=', id).execute()
    now += 299
    expect((await call()).statusCode).toBe(200)
    now += 1
    expect((await call()).json()).toMatchObject({ statusCode: 401, code: 'TOKEN_REVOKED' })
  })
})
