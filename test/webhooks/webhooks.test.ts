import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/engine/clock.js'
import { createService } from '../../src/service.js'
import { checkDestination, guardedLookup, parseAllowList, strictPolicy } from '../../src/webhooks/destination.js'
import { createDispatcher } from '../../src/webhooks/dispatcher.js'
import { verify } from '../../src/webhooks/signature.js'
import { authorizeTestApp, createTestApp, silentLogger } from '../support/app.js'
import { openTestDatabase, type TestDatabase } from '../support/databases.js'
import { client } from '../support/http.js'

/**
 * Webhooks safe and steady: no delivery to what only the service can reach (metadata, loopback,
 * the private network, however the address is spelt, whatever a name resolves to now or later),
 * no redirects followed; disabled only after a sustained outage; signed with wall-clock time.
 */
const receiver = async (answer: (req: IncomingMessage, body: string) => [number, Record<string, string>?]) => {
  const calls: Array<{ headers: IncomingMessage['headers']; body: string }> = []
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      calls.push({ headers: req.headers, body })
      const [status, headers] = answer(req, body)
      res.writeHead(status, headers).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, calls, close: () => new Promise((r) => server.close(r)) }
}

describe('webhook destinations', () => {
  const refusedUrls = [
    'http://169.254.169.254/latest/meta-data/',
    'http://[fd00:ec2::254]/',
    'http://metadata.google.internal/computeMetadata/v1/',
    'http://METADATA.google.internal./',
    'http://100.100.100.200/latest/meta-data/',
    'http://127.0.0.1:5432/',
    'http://localhost/',
    'http://0x7f.0.0.1/',
    'http://2130706433/',
    'http://127.1/',
    'http://0177.0.0.1/',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:7f00:1]/',
    'http://[64:ff9b::7f00:1]/',
    'http://[::127.0.0.1]/',
    'http://[::a00:1]/',
    'http://[64:ff9b:1:7f00:1::808:808]/',
    'http://[64:ff9b:1::808:808]/',
    'http://[fe80::1]/',
    'http://0.0.0.0/',
    'http://10.0.0.1/',
    'http://172.16.5.4/',
    'http://192.168.1.1/',
    'http://100.64.0.1/',
    'http://224.0.0.1/',
    'http://255.255.255.255/',
    'http://user:pass@receiver.example.org/',
    'http://user@93.184.216.34/',
    'ftp://93.184.216.34/',
    'file:///etc/passwd',
    'gopher://93.184.216.34/',
    'not a url',
  ]
  const publicLookup = async () => [{ address: '93.184.216.34', family: 4 }]

  it.each(refusedUrls)('refuses %s', async (url) => {
    await expect(checkDestination(url, strictPolicy, publicLookup)).rejects.toMatchObject({ statusCode: 422, code: 'WEBHOOK_URL_REFUSED' })
  })

  it('accepts public addresses, and names that resolve only to them', async () => {
    for (const url of ['https://93.184.216.34/hooks', 'http://[2001:4860:4860::8888]/', 'https://receiver.example.org/x', 'http://[64:ff9b::808:808]/', 'http://[::808:808]/']) {
      await expect(checkDestination(url, strictPolicy, publicLookup)).resolves.toBeTruthy()
    }
    // A name with one private address among public ones is refused.
    await expect(checkDestination('https://mixed.example.org/', strictPolicy, async () => [{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.8', family: 4 }])).rejects.toMatchObject({ code: 'WEBHOOK_URL_REFUSED' })
    await expect(checkDestination('https://nowhere.example.org/', strictPolicy, async () => { throw new Error('ENOTFOUND') })).rejects.toMatchObject({ code: 'WEBHOOK_URL_REFUSED' })
  })

  it('lets the operator allow intranet hosts, addresses and ranges — never link-local or metadata', async () => {
    const policy = parseAllowList(['10.0.0.0/8', 'oa.intranet.gov', '192.168.3.7', '169.254.0.0/16', 'fd00:ec2::/32'])
    const intranet = async () => [{ address: '172.20.1.1', family: 4 }]
    await expect(checkDestination('http://10.1.2.3/hooks', policy)).resolves.toBeTruthy()
    await expect(checkDestination('http://[::ffff:10.1.2.3]/hooks', policy)).resolves.toBeTruthy()
    await expect(checkDestination('http://192.168.3.7/', policy)).resolves.toBeTruthy()
    await expect(checkDestination('http://oa.intranet.gov./', policy, intranet)).resolves.toBeTruthy()
    await expect(checkDestination('http://192.168.3.8/', policy)).rejects.toMatchObject({ code: 'WEBHOOK_URL_REFUSED' })
    await expect(checkDestination('http://other.intranet.gov/', policy, intranet)).rejects.toMatchObject({ code: 'WEBHOOK_URL_REFUSED' })
    for (const url of ['http://169.254.169.254/', 'http://[fd00:ec2::254]/', 'http://metadata.google.internal/']) {
      await expect(checkDestination(url, policy, publicLookup)).rejects.toMatchObject({ code: 'WEBHOOK_URL_REFUSED' })
    }
    // An allowed name that resolves to a metadata address is still refused.
    await expect(checkDestination('http://oa.intranet.gov/', policy, async () => [{ address: '169.254.169.254', family: 4 }])).rejects.toMatchObject({ code: 'WEBHOOK_URL_REFUSED' })
    expect(() => parseAllowList(['not a host!'])).toThrow(/WEBHOOK_ALLOWED_HOSTS/)
  })

  it('checks at connection time what the name resolves to then (DNS rebinding)', async () => {
    const answers = [[{ address: '93.184.216.34', family: 4 }], [{ address: '127.0.0.1', family: 4 }]]
    const rebinding = async () => answers.shift() ?? []
    await expect(checkDestination('http://rebind.example.org/', strictPolicy, rebinding)).resolves.toBeTruthy()
    const connected = await new Promise<unknown>((resolve) => guardedLookup('http://rebind.example.org/', strictPolicy, rebinding)('rebind.example.org', { all: true }, (error: unknown, addresses: unknown) => resolve(error ?? addresses)))
    expect(connected).toMatchObject({ code: 'WEBHOOK_URL_REFUSED' })
  })
})

describe('webhook registration and delivery on a strict service', () => {
  let database: TestDatabase
  let app: FastifyInstance

  beforeAll(async () => {
    database = await openTestDatabase('pglite')
    ;({ app } = await createService({ database, clock: new ManualClock('2026-02-01T00:00:00Z'), logger: silentLogger, rateLimitPerMinute: 1_000_000 }))
    await authorizeTestApp(app, database)
  })
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  it('refuses loopback, private and metadata URLs at registration with 422, writing nothing', async () => {
    for (const url of ['http://127.0.0.1:8080/', 'http://0x7f.1/', 'http://169.254.169.254/', 'http://[::1]/', 'http://10.0.0.1/', 'http://u:p@127.0.0.1/', 'http://localhost/']) {
      const response = await app.inject({ method: 'POST', url: '/api/v1/webhooks', payload: { url, secret: 'a-secret-of-sixteen+', topics: [] } })
      expect(response.statusCode, url).toBeGreaterThanOrEqual(400)
      expect(response.statusCode, url).toBeLessThan(500)
    }
    expect(await database.db.selectFrom('webhook').selectAll().execute()).toEqual([])
  })

  it('refuses at delivery time a URL that would not pass now, and never calls it', async () => {
    const target = await receiver(() => [204])
    try {
      // As if it had been registered under another policy, or its name had resolved elsewhere then.
      const id = randomUUID()
      await database.db
        .insertInto('webhook')
        .values({ id, url: target.url, topics: '[]', secret: 'secret-secret-secret', enabled: true, consecutive_failures: 0, failing_since: null, disabled_reason: null, cursor_position: '0', created_by: 'test', created_at: new Date() })
        .execute()
      await client(app).organization('投递测试党支部')
      const dispatcher = createDispatcher({ db: database.db, clock: new ManualClock(new Date()), logger: silentLogger, intervalMs: 1000, policy: strictPolicy })
      await dispatcher.runOnce()
      await dispatcher.runOnce()
      expect(target.calls).toEqual([])
      const deliveries = (await app.inject({ method: 'GET', url: `/api/v1/webhooks/${id}/deliveries` })).json().items
      expect(deliveries.length).toBeGreaterThan(0)
      expect(deliveries[0].attempts[0]).toMatchObject({ statusCode: null, error: expect.stringMatching(/loopback/) })
    } finally {
      await target.close()
    }
  })
})

describe('webhook delivery', () => {
  let database: TestDatabase
  let app: FastifyInstance
  let clock: ManualClock
  let dispatcher: ReturnType<typeof createDispatcher>

  beforeAll(async () => {
    database = await openTestDatabase('pglite')
    // The business clock stands a year before real time: signatures must still carry real time.
    ;({ app, clock, dispatcher } = await createTestApp(database, { start: '2025-06-01T00:00:00Z' }))
  })
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  const subscribe = async (url: string) =>
    (await client(app).ok('POST', '/api/v1/webhooks', { url, secret: 'delivery-test-secret-0123', topics: ['organization.created'] })).id as string

  it('does not follow redirects', async () => {
    const elsewhere = await receiver(() => [204])
    const redirecting = await receiver(() => [302, { location: elsewhere.url }])
    try {
      const id = await subscribe(redirecting.url)
      await client(app).organization('重定向测试党支部')
      await dispatcher.runOnce()
      expect(redirecting.calls).toHaveLength(1)
      expect(elsewhere.calls).toEqual([])
      const [delivery] = (await client(app).ok('GET', `/api/v1/webhooks/${id}/deliveries`)).items
      expect(delivery).toMatchObject({ status: 'pending', attempts: [{ statusCode: 302 }] })
    } finally {
      await elsewhere.close()
      await redirecting.close()
      await database.db.updateTable('webhook').set({ enabled: false }).execute()
    }
  })

  it('signs with wall-clock time whatever the service clock says, so the documented verifier accepts it', async () => {
    const target = await receiver(() => [204])
    try {
      await subscribe(target.url)
      await client(app).organization('时间戳测试党支部')
      await dispatcher.runOnce()
      expect(target.calls).toHaveLength(1)
      const { headers, body } = target.calls[0]!
      expect(Math.abs(Number(headers['x-djf-timestamp']) - Date.now() / 1000)).toBeLessThan(60)
      expect(verify('delivery-test-secret-0123', { timestamp: headers['x-djf-timestamp'] as string, signature: headers['x-djf-signature'] as string }, body)).toBe(true)
    } finally {
      await target.close()
      await database.db.updateTable('webhook').set({ enabled: false }).execute()
    }
  })

  it('stays enabled through a burst of failed first attempts; is disabled after an hour of nothing but failures; one enable and redeliver sends everything', async () => {
    let up = false
    const target = await receiver(() => (up ? [200] : [503]))
    try {
      const id = await subscribe(target.url)
      for (let i = 0; i < 25; i++) await client(app).organization(`停机测试党支部${i}`)
      await dispatcher.runOnce()
      await dispatcher.runOnce()
      const burst = await client(app).ok('GET', `/api/v1/webhooks/${id}`)
      expect(target.calls.length).toBe(25)
      expect(burst).toMatchObject({ enabled: true, consecutiveFailures: 25 })
      // The outage goes on: retries with backoff over more than an hour, every one failing.
      for (let minutes = 0; minutes < 70; minutes += 10) {
        clock.advanceBy(10 * 60_000)
        await dispatcher.runOnce()
      }
      const disabled = await client(app).ok('GET', `/api/v1/webhooks/${id}`)
      expect(disabled.enabled).toBe(false)
      expect(disabled.disabledReason).toMatch(/every attempt failed for (6\d|7\d) minutes/)

      up = true
      await client(app).ok('POST', `/api/v1/webhooks/${id}/enable`)
      expect((await client(app).ok('POST', `/api/v1/webhooks/${id}/redeliver`)).requeued).toBe(25)
      for (let i = 0; i < 3; i++) await dispatcher.runOnce()
      const deliveries = (await client(app).ok('GET', `/api/v1/webhooks/${id}/deliveries`)).items as Array<{ status: string }>
      expect(deliveries.map((d) => d.status)).toEqual(Array(25).fill('delivered'))
      expect(await client(app).ok('GET', `/api/v1/webhooks/${id}`)).toMatchObject({ enabled: true, consecutiveFailures: 0 })
    } finally {
      await target.close()
    }
  })
})

