import type { FastifyInstance, InjectOptions } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp } from '../support/app.js'
import { databaseKinds, openTestDatabase, type TestDatabase } from '../support/databases.js'

/** Many writers on one record at once: one wins, the others get a 4xx with a code — never a 500. */
describe.each(databaseKinds)('concurrent writers of one record on %s', (kind) => {
  let database: TestDatabase
  let app: FastifyInstance

  beforeAll(async () => {
    database = await openTestDatabase(kind)
    ;({ app } = await createTestApp(database))
  })
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  const burst = (n: number, request: () => InjectOptions) => Promise.all(Array.from({ length: n }, () => app.inject(request())))
  const tally = (responses: Array<{ statusCode: number; json: () => { code?: string } }>) =>
    responses.reduce<Record<string, number>>((t, r) => {
      const key = `${r.statusCode}${r.statusCode >= 400 ? ` ${r.json().code}` : ''}`
      t[key] = (t[key] ?? 0) + 1
      return t
    }, {})

  it('50 requests creating the same organization: one 201, the rest 409 ORGANIZATION_EXISTS', async () => {
    const responses = await burst(50, () => ({ method: 'POST', url: '/api/v1/organizations', payload: { name: '同名党支部', category: 'village', secretary: '书记', leaderInCharge: '委员' } }))
    expect(tally(responses)).toEqual({ '201': 1, '409 ORGANIZATION_EXISTS': 49 })
    expect(await database.db.selectFrom('organization').select('id').where('name', '=', '同名党支部').execute()).toHaveLength(1)
  })

  it('20 requests publishing the same handbook version: one 201, the rest 409 HANDBOOK_VERSION_EXISTS', async () => {
    const responses = await burst(20, () => ({
      method: 'POST',
      url: '/api/v1/handbooks',
      payload: { version: 'race-1', title: '并发手册', items: [{ code: 'R-1', categories: ['village'], requirement: 'r', standard: 's', frequency: 'f' }] },
    }))
    expect(tally(responses)).toEqual({ '201': 1, '409 HANDBOOK_VERSION_EXISTS': 19 })
  })

  it('20 requests forming the same group: each 200 or 409 CONCURRENT_CHANGE, and the group is one of them', async () => {
    const responses = await burst(20, () => ({ method: 'PUT', url: '/api/v1/review-groups/2031', payload: { members: ['甲', '乙', '丙'] } }))
    for (const key of Object.keys(tally(responses))) expect(['200', '409 CONCURRENT_CHANGE']).toContain(key)
    expect((await app.inject({ method: 'GET', url: '/api/v1/review-groups/2031' })).json().members).toEqual(['甲', '乙', '丙'])
  })
})
