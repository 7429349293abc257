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

  it('a calendar changed while projects are declared and moved: every pending timer follows the calendar as it ends', async () => {
    const second = kind === 'postgres' ? (await createTestApp({ ...database, ...database.another() } as TestDatabase)).app : app
    try {
      const org = (await app.inject({ method: 'POST', url: '/api/v1/organizations', payload: { name: '日历竞态党支部', category: 'village', secretary: '书记', leaderInCharge: '委员' } })).json().id
      const services = [app, second]
      // Declarations keep coming until the last change has committed, so that one overlaps them too.
      let changing = true
      const created: Array<{ statusCode: number; body: string }> = []
      const workers = Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; changing; i++) {
          created.push(await services[(w + i) % 2]!.inject({ method: 'POST', url: '/api/v1/projects', payload: { type: 'innovation', organizationId: org, year: 2032, declaration: { title: `日历竞态 ${w}-${i}` } } }))
        }
      })
      const changed = []
      for (let i = 0; i < 12; i++) {
        changed.push(await services[i % 2]!.inject({ method: 'PUT', url: '/api/v1/calendars/2032', payload: { declarationDeadline: `2032-03-${String(20 + i).padStart(2, '0')}` } }))
        await new Promise((r) => setTimeout(r, 30))
      }
      changing = false
      await Promise.all(workers)
      for (const r of [...created, ...changed]) expect(r.statusCode, r.body).toBeLessThan(300)
      const calendar = (await app.inject({ method: 'GET', url: '/api/v1/calendars/2032' })).json()
      expect(calendar.declarationDeadline.inShanghai).toMatch(/^2032-03-31/)
      const timers = await database.db
        .selectFrom('timer')
        .innerJoin('project', 'project.id', 'timer.project_id')
        .select(['timer.due_at'])
        .where('project.year', '=', 2032)
        .where('timer.kind', '=', 'declarationDeadline')
        .execute()
      expect(timers).toHaveLength(created.length)
      // Fires at the first instant after the deadline: 00:00 on 1 April, Shanghai time.
      expect(new Set(timers.map((t) => t.due_at.toISOString()))).toEqual(new Set(['2032-03-31T16:00:00.000Z']))
    } finally {
      if (second !== app) await second.close()
    }
  })

  it('20 requests forming the same group: each 200 or 409 CONCURRENT_CHANGE, and the group is one of them', async () => {
    const responses = await burst(20, () => ({ method: 'PUT', url: '/api/v1/review-groups/2031', payload: { members: ['甲', '乙', '丙'] } }))
    for (const key of Object.keys(tally(responses))) expect(['200', '409 CONCURRENT_CHANGE']).toContain(key)
    expect((await app.inject({ method: 'GET', url: '/api/v1/review-groups/2031' })).json().members).toEqual(['甲', '乙', '丙'])
  })
})
