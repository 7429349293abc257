import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { systemClock, type ManualClock } from '../../src/engine/clock.js'
import { createService } from '../../src/service.js'
import { sign, verify } from '../../src/webhooks/signature.js'
import type { Dispatcher } from '../../src/webhooks/dispatcher.js'
import { ADMIN_TOKEN, createTestApp, silentLogger } from '../support/app.js'
import { databaseKinds, openTestDatabase, type TestDatabase } from '../support/databases.js'
import { declarations, pathTo, payloads } from '../support/fixtures.js'
import { client } from '../support/http.js'
import { seedProgramme } from '../support/programme.js'

/** The integration surface (issue 5): tokens and roles, idempotency, the event feed, webhooks, hardening. */
describe.each(databaseKinds)('integrating over HTTP on %s', (kind) => {
  let database: TestDatabase
  let app: FastifyInstance
  let clock: ManualClock
  let dispatcher: Dispatcher
  let api: ReturnType<typeof client>
  const tokens: Record<string, string> = {}
  let ownOrg: string
  let otherOrg: string

  /** Runs the dispatcher until the feed has handed out at least `n` new deliveries (older transactions elsewhere may hold the feed back). */
  const fanOut = async (n: number) => {
    let seen = 0
    for (let i = 0; i < 200 && seen < n; i++) {
      seen += (await dispatcher.runOnce()).fannedOut
      if (seen < n) await new Promise((r) => setTimeout(r, 20))
    }
    expect(seen).toBeGreaterThanOrEqual(n)
  }

  const as = (token: string | undefined, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object, headers: Record<string, string> = {}) =>
    app.inject({ method, url, ...(payload ? { payload } : {}), headers: { ...headers, authorization: token === undefined ? '' : `Bearer ${token}` } })

  const principal = async (body: object) => {
    const response = await as(ADMIN_TOKEN, 'POST', '/api/v1/principals', body)
    expect(response.statusCode, response.body).toBe(201)
    return response.json() as { id: string; token: string; tokenPrefix: string }
  }

  beforeAll(async () => {
    database = await openTestDatabase(kind)
    await seedProgramme(database.db)
    ;({ app, clock, dispatcher } = await createTestApp(database, { start: '2026-02-01T00:00:00.000Z' }))
    api = client(app)
    ownOrg = await api.organization('本支部')
    otherOrg = await api.organization('他支部')
    tokens.org = (await principal({ name: '本支部', role: 'organization', organizationId: ownOrg })).token
    tokens.reviewer = (await principal({ name: '评审员甲', role: 'reviewer' })).token
    tokens.assessor = (await principal({ name: '验收员甲', role: 'assessor' })).token
    tokens.systemRead = (await principal({ name: '政务服务平台', role: 'system', scopes: ['projects:read', 'events:read'] })).token
    tokens.systemWrite = (await principal({ name: '办公系统', role: 'system', scopes: ['projects:read', 'projects:write'] })).token
  })
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  describe('authentication', () => {
    it('refuses requests without a valid token with 401 and a code; public paths stay open', async () => {
      expect((await as(undefined, 'GET', '/api/v1/projects')).json()).toMatchObject({ statusCode: 401, code: 'TOKEN_MISSING' })
      expect((await as('djf_nope', 'GET', '/api/v1/projects')).json()).toMatchObject({ statusCode: 401, code: 'TOKEN_UNKNOWN' })
      for (const path of ['/health', '/openapi.json', '/docs/', '/admin/']) expect((await as(undefined, 'GET', path)).statusCode).toBe(200)
      // Only those paths: one that merely begins like them serves nothing (404, as any path nothing serves, token or not),
      // and an API path that exists still needs a token.
      for (const path of ['/healthz', '/openapi.jsonx', '/docsx', '/administration']) {
        expect((await as(undefined, 'GET', path)).json(), path).toMatchObject({ statusCode: 404, code: 'ROUTE_NOT_FOUND' })
      }
      expect((await as(undefined, 'GET', '/api/v1/machines')).statusCode).toBe(401)
    })

    it('stores tokens as hashes, shows them once, expires and revokes them', async () => {
      const made = await principal({ name: '临时', role: 'reviewer', expiresAt: '2026-03-01T00:00:00+08:00' })
      expect(made.token).toMatch(/^djf_/)
      const stored = await database.db.selectFrom('principal').selectAll().where('id', '=', made.id).executeTakeFirstOrThrow()
      expect(stored.token_hash).not.toContain(made.token)
      expect(stored.token_hash).toMatch(/^[0-9a-f]{64}$/)
      const list = (await as(ADMIN_TOKEN, 'GET', '/api/v1/principals')).json()
      expect(JSON.stringify(list)).not.toContain(made.token)
      expect(list.items.find((p: { id: string }) => p.id === made.id)).toMatchObject({ tokenPrefix: made.token.slice(0, 8) })
      expect((await as(made.token, 'GET', '/api/v1/machines')).statusCode).toBe(200)
      clock.advanceTo('2026-03-01T00:00:00+08:00')
      expect((await as(made.token, 'GET', '/api/v1/machines')).json().code).toBe('TOKEN_EXPIRED')
      const other = await principal({ name: '将撤销', role: 'reviewer' })
      // Used once, so this process remembers it; revoking through the API must still take effect at once.
      expect((await as(other.token, 'GET', '/api/v1/machines')).statusCode).toBe(200)
      expect((await as(ADMIN_TOKEN, 'DELETE', `/api/v1/principals/${other.id}`)).json().revokedAt).not.toBeNull()
      expect((await as(other.token, 'GET', '/api/v1/machines')).json().code).toBe('TOKEN_REVOKED')
    })
  })

  describe('authorization: role × action', () => {
    let ownProject: string
    let otherProject: string
    let underReview: string

    beforeAll(async () => {
      ownProject = (await as(tokens.org, 'POST', '/api/v1/projects', { type: 'innovation', organizationId: ownOrg, year: 2026, declaration: declarations.innovation })).json().id
      otherProject = await api.project('innovation', otherOrg, 2026)
      underReview = await api.project('promotion', ownOrg, 2026, pathTo.underReview)
    })

    const event = (token: string, id: string, body: object) => as(token, 'POST', `/api/v1/projects/${id}/events`, body)

    it.each([
      ['organization declares for itself', 'org', 'POST', '/api/v1/projects', 201],
      ['organization cannot declare for another', 'org', 'POST', '/api/v1/projects:other', 404],
      ['reviewer cannot declare', 'reviewer', 'POST', '/api/v1/projects', 403],
      ['read-only system cannot declare', 'systemRead', 'POST', '/api/v1/projects', 403],
      ['writing system declares', 'systemWrite', 'POST', '/api/v1/projects', 201],
      ['organization cannot change the calendar', 'org', 'PUT', '/api/v1/calendars/2026', 403],
      ['reviewer cannot form groups', 'reviewer', 'PUT', '/api/v1/review-groups/2026', 403],
      ['assessor cannot make tokens', 'assessor', 'POST', '/api/v1/principals', 403],
      ['organization cannot read the event feed', 'org', 'GET', '/api/v1/events', 403],
      ['read-only system reads the event feed', 'systemRead', 'GET', '/api/v1/events', 200],
      ['writing system without events:read cannot', 'systemWrite', 'GET', '/api/v1/events', 403],
      ['organization cannot read the town report', 'org', 'GET', '/api/v1/reports/annual?year=2026', 403],
      ['admin reads the town report', 'admin', 'GET', '/api/v1/reports/annual?year=2026', 200],
    ])('%s', async (_name, who, method, target, status) => {
      const token = who === 'admin' ? ADMIN_TOKEN : tokens[who]!
      const [url, variant] = target.split(':') as [string, string | undefined]
      const body =
        url === '/api/v1/projects'
          ? { type: 'innovation', organizationId: variant === 'other' ? otherOrg : ownOrg, year: 2027, declaration: { title: '矩阵测试' } }
          : url.includes('calendars')
            ? { declarationDeadline: '2026-04-15' }
            : url.includes('groups')
              ? { members: ['x'] }
              : url.includes('principals')
                ? { name: 'x', role: 'reviewer' }
                : undefined
      const response = await as(token, method as 'GET', url, body)
      expect(response.statusCode, response.body).toBe(status)
      if (status === 403) expect(response.json().code).toBe('FORBIDDEN')
    })

    it('an organization sees and acts on its own projects only; another’s is 404', async () => {
      expect((await as(tokens.org!, 'GET', `/api/v1/projects/${ownProject}`)).statusCode).toBe(200)
      expect((await as(tokens.org!, 'GET', `/api/v1/projects/${otherProject}`)).json().code).toBe('PROJECT_NOT_FOUND')
      expect((await as(tokens.org!, 'GET', `/api/v1/projects/${otherProject}/history`)).statusCode).toBe(404)
      expect((await event(tokens.org!, otherProject, { type: 'SUBMIT' })).statusCode).toBe(404)
      const listed = (await as(tokens.org!, 'GET', '/api/v1/projects?year=2026')).json().items.map((p: { organizationId: string }) => p.organizationId)
      expect(new Set(listed)).toEqual(new Set([ownOrg]))
      expect((await as(tokens.org!, 'GET', `/api/v1/organizations/${otherOrg}`)).statusCode).toBe(404)
      const submitted = await event(tokens.org!, ownProject, { type: 'SUBMIT' })
      expect(submitted.statusCode, submitted.body).toBe(200)
      const history = (await as(ADMIN_TOKEN, 'GET', `/api/v1/projects/${ownProject}/history`)).json().items
      expect(history.map((h: { actor: string }) => h.actor)).toEqual(['本支部', '本支部'])
    })

    it('the machine’s roles decide who sends each event', async () => {
      // Only reviewers review, in their own name.
      expect((await event(ADMIN_TOKEN, underReview, { ...payloads.RECORD_REVIEW, type: 'RECORD_REVIEW' })).json()).toMatchObject({
        statusCode: 403,
        details: { event: 'RECORD_REVIEW', role: 'admin', allowedRoles: ['reviewer'] },
      })
      expect((await event(tokens.reviewer!, underReview, { type: 'RECORD_REVIEW', reviewer: '评审员乙', score: 80, opinion: '冒名' })).json()).toMatchObject({
        statusCode: 403,
        details: { field: 'reviewer', expected: '评审员甲' },
      })
      const reviewed = await event(tokens.reviewer!, underReview, { type: 'RECORD_REVIEW', score: 80, opinion: '同意' })
      expect(reviewed.statusCode, reviewed.body).toBe(200)
      expect(reviewed.json().context.reviews.at(-1)).toMatchObject({ reviewer: '评审员甲', by: '评审员甲' })
      // Only admins approve, return and reject.
      for (const who of ['org', 'reviewer', 'assessor', 'systemWrite']) {
        expect((await event(tokens[who]!, underReview, { type: 'REJECT', reason: '越权' })).statusCode, who).toBe(403)
      }
      // An office system with projects:write acts as an organization would; a read-only one cannot write.
      expect((await event(tokens.systemRead!, underReview, { type: 'WITHDRAW', reason: '系统撤回' })).statusCode).toBe(403)
      expect((await event(tokens.systemWrite!, underReview, { type: 'WITHDRAW', reason: '系统撤回' })).statusCode).toBe(200)
    })
  })

  describe('idempotency', () => {
    it('replays the first response to a retry with the same key and body, and refuses a different body', async () => {
      const body = { name: '幂等测试党支部', category: 'school', secretary: '书记', leaderInCharge: '委员' }
      const headers = { 'idempotency-key': 'create-org-1' }
      const first = await as(ADMIN_TOKEN, 'POST', '/api/v1/organizations', body, headers)
      const retry = await as(ADMIN_TOKEN, 'POST', '/api/v1/organizations', body, headers)
      expect(first.statusCode).toBe(201)
      expect(retry.statusCode).toBe(201)
      expect(retry.body).toBe(first.body)
      expect(retry.headers.location).toBe(first.headers.location)
      expect(retry.headers['idempotent-replayed']).toBe('true')
      const different = await as(ADMIN_TOKEN, 'POST', '/api/v1/organizations', { ...body, name: '别的名字' }, headers)
      expect(different.json()).toMatchObject({ statusCode: 422, code: 'IDEMPOTENCY_KEY_REUSED' })
      // Keys are per principal: another principal's same key is its own.
      const other = await as(tokens.systemWrite!, 'POST', '/api/v1/projects', { type: 'innovation', organizationId: ownOrg, year: 2027, declaration: { title: '另一个' } }, headers)
      expect(other.statusCode).toBe(201)
    })

    it('does the work once for two concurrent requests with the same key', async () => {
      const id = await api.project('innovation', ownOrg, 2026, pathTo.implementing)
      const before = (await api.get(id)).version
      const send = () =>
        as(ADMIN_TOKEN, 'POST', `/api/v1/projects/${id}/events`, { type: 'RECORD_LEDGER_ENTRY', date: '2026-05-01', content: '只记一次', evidence: [] }, { 'idempotency-key': 'ledger-once' })
      const responses = await Promise.all([send(), send()])
      const statuses = responses.map((r) => r.statusCode).sort()
      expect([[200, 200], [200, 409]]).toContainEqual(statuses)
      const conflict = responses.find((r) => r.statusCode === 409)
      if (conflict) expect(conflict.json().code).toBe('IDEMPOTENCY_IN_PROGRESS')
      const retry = await send()
      expect(retry.statusCode).toBe(200)
      const project = await api.get(id)
      expect(project.version).toBe(before + 1)
      expect(project.context.ledger).toHaveLength(1)
    })
  })

  describe('the event feed', () => {
    it('resumes from a cursor without gaps or repeats while writes continue', async () => {
      const all: Array<{ id: string; topic: string }> = []
      let cursor: string | undefined
      const pull = async () => {
        for (;;) {
          const page = (await as(tokens.systemRead!, 'GET', `/api/v1/events?limit=7${cursor ? `&after=${cursor}` : ''}`)).json()
          all.push(...page.items)
          cursor = page.nextCursor
          if (page.items.length < 7) return
        }
      }
      const writer = (async () => {
        for (let i = 0; i < 12; i++) await api.project('innovation', ownOrg, 2028, [{ type: 'UPDATE_DECLARATION', ...payloads.UPDATE_DECLARATION }])
      })()
      for (let i = 0; i < 5; i++) await pull()
      await writer
      // A reader keeps pulling until it has caught up, as a client would.
      const total = async () => Number((await database.db.selectFrom('outbox').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
      for (let i = 0; i < 100 && all.length < (await total()); i++) {
        await pull()
        await new Promise((r) => setTimeout(r, 20))
      }
      const ids = all.map((e) => e.id)
      expect(new Set(ids).size).toBe(ids.length)
      const outbox = await database.db.selectFrom('outbox').select('id').orderBy('id').execute()
      expect([...ids].sort((a, b) => Number(a) - Number(b))).toEqual(outbox.map((o) => String(o.id)))
      expect(all.filter((e) => e.topic === 'project.created').length).toBeGreaterThanOrEqual(12)
      // The programme's own records are in the feed too.
      expect([...new Set(all.map((e) => e.topic))]).toEqual(
        expect.arrayContaining(['handbook.published', 'group.formed', 'organization.created', 'project.transitioned']),
      )
      const none = (await as(tokens.systemRead!, 'GET', `/api/v1/events?after=${cursor}`)).json()
      expect(none.items).toEqual([])
      expect(none.nextCursor).toBe(cursor)
      expect((await as(tokens.systemRead!, 'GET', '/api/v1/events?after=bm9wZQ')).json().code).toBe('INVALID_CURSOR')
    })
  })

  describe('webhooks', () => {
    it('delivers signed events at least once, retrying with backoff, to a receiver that fails twice', async () => {
      const received: Array<{ headers: IncomingMessage['headers']; body: string }> = []
      let calls = 0
      const server = createServer((req, res) => {
        let body = ''
        req.on('data', (chunk) => (body += chunk))
        req.on('end', () => {
          calls += 1
          if (calls <= 2) {
            res.writeHead(500).end('not yet')
            return
          }
          received.push({ headers: req.headers, body })
          res.writeHead(204).end()
        })
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`
      try {
        const secret = 'a-shared-secret-of-the-office-system'
        const created = await as(ADMIN_TOKEN, 'POST', '/api/v1/webhooks', { url, secret, topics: ['project.created', 'project.transitioned'] })
        expect(created.statusCode, created.body).toBe(201)
        const hook = created.json()
        const id = await api.project('innovation', ownOrg, 2029, [{ type: 'SUBMIT' }])
        const expected = (await database.db.selectFrom('outbox').select(['id', 'topic']).where('project_id', '=', id).orderBy('id').execute()).map((o) => String(o.id))

        await fanOut(2)
        expect(received).toHaveLength(0)
        const deliveries = (await as(ADMIN_TOKEN, 'GET', `/api/v1/webhooks/${hook.id}/deliveries`)).json().items
        expect(deliveries.map((d: { status: string; attempts: unknown[] }) => [d.status, d.attempts.length])).toEqual([
          ['pending', 1],
          ['pending', 1],
        ])
        expect((await dispatcher.runOnce()).attempted).toBe(0) // backing off
        clock.advanceBy(2_000)
        await dispatcher.runOnce()
        clock.advanceBy(4_000)
        await dispatcher.runOnce()
        expect(received.map((r) => JSON.parse(r.body).id).sort()).toEqual(expected.sort())
        for (const r of received) {
          const headers = { timestamp: r.headers['x-djf-timestamp'] as string, signature: r.headers['x-djf-signature'] as string }
          const now = Number(headers.timestamp)
          expect(verify(secret, headers, r.body, now)).toBe(true)
          expect(verify('the-wrong-secret-entirely', headers, r.body, now)).toBe(false)
          expect(verify(secret, headers, r.body.replace('project', 'projekt'), now)).toBe(false)
          expect(verify(secret, headers, r.body, now + 3600)).toBe(false)
          expect(JSON.parse(r.body).deliveryId).toBe(r.headers['x-djf-delivery'])
        }
        const after = (await as(ADMIN_TOKEN, 'GET', `/api/v1/webhooks/${hook.id}/deliveries`)).json().items
        expect(after.every((d: { status: string }) => d.status === 'delivered')).toBe(true)
        expect((await as(ADMIN_TOKEN, 'GET', `/api/v1/webhooks/${hook.id}`)).json()).toMatchObject({ enabled: true, consecutiveFailures: 0 })
      } finally {
        server.close()
      }
    })

    it('disables a webhook that keeps failing; it can be re-enabled and redelivered', async () => {
      let up = false
      const got: string[] = []
      const server = createServer((req, res) => {
        let body = ''
        req.on('data', (c) => (body += c))
        req.on('end', () => {
          if (!up) return res.writeHead(503).end()
          got.push(JSON.parse(body).id)
          res.writeHead(200).end()
        })
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      try {
        const hook = (await as(ADMIN_TOKEN, 'POST', '/api/v1/webhooks', {
          url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
          secret: 'another-secret-0123456789',
          topics: ['project.created'],
        })).json()
        await api.project('innovation', ownOrg, 2029)
        await fanOut(1)
        for (let i = 0; i < 14; i++) {
          await dispatcher.runOnce()
          clock.advanceBy(3_600_000)
        }
        const disabled = (await as(ADMIN_TOKEN, 'GET', `/api/v1/webhooks/${hook.id}`)).json()
        expect(disabled).toMatchObject({ enabled: false })
        // An outage: every attempt failing for an hour, five attempts at least (here one an hour).
        expect(disabled.disabledReason).toMatch(/every attempt failed for \d+ minutes \(5 failed attempts in a row\)/)
        const [delivery] = (await as(ADMIN_TOKEN, 'GET', `/api/v1/webhooks/${hook.id}/deliveries`)).json().items
        expect(delivery.attempts.length).toBe(5)
        expect(delivery.attempts[0]).toMatchObject({ statusCode: 503 })

        expect(delivery.status).toBe('failed')

        up = true
        await as(ADMIN_TOKEN, 'POST', `/api/v1/webhooks/${hook.id}/enable`)
        await dispatcher.runOnce()
        expect(got).toHaveLength(0) // re-enabling alone does not resend what failed
        expect((await as(ADMIN_TOKEN, 'POST', `/api/v1/webhooks/${hook.id}/redeliver`)).json()).toEqual({ requeued: 1 })
        await dispatcher.runOnce()
        expect(got).toHaveLength(1)
        expect((await as(ADMIN_TOKEN, 'GET', `/api/v1/webhooks/${hook.id}/deliveries`)).json().items[0]).toMatchObject({ status: 'delivered' })
      } finally {
        server.close()
      }
    })

    it('signs as documented', () => {
      expect(sign('secret', 1767225600, '{"a":1}')).toMatch(/^v1=[0-9a-f]{64}$/)
      expect(verify('secret', { timestamp: '1767225600', signature: sign('secret', 1767225600, '{"a":1}') }, '{"a":1}', 1767225600)).toBe(true)
    })
  })

  describe('hardening', () => {
    it('sends security headers and request ids, and no CORS unless configured', async () => {
      const response = await as(ADMIN_TOKEN, 'GET', '/api/v1/machines', undefined, { origin: 'https://evil.example' })
      const refused = await as(undefined, 'GET', '/api/v1/machines')
      const unknown = await as(ADMIN_TOKEN, 'GET', '/api/v1/nope')
      expect(refused.statusCode).toBe(401)
      expect(unknown.statusCode).toBe(404)
      const api = {
        'cross-origin-resource-policy': 'same-site',
        'referrer-policy': 'no-referrer',
        'strict-transport-security': 'max-age=31536000; includeSubDomains',
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'SAMEORIGIN',
      }
      const documentOnly = {
        'cross-origin-opener-policy': 'same-origin',
        'origin-agent-cluster': '?1',
        'x-dns-prefetch-control': 'off',
        'x-download-options': 'noopen',
        'x-permitted-cross-domain-policies': 'none',
        'x-xss-protection': '0',
      }
      for (const headers of [response.headers, refused.headers, unknown.headers]) {
        expect(headers).toMatchObject({ ...api, 'cache-control': 'no-store' })
        for (const name of Object.keys(documentOnly)) expect(headers[name], name).toBeUndefined()
        expect(headers['x-powered-by']).toBeUndefined()
        expect(headers['content-security-policy']).toBeUndefined()
        expect(headers['x-request-id']).toBeDefined()
      }
      // Pages a browser renders get helmet's whole set.
      for (const url of ['/docs/', '/admin/']) {
        const page = await app.inject({ method: 'GET', url })
        expect(page.statusCode, url).toBe(200)
        expect(page.headers['content-type'], url).toMatch(/^text\/html/)
        expect(page.headers, url).toMatchObject({ ...api, ...documentOnly })
        expect(page.headers['x-request-id'], url).toBeDefined()
        // A real policy: this origin's scripts only, no inline script, no framing (the browser tests run the pages under it).
        expect(page.headers['content-security-policy'], url).toMatch(/default-src 'self';.*frame-ancestors 'none';.*object-src 'none';.*script-src 'self';.*script-src-attr 'none'/)
      }
      expect(response.headers['access-control-allow-origin']).toBeUndefined()
    })

    it('allows configured CORS origins and limits the rate per principal', async () => {
      const service = await createService({
        database,
        clock: systemClock,
        logger: silentLogger,
        corsOrigins: ['https://oa.town.gov.cn'],
        rateLimitPerMinute: 3,
      })
      try {
        const call = (origin: string) =>
          service.app.inject({ method: 'GET', url: '/api/v1/machines', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, origin } })
        expect((await call('https://oa.town.gov.cn')).headers['access-control-allow-origin']).toBe('https://oa.town.gov.cn')
        expect((await call('https://evil.example')).headers['access-control-allow-origin']).toBeUndefined()
        await call('https://oa.town.gov.cn')
        const limited = await call('https://oa.town.gov.cn')
        expect(limited.statusCode).toBe(429)
        expect(limited.json()).toMatchObject({ code: 'RATE_LIMITED' })
        // Another principal has its own allowance.
        const other = await service.app.inject({ method: 'GET', url: '/api/v1/machines', headers: { authorization: `Bearer ${tokens.reviewer}` } })
        expect(other.statusCode).toBe(200)
      } finally {
        await service.app.close()
      }
    })
  })
})
