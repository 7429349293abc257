import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { projectTypes } from '../../machines/index.js'
import type { ManualClock } from '../../src/engine/clock.js'
import { createTestApp } from '../support/app.js'
import { seedProgramme } from '../support/programme.js'
import { databaseKinds, openTestDatabase, type TestDatabase } from '../support/databases.js'
import { declarations, pathsOf } from '../support/fixtures.js'

describe.each(databaseKinds)('HTTP: each project type through its whole life on %s', (kind) => {
  let database: TestDatabase
  let app: FastifyInstance
  let clock: ManualClock
  let organizationId: string

  beforeAll(async () => {
    database = await openTestDatabase(kind)
    await seedProgramme(database.db, [2026, 2027, 2028])
    ;({ app, clock } = await createTestApp(database))
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/organizations',
      payload: { name: '东村党支部', category: 'village', secretary: '张书记', leaderInCharge: '李委员' },
    })
    expect(response.statusCode).toBe(201)
    organizationId = response.json().id
  })
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  it.each(projectTypes)('%s: draft → … → closed, every step persisted and in history', async (type) => {
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers: { 'x-actor': '东村党支部' },
      payload: { type, organizationId, year: 2026, declaration: { title: declarations[type].title } },
    })
    expect(created.statusCode).toBe(201)
    const id = created.json().id
    expect(created.headers.location).toBe(`/api/v1/projects/${id}`)
    expect(created.headers.etag).toBe('"1"')

    // The draft is completed field by field before it is submitted.
    const filled = await app.inject({
      method: 'POST',
      url: `/api/v1/projects/${id}/events`,
      payload: { type: 'UPDATE_DECLARATION', declaration: declarations[type] },
    })
    expect(filled.statusCode).toBe(200)

    let version = 2
    for (const step of pathsOf(type).fullLife) {
      const response = await app.inject({
        method: 'POST',
        url: `/api/v1/projects/${id}/events`,
        headers: { 'if-match': `"${version}"`, 'x-actor': 'walker' },
        payload: step,
      })
      expect(response.statusCode, `${step.type}: ${response.body}`).toBe(200)
      version += 1
      expect(response.headers.etag).toBe(`"${version}"`)
    }

    const project = await app.inject({ method: 'GET', url: `/api/v1/projects/${id}` })
    expect(project.json()).toMatchObject({
      type,
      state: 'closed',
      stateLabel: '已结项',
      phase: 'promotion',
      phaseLabel: '推广',
      final: true,
      version,
      nextEvents: [],
    })
    expect(project.json().context.evaluations.map((e: { grade: string }) => e.grade)).toEqual(['fail', 'excellent'])

    const history = (await app.inject({ method: 'GET', url: `/api/v1/projects/${id}/history` })).json().items
    expect(history).toHaveLength(version)
    expect(history.map((h: { version: number }) => h.version)).toEqual(Array.from({ length: version }, (_, i) => i + 1))
    expect(history[0]).toMatchObject({ from: null, event: 'CREATE', to: 'draft', actor: '组织科' })
    expect(history.at(-1)).toMatchObject({ from: 'institutionalized', event: 'CLOSE', to: 'closed', actor: '组织科' })
    if (type !== 'foundation') expect(history.find((h: { event: string }) => h.event === 'RECORD_REVIEW').actor).toBe('评审员甲')
    // Each row's from is the previous row's to: the history is a chain.
    for (let i = 1; i < history.length; i++) expect(history[i].from).toBe(history[i - 1].to)
  })

  it('lists projects by type, state, year and organization, page by page', async () => {
    const ids: string[] = []
    for (let i = 0; i < 5; i++) {
      // Two projects created in the same millisecond page in id order; apart, in creation order.
      if (i !== 2) clock.advanceBy(1000)
      const r = await app.inject({
        method: 'POST',
        url: '/api/v1/projects',
        payload: { type: 'promotion', organizationId, year: 2027, declaration: { title: `推广项目${i}` } },
      })
      ids.push(r.json().id)
    }
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const query: string = `type=promotion&year=2027&state=draft&organizationId=${organizationId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`
      const page: { items: Array<{ id: string; stateLabel: string }>; nextCursor: string | null } = (
        await app.inject({ method: 'GET', url: `/api/v1/projects?${query}` })
      ).json()
      expect(page.items.length).toBeLessThanOrEqual(2)
      seen.push(...page.items.map((p) => p.id))
      cursor = page.nextCursor
    } while (cursor)
    expect(seen).toHaveLength(5)
    expect(new Set(seen)).toEqual(new Set(ids))
    expect(seen.slice(3)).toEqual(ids.slice(3))
    expect(seen[0]).toBe(ids[0])
    const none = (await app.inject({ method: 'GET', url: '/api/v1/projects?year=2027&state=closed' })).json()
    expect(none.items).toEqual([])
  })

  it('lists and reads organizations', async () => {
    const list = (await app.inject({ method: 'GET', url: '/api/v1/organizations?category=village' })).json()
    expect(list.items.map((o: { id: string }) => o.id)).toContain(organizationId)
    const one = (await app.inject({ method: 'GET', url: `/api/v1/organizations/${organizationId}` })).json()
    expect(one).toMatchObject({ name: '东村党支部', categoryLabel: '农村', secretary: '张书记' })
  })
})
