import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import type { ManualClock } from '../../src/engine/clock.js'
import { metricsServer } from '../../src/http/metrics.js'
import type { ServiceMetrics } from '../../src/metrics/service-metrics.js'
import { createTestApp } from '../support/app.js'
import { databaseKinds, openTestDatabase, type TestDatabase } from '../support/databases.js'
import { pathTo } from '../support/fixtures.js'
import { client } from '../support/http.js'
import { seedProgramme } from '../support/programme.js'

const METRICS_TOKEN = 'djf_metrics_scraper_token_0123456789'

/** The value of one series in a Prometheus text exposition (0 when it is absent). */
function series(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`)
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!match || match[1] !== name) continue
    const have = match[2] ? match[2].split(/,(?=[a-zA-Z_]\w*=")/) : []
    if (wanted.every((w) => have.includes(w)) && have.length === wanted.length) return Number(match[3])
  }
  return 0
}

describe.each(databaseKinds)('metrics on %s', (kind) => {
  let database: TestDatabase
  let app: FastifyInstance
  let clock: ManualClock
  let metrics: ServiceMetrics
  let dispatcher: { runOnce: () => Promise<unknown> }
  let api: ReturnType<typeof client>
  let organization: string

  const scrape = async () => {
    const response = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/)
    return response.body
  }

  beforeAll(async () => {
    database = await openTestDatabase(kind)
    await seedProgramme(database.db, [2026])
    const service = await createTestApp(database, { metrics: { token: METRICS_TOKEN } })
    ;({ app, clock } = service)
    metrics = service.metrics!
    dispatcher = service.dispatcher
    api = client(app)
    organization = await api.organization('指标村党支部')
  })
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  it('is behind its own token: none, an API token or a wrong one is 401 in the error shape', async () => {
    for (const authorization of [undefined, 'Bearer djf_test_admin_token_0123456789abcdef', `Bearer ${METRICS_TOKEN}x`, METRICS_TOKEN.slice(1)]) {
      const response = await app.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} })
      expect(response.statusCode, authorization).toBe(401)
      expect(['TOKEN_MISSING', 'TOKEN_UNKNOWN']).toContain(response.json().code)
    }
    // Nor does the metrics token open the API.
    expect((await app.inject({ method: 'GET', url: '/api/v1/projects', headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).statusCode).toBe(401)
  })

  it('moves a request’s histogram by route template and status, a refusal’s counter by code, and a transition’s by type and event', async () => {
    const project = await api.project('innovation', organization, 2026)
    const before = await scrape()
    const getSeries = { method: 'GET', route: '/api/v1/projects/:id', status: '200' }
    await api.get(project)
    await api.get(project)
    await api.send(project, { type: 'SUBMIT' })
    await app.inject({ method: 'POST', url: `/api/v1/projects/${project}/events`, payload: { type: 'SUBMIT_PLAN', items: [] } })
    await app.inject({ method: 'GET', url: '/api/v1/no-such-route' })
    const after = await scrape()
    expect(series(after, 'djf_http_request_duration_seconds_count', getSeries) - series(before, 'djf_http_request_duration_seconds_count', getSeries)).toBe(2)
    expect(series(after, 'djf_http_request_duration_seconds_bucket', { ...getSeries, le: '+Inf' })).toBe(series(after, 'djf_http_request_duration_seconds_count', getSeries))
    expect(series(after, 'djf_http_request_duration_seconds_sum', getSeries)).toBeGreaterThan(0)
    const submit = { type: 'innovation', event: 'SUBMIT' }
    expect(series(after, 'djf_transitions_total', submit) - series(before, 'djf_transitions_total', submit)).toBe(1)
    for (const code of ['ROUTE_NOT_FOUND']) expect(series(after, 'djf_refusals_total', { code }) - series(before, 'djf_refusals_total', { code }), code).toBe(1)
    const refusedEvent = series(after, 'djf_refusals_total', { code: 'VALIDATION_FAILED' }) + series(after, 'djf_refusals_total', { code: 'EVENT_NOT_ALLOWED' }) -
      series(before, 'djf_refusals_total', { code: 'VALIDATION_FAILED' }) - series(before, 'djf_refusals_total', { code: 'EVENT_NOT_ALLOWED' })
    expect(refusedEvent).toBe(1)
    expect(series(after, 'djf_http_request_duration_seconds_count', { method: 'GET', route: 'unmatched', status: '404' })).toBeGreaterThanOrEqual(1)
    expect(series(after, 'process_resident_memory_bytes')).toBeGreaterThan(10_000_000)
    expect(series(after, 'djf_metrics_database_up')).toBe(1)
    if (kind === 'postgres') expect(after).toMatch(/^djf_db_pool_connections\{state="idle"\} \d+$/m)
  })

  it('shows timers falling due before the scheduler comes, then fired with their lag', async () => {
    await api.project('innovation', organization, 2026)
    const before = await scrape()
    expect(series(before, 'djf_timers_pending')).toBeGreaterThan(0)
    // The clock passes the declaration deadline; the scheduler (not polling in tests) has not come yet.
    clock.advanceTo('2026-04-01T00:00:00Z')
    const due = await scrape()
    expect(series(due, 'djf_timers_due')).toBeGreaterThan(0)
    expect(series(due, 'djf_timers_oldest_due_seconds')).toBeGreaterThan(0)
    await api.ok('POST', '/api/v1/admin/clock', { to: '2026-04-01T00:00:01Z' })
    const fired = await scrape()
    expect(series(fired, 'djf_timers_due')).toBe(0)
    expect(series(fired, 'djf_timers_fired_total') - series(before, 'djf_timers_fired_total')).toBeGreaterThan(0)
    expect(series(fired, 'djf_timer_lag_seconds_count') - series(before, 'djf_timer_lag_seconds_count')).toBeGreaterThan(0)
    expect(series(fired, 'djf_timer_lag_seconds_sum') - series(before, 'djf_timer_lag_seconds_sum')).toBeGreaterThan(0)
    expect(series(fired, 'djf_transitions_total', { type: 'innovation', event: 'DECLARATION_DEADLINE' })).toBeGreaterThan(0)
  })

  it('shows the feed’s head, the slowest webhook behind it and its failed deliveries', async () => {
    await api.ok('POST', '/api/v1/webhooks', { url: 'http://127.0.0.1:9/hooks', secret: 'metrics-secret-0123456789', topics: [] })
    await api.project('innovation', organization, 2026, pathTo.underReview)
    const behind = await scrape()
    await dispatcher.runOnce()
    const after = await scrape()
    expect(series(after, 'djf_feed_head_position')).toBeGreaterThan(0)
    expect(series(after, 'djf_webhook_slowest_position')).toBeLessThanOrEqual(series(after, 'djf_feed_head_position'))
    expect(series(behind, 'djf_webhook_deliveries', { status: 'pending' })).toBe(0)
    // Fanned out to the head, then put back to the start of the feed: the whole feed is its backlog.
    expect(series(after, 'djf_webhook_backlog')).toBe(0)
    await database.db.updateTable('webhook').set({ cursor_position: '0' }).execute()
    const rewound = await scrape()
    expect(series(rewound, 'djf_webhook_slowest_position')).toBe(0)
    expect(series(rewound, 'djf_webhook_backlog')).toBe(series(rewound, 'djf_feed_head_position'))
    expect(series(after, 'djf_webhook_deliveries', { status: 'pending' }) + series(after, 'djf_webhook_deliveries', { status: 'failed' })).toBeGreaterThan(0)
    expect(series(after, 'djf_webhook_attempts', { outcome: 'failed' })).toBeGreaterThan(0)
  })

  it('serves the same on a port of its own, GET /metrics only', async () => {
    const server = metricsServer(metrics).listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      const response = await fetch(`${base}/metrics`)
      expect(response.status).toBe(200)
      expect(await response.text()).toContain('djf_http_request_duration_seconds_bucket')
      expect((await fetch(`${base}/`)).status).toBe(404)
      expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(404)
    } finally {
      server.close()
    }
  })
})

describe('metrics configuration', () => {
  it('is off unless a token or a port is given, and refuses a short token', () => {
    expect(loadConfig({}).metrics).toBeUndefined()
    expect(loadConfig({ METRICS_TOKEN }).metrics).toEqual({ token: METRICS_TOKEN, port: undefined, host: '127.0.0.1' })
    expect(loadConfig({ METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' }).metrics).toEqual({ token: undefined, port: 9464, host: '0.0.0.0' })
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/)
    expect(() => loadConfig({ METRICS_PORT: '70000' })).toThrow(/METRICS_PORT/)
  })

  it('answers 404 for /metrics on an app without a token', async () => {
    const database = await openTestDatabase('pglite')
    const { app } = await createTestApp(database)
    try {
      const response = await app.inject({ method: 'GET', url: '/metrics' })
      expect(response.statusCode).toBe(404)
    } finally {
      await app.close()
      await database.drop()
    }
  })
})
