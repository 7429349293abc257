import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, createTestApp } from '../support/app.js'
import { openTestDatabase, type TestDatabase } from '../support/databases.js'
import { declarations, pathTo } from '../support/fixtures.js'
import { client } from '../support/http.js'
import { seedProgramme } from '../support/programme.js'

/**
 * A corpus of hostile and malformed requests (issue 7 §4): wrong types, huge strings, deep JSON,
 * unicode edge cases, SQL-looking strings, unknown fields, negative and huge numbers, wrong content
 * types. Every one is a 4xx with a stable code, and none writes anything.
 */
describe('malformed requests', () => {
  let database: TestDatabase
  let app: FastifyInstance
  let org: string
  let draft: string
  let implementing: string

  beforeAll(async () => {
    database = await openTestDatabase('pglite')
    await seedProgramme(database.db)
    ;({ app } = await createTestApp(database, { bodyLimit: 256 * 1024 }))
    const api = client(app)
    org = await api.organization('语料测试党支部')
    draft = await api.project('innovation', org, 2026)
    implementing = await api.project('promotion', org, 2026, pathTo.implementing)
  })
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  type Case = { name: string; method?: 'POST' | 'GET' | 'PUT' | 'DELETE'; url: string; payload?: unknown; raw?: string; contentType?: string }

  /** Every byte percent-encoded, lone surrogates included (encodeURIComponent refuses them). */
  const percentEncoded = (text: string) => Buffer.from(text, 'utf8').toString('hex').replace(/../g, '%$&')
  /** Nested JSON text, built as text: JSON.stringify itself runs out of stack on the deepest. */
  const deep = (depth: number) => `${'{"a":'.repeat(depth)}"x"${'}'.repeat(depth)}`
  const hostileStrings = [
    "'; drop table project; --",
    '" or 1=1 --',
    'Robert"); DELETE FROM outbox;--',
    '\u0000',
    '\uD800',
    '𠮷'.repeat(300),
    '\u202Eevil',
    '<script>alert(1)</script>',
    '../../etc/passwd',
    'x'.repeat(200_000),
    '',
    ' ',
  ]
  const hostileNumbers = [-1, -1e308, 1e308, 2 ** 53 + 1, 0.5, Number.MIN_VALUE]

  const cases = (): Case[] => {
    const list: Case[] = []
    const events = `/api/v1/projects/${draft}/events`
    // Wrong types for every field of an organization.
    for (const [field, value] of Object.entries({ name: 3, category: 'army', secretary: [], leaderInCharge: {}, parentId: 'nope' })) {
      list.push({ name: `organization.${field}`, url: '/api/v1/organizations', payload: { name: 'n', category: 'village', secretary: 's', leaderInCharge: 'l', [field]: value } })
    }
    // Hostile strings where strings go: organization names (too long or empty) and event payloads.
    for (const value of hostileStrings) {
      list.push({ name: `withdraw reason ${JSON.stringify(value).slice(0, 20)}`, url: events, payload: { type: 'WITHDRAW', reason: value, extra: true } })
      list.push({ name: `event type ${JSON.stringify(value).slice(0, 20)}`, url: events, payload: { type: value } })
      list.push({ name: `category ${JSON.stringify(value).slice(0, 20)}`, url: '/api/v1/organizations', payload: { name: 'n', category: value, secretary: 's', leaderInCharge: 'l' } })
      list.push({ name: `project id ${JSON.stringify(value).slice(0, 20)}`, method: 'GET', url: `/api/v1/projects/${percentEncoded(value.slice(0, 500)) || '%20'}` })
    }
    // Numbers out of range where numbers go.
    for (const value of hostileNumbers) {
      list.push({ name: `year ${value}`, url: '/api/v1/projects', payload: { type: 'innovation', organizationId: org, year: value, declaration: { title: '标题' } } })
      list.push({ name: `review score ${value}`, url: `/api/v1/projects/${implementing}/events`, payload: { type: 'SUBMIT_PROGRESS_REPORT', period: value, results: 'r' } })
      list.push({ name: `limit ${value}`, method: 'GET', url: `/api/v1/projects?limit=${value}` })
    }
    // Event types that are names of Object's own methods must be unknown events, not methods.
    for (const type of ['valueOf', '__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      list.push({ name: `event type ${type}`, url: events, payload: { type } })
    }
    // Unknown fields: refused, not dropped.
    list.push({ name: 'unknown field on an event', url: events, payload: { type: 'SUBMIT', force: true } })
    list.push({ name: 'unknown declaration field', url: events, payload: { type: 'UPDATE_DECLARATION', declaration: { title: '标题', budget: 1e9 } } })
    list.push({ name: 'unknown field on a project', url: '/api/v1/projects', payload: { type: 'innovation', organizationId: org, year: 2026, declaration: { title: '标题' }, state: 'closed' } })
    list.push({ name: 'unknown field on an organization', url: '/api/v1/organizations', payload: { name: 'n', category: 'village', secretary: 's', leaderInCharge: 'l', id: 'x' } })
    list.push({ name: 'completion without the plan item', url: `/api/v1/projects/${implementing}/events`, payload: { type: 'RECORD_LEDGER_ENTRY', date: '2026-06-01', content: 'c', completesItem: true } })
    // Deep JSON.
    for (const depth of [64, 512, 5000]) {
      list.push({ name: `deep json ${depth}`, url: events, raw: `{"type":"UPDATE_DECLARATION","declaration":{"background":${deep(depth)}}}` })
      list.push({ name: `deep json body ${depth}`, url: '/api/v1/organizations', raw: deep(depth) })
    }
    // Broken JSON and wrong content types.
    for (const raw of ['{', '{"type":', '[]', 'null', '"SUBMIT"', '1', '{"type":"SUBMIT"}}', '\u0000', '{"type":"SUBMIT",}', 'true']) {
      list.push({ name: `raw ${JSON.stringify(raw)}`, url: events, raw })
    }
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml']) {
      list.push({ name: `content type ${contentType}`, url: events, raw: 'type=SUBMIT', contentType })
    }
    // Oversized body.
    list.push({ name: 'body over the limit', url: events, raw: JSON.stringify({ type: 'WITHDRAW', reason: 'x'.repeat(300 * 1024) }) })
    // Wrong dates and periods.
    for (const date of ['2026-02-30', '2026-13-01', '26-01-01', '2026/01/01', 'yesterday']) {
      list.push({ name: `ledger date ${date}`, url: `/api/v1/projects/${implementing}/events`, payload: { type: 'RECORD_LEDGER_ENTRY', date, content: 'c' } })
    }
    for (const period of ['2026-H3', '2026H1', 'H1', '']) {
      list.push({ name: `period ${period}`, url: `/api/v1/projects/${implementing}/events`, payload: { type: 'SUBMIT_PROGRESS_REPORT', period, results: 'r' } })
    }
    // Unknown ids, bad cursors, bad headers.
    list.push({ name: 'unknown project', url: '/api/v1/projects/00000000-0000-4000-8000-000000000000/events', payload: { type: 'SUBMIT' } })
    list.push({ name: 'bad cursor', method: 'GET', url: '/api/v1/projects?cursor=%F0%9F%92%A9' })
    list.push({ name: 'bad feed cursor', method: 'GET', url: "/api/v1/events?after=' or 1=1" })
    list.push({ name: 'unknown route', method: 'GET', url: '/api/v1/../../etc/passwd' })
    list.push({ name: 'unknown method', method: 'DELETE', url: '/api/v1/projects' })
    return list
  }

  it('answers every one with a 4xx and a code, and writes nothing', async () => {
    const corpus = cases()
    expect(corpus.length).toBeGreaterThanOrEqual(100)
    const before = await database.db.selectFrom('project_history').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()
    const outcomes: string[] = []
    for (const c of corpus) {
      const response = await app.inject({
        method: c.method ?? 'POST',
        url: c.url,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(c.method === 'GET' || c.method === 'DELETE' ? {} : { 'content-type': c.contentType ?? 'application/json' }) },
        ...(c.raw !== undefined ? { payload: c.raw } : c.payload !== undefined ? { payload: JSON.stringify(c.payload) } : {}),
      })
      const body = response.json()
      outcomes.push(`${response.statusCode} ${body.code}`)
      expect(response.statusCode, `${c.name}: ${response.body.slice(0, 300)}`).toBeGreaterThanOrEqual(400)
      expect(response.statusCode, c.name).toBeLessThan(500)
      expect(typeof body.code, c.name).toBe('string')
      expect(body.requestId, c.name).toBe(response.headers['x-request-id'])
    }
    const after = await database.db.selectFrom('project_history').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()
    expect(Number(after.n)).toBe(Number(before.n))
    const project = await client(app).get(draft)
    expect(project).toMatchObject({ state: 'draft', version: 1, context: { declaration: declarations.innovation } })
  })
})
