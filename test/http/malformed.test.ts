import { connect } from 'node:net'
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

  type Case = {
    name: string
    method?: 'POST' | 'GET' | 'PUT' | 'DELETE'
    url: string
    payload?: unknown
    raw?: string | Buffer
    contentType?: string
    /** The status and code it must get, where one is certain. */
    expect?: [number, string]
    /** The field a refusal must name. */
    field?: string
    headers?: Record<string, string>
  }

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

    // NUL and lone surrogates anywhere in a body, a key, a query or a path: refused, naming the field (issue 13 §5).
    const badTexts = { nul: 'a\u0000b', high: 'x\uD800', low: '\uDC00y', reversed: '\uDC00\uD800' }
    for (const [what, text] of Object.entries(badTexts)) {
      list.push({ name: `organization name ${what}`, url: '/api/v1/organizations', payload: { name: text, category: 'village', secretary: 's', leaderInCharge: 'l' }, expect: [400, 'VALIDATION_FAILED'], field: 'body.name' })
      list.push({ name: `declaration title ${what}`, url: '/api/v1/projects', payload: { type: 'innovation', organizationId: org, year: 2026, declaration: { title: text } }, expect: [400, 'VALIDATION_FAILED'], field: 'body.declaration.title' })
      list.push({ name: `ledger content ${what}`, url: `/api/v1/projects/${implementing}/events`, payload: { type: 'RECORD_LEDGER_ENTRY', date: '2026-06-01', content: text, evidence: [] }, expect: [400, 'VALIDATION_FAILED'], field: 'body.content' })
      list.push({ name: `update declaration ${what}`, url: events, payload: { type: 'UPDATE_DECLARATION', declaration: { measures: ['ok', text] } }, expect: [400, 'VALIDATION_FAILED'], field: 'body.declaration.measures.1' })
      list.push({ name: `key ${what}`, url: events, payload: { type: 'UPDATE_DECLARATION', declaration: { [text]: 'v' } }, expect: [400, 'VALIDATION_FAILED'], field: `body.declaration.${text}` })
    }
    // In a query: a NUL is named; a surrogate cannot be UTF-8 at all, so its bytes are invalid UTF-8.
    list.push({ name: 'query NUL', method: 'GET', url: '/api/v1/projects?state=a%00b', expect: [400, 'VALIDATION_FAILED'], field: 'querystring.state' })
    for (const bytes of ['%ED%A0%80', '%FF', '%C0%AF', '%E4%B8']) {
      list.push({ name: `query bytes ${bytes}`, method: 'GET', url: `/api/v1/projects?state=${bytes}`, expect: [400, 'INVALID_UTF8'] })
    }
    // Bytes that are not UTF-8: refused, never stored as U+FFFD.
    const reason = (bytes: number[]) => Buffer.concat([Buffer.from('{"type":"WITHDRAW","reason":"'), Buffer.from(bytes), Buffer.from('"}')])
    for (const [what, bytes] of Object.entries({ ff: [0xff], overlong: [0xc0, 0xaf], truncated: [0xe4, 0xb8], surrogate: [0xed, 0xa0, 0x80], overlongNul: [0xc0, 0x80], latin1: [0xe9] })) {
      list.push({ name: `invalid utf-8 ${what}`, url: events, raw: reason(bytes), expect: [400, 'INVALID_UTF8'] })
    }
    // Only JSON in UTF-8.
    for (const charset of ['utf-16', 'UTF-16LE', 'iso-8859-1', 'gbk']) {
      list.push({ name: `charset ${charset}`, url: events, raw: '{"type":"SUBMIT"}', contentType: `application/json; charset=${charset}`, expect: [415, 'UNSUPPORTED_MEDIA_TYPE'] })
    }
    // A handbook item naming a category twice.
    list.push({
      name: 'handbook item with a repeated category',
      url: '/api/v1/handbooks',
      payload: { version: 'dup-1', title: '重复', items: [{ code: 'X-1', categories: ['village', 'village'], requirement: 'r', standard: 's', frequency: 'f' }] },
      expect: [400, 'VALIDATION_FAILED'],
    })
    // Every cursor fed garbage.
    const b64 = (text: string) => Buffer.from(text).toString('base64url')
    const listCursors = [
      b64(JSON.stringify(['2026-01-01T00:00:00.000Z', "x' or 1=1 --"])),
      b64(JSON.stringify(['2026-01-01T00:00:00.000Z', 'not-a-uuid'])),
      b64(JSON.stringify(['not a date', '00000000-0000-4000-8000-000000000000'])),
      b64(JSON.stringify(['2026-01-01', '00000000-0000-4000-8000-000000000000'])),
      b64(JSON.stringify(['2026-01-01T00:00:00.000Z', '00000000-0000-4000-8000-000000000000', 'extra'])),
      b64('{"a":1}'),
      b64('null'),
      `${b64(JSON.stringify(['2026-01-01T00:00:00.000Z', '00000000-0000-4000-8000-000000000000']))}!!`,
    ]
    for (const [i, cursor] of listCursors.entries()) {
      for (const path of ['/api/v1/projects', '/api/v1/organizations']) {
        list.push({ name: `list cursor ${i} on ${path}`, method: 'GET', url: `${path}?cursor=${encodeURIComponent(cursor)}`, expect: [400, 'INVALID_CURSOR'] })
      }
    }
    for (const id of ['00000000-0000-4000-8000-000000000000', `${2n ** 63n}`, `${2n ** 64n}`, '-1', '1.5']) {
      list.push({ name: `timer cursor ${id}`, method: 'GET', url: `/api/v1/timers?cursor=${b64(JSON.stringify(['2026-01-01T00:00:00.000Z', id]))}`, expect: [400, 'INVALID_CURSOR'] })
    }
    for (const after of [b64(`f${2n ** 63n}`), b64(`f${2n ** 64n}`), b64(`f${'9'.repeat(40)}`), b64(`${2n ** 64n}:1`), b64('f-5'), 'AAAA', '====']) {
      list.push({ name: `feed cursor ${after}`, method: 'GET', url: `/api/v1/events?after=${encodeURIComponent(after)}`, expect: [400, 'INVALID_CURSOR'] })
    }
    // Unknown query parameters, as unknown body fields are.
    for (const url of ['/api/v1/projects?limitt=5', '/api/v1/machines?format=mermaid', '/api/v1/events?limit=5&from=0', '/api/v1/organizations?access_token=x', `/api/v1/projects/${draft}?expand=all`]) {
      list.push({ name: `unknown query ${url}`, method: 'GET', url, expect: [400, 'VALIDATION_FAILED'] })
    }
    // Deep JSON, also where a retry key makes the body be hashed.
    for (const depth of [40, 5000]) {
      for (const headers of [{}, { 'idempotency-key': `deep-${depth}` }] as Array<Record<string, string>>) {
        list.push({ name: `deep ${depth} ${JSON.stringify(headers)}`, url: events, raw: `{"type":"SUBMIT","x":${'['.repeat(depth)}${']'.repeat(depth)}}`, headers, expect: [400, 'VALIDATION_FAILED'] })
        list.push({ name: `deep declaration ${depth} ${JSON.stringify(headers)}`, url: '/api/v1/projects', raw: JSON.stringify({ type: 'innovation', organizationId: org, year: 2026, declaration: { title: '深' } }).replace('"深"', `"深","x":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`), headers, expect: [400, 'VALIDATION_FAILED'] })
      }
    }
    // Bodies that are not JSON, or not as sent.
    list.push({ name: 'text/plain body', url: events, raw: '{"type":"SUBMIT"}', contentType: 'text/plain', expect: [415, 'UNSUPPORTED_MEDIA_TYPE'] })
    list.push({ name: 'gzip-encoded body', url: events, raw: '{"type":"SUBMIT"}', headers: { 'content-encoding': 'gzip' }, expect: [415, 'UNSUPPORTED_MEDIA_TYPE'] })
    // Cursors: empty, huge.
    list.push({ name: 'empty feed cursor', method: 'GET', url: '/api/v1/events?after=', expect: [400, 'INVALID_CURSOR'] })
    list.push({ name: 'empty list cursor', method: 'GET', url: '/api/v1/projects?cursor=', expect: [400, 'INVALID_CURSOR'] })
    list.push({ name: 'huge feed cursor', method: 'GET', url: `/api/v1/events?after=${'A'.repeat(5000)}`, expect: [400, 'INVALID_CURSOR'] })
    list.push({ name: 'huge list cursor', method: 'GET', url: `/api/v1/organizations?cursor=${'A'.repeat(5000)}`, expect: [400, 'INVALID_CURSOR'] })
    // Numbers that are not decimal digits.
    for (const number of ['0x10', '1e2', '+5', '%205', '5.0', '05', '-0x1']) {
      list.push({ name: `limit ${number}`, method: 'GET', url: `/api/v1/projects?limit=${number}`, expect: [400, 'VALIDATION_FAILED'] })
    }
    for (const url of ['/api/v1/grading/0x7e8', '/api/v1/calendars/2e3', '/api/v1/review-groups/+2026', '/api/v1/stats/states?year=2026.0']) {
      list.push({ name: `number ${url}`, method: 'GET', url, expect: [400, 'VALIDATION_FAILED'] })
    }
    // Fastify's own refusals, in the project's shape.
    list.push({ name: 'path parameter over the length limit', method: 'GET', url: `/api/v1/projects/${'a'.repeat(300)}`, expect: [414, 'URI_TOO_LONG'] })
    list.push({ name: 'path not valid percent-encoding', method: 'GET', url: '/api/v1/projects/%E0%A4%A', expect: [400, 'MALFORMED_URL'] })
    return list
  }

  it('takes an empty body as no body whatever the content type (a DELETE from a client that always sends one)', async () => {
    const made = await client(app).ok('POST', '/api/v1/principals', { name: '待撤销', role: 'reviewer' })
    const revoked = await app.inject({ method: 'DELETE', url: `/api/v1/principals/${made.id}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' } })
    expect(revoked.statusCode, revoked.body).toBe(200)
    const empty = await app.inject({ method: 'POST', url: '/api/v1/organizations', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' } })
    expect(empty.json()).toMatchObject({ statusCode: 400, code: 'MALFORMED_JSON' })
  })

  it('answers what Node’s HTTP parser refuses in the same shape, with the same headers', async () => {
    const address = new URL(await app.listen({ host: '127.0.0.1', port: 0 }))
    const raw = (request: string) =>
      new Promise<string>((resolve, reject) => {
        let answer = ''
        const socket = connect(Number(address.port), '127.0.0.1', () => socket.write(request))
        socket.on('data', (chunk) => (answer += chunk))
        socket.on('end', () => resolve(answer))
        socket.on('error', reject)
      })
    const cases: Array<[string, number, string]> = [
      [`GET /api/v1/projects HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'HEADERS_TOO_LARGE'],
      ['NOT HTTP AT ALL\r\n\r\n', 400, 'MALFORMED_REQUEST'],
      ['GET /api/v1/projects HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello', 400, 'MALFORMED_REQUEST'],
      ['GET /api/v1/projects HTTP/1.1\r\nBad Header\r\n\r\n', 400, 'MALFORMED_REQUEST'],
    ]
    for (const [request, status, code] of cases) {
      const answer = await raw(request)
      const [head, body] = answer.split('\r\n\r\n')
      expect(head, request.slice(0, 40)).toMatch(new RegExp(`^HTTP/1.1 ${status} `))
      expect(head).toMatch(/x-content-type-options: nosniff/i)
      const parsed = JSON.parse(body!)
      expect(parsed).toMatchObject({ statusCode: status, code })
      expect(head).toContain(`x-request-id: ${parsed.requestId}`)
    }
  })

  it('answers every one with a 4xx and a code, and writes nothing', async () => {
    const corpus = cases()
    expect(corpus.length).toBeGreaterThanOrEqual(100)
    const before = await database.db.selectFrom('project_history').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()
    const outcomes: string[] = []
    for (const c of corpus) {
      const response = await app.inject({
        method: c.method ?? 'POST',
        url: c.url,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(c.method === 'GET' || c.method === 'DELETE' ? {} : { 'content-type': c.contentType ?? 'application/json' }), ...c.headers },
        ...(c.raw !== undefined ? { payload: c.raw } : c.payload !== undefined ? { payload: JSON.stringify(c.payload) } : {}),
      })
      const body = response.json()
      outcomes.push(`${response.statusCode} ${body.code}`)
      expect(response.statusCode, `${c.name}: ${response.body.slice(0, 300)}`).toBeGreaterThanOrEqual(400)
      expect(response.statusCode, c.name).toBeLessThan(500)
      expect(typeof body.code, c.name).toBe('string')
      expect(body.requestId, c.name).toBe(response.headers['x-request-id'])
      expect(response.headers['x-content-type-options'], c.name).toBe('nosniff')
      if (c.expect) expect([response.statusCode, body.code], `${c.name}: ${response.body.slice(0, 300)}`).toEqual(c.expect)
      if (c.field) expect(body.details?.fields?.map((f: { path: string }) => f.path), c.name).toContain(c.field)
    }
    const after = await database.db.selectFrom('project_history').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()
    expect(Number(after.n)).toBe(Number(before.n))
    const project = await client(app).get(draft)
    expect(project).toMatchObject({ state: 'draft', version: 1, context: { declaration: declarations.innovation } })
  })
})
