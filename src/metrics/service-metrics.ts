import { sql } from 'kysely'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { PoolStats } from '../db/connect.js'
import type { DB } from '../db/database.js'
import type { Clock } from '../engine/clock.js'

/**
 * What an operator watches (README "Metrics"), in Prometheus's format (prom-client). Counters
 * and histograms count what this process did; the gauges read from the database at each scrape
 * say where the whole service stands (every process's timers, feed and webhooks), so any process
 * scraped tells the same.
 */
export interface ServiceMetrics {
  registry: Registry
  request(method: string, route: string, status: number, seconds: number): void
  refusal(code: string): void
  transition(type: string, event: string): void
  timersFired(lagSeconds: readonly number[], skipped: number): void
}

/** Latencies from a fraction of a millisecond (a cached GET) to seconds (a large upload). */
const secondsBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

export function createServiceMetrics(options: { db: DB; clock: Clock; poolStats?: (() => PoolStats) | undefined }): ServiceMetrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const requestDuration = new Histogram({
    name: 'djf_http_request_duration_seconds',
    help: 'HTTP requests by method, route template and status, and how long each took',
    labelNames: ['method', 'route', 'status'],
    buckets: secondsBuckets,
    registers: [registry],
  })
  const refusals = new Counter({ name: 'djf_refusals_total', help: 'Refused requests by error code (README error table)', labelNames: ['code'], registers: [registry] })
  const transitions = new Counter({
    name: 'djf_transitions_total',
    help: 'Project transitions written by this process, by project type and event (deadline events are the scheduler’s)',
    labelNames: ['type', 'event'],
    registers: [registry],
  })
  const timersFired = new Counter({ name: 'djf_timers_fired_total', help: 'Scheduled transitions fired by this process', registers: [registry] })
  const timersSkipped = new Counter({ name: 'djf_timers_skipped_total', help: 'Due timers whose event the machine no longer took (dropped)', registers: [registry] })
  const timerLag = new Histogram({
    name: 'djf_timer_lag_seconds',
    help: 'How long after its due time (on the service clock) each timer fired',
    buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600],
    registers: [registry],
  })

  // Read at each scrape, once for all the gauges below: prom-client collects every metric at once,
  // each gauge awaiting its collect before it is written, so they share one reading of the database.
  let reading: Promise<void> | undefined
  const read = () => (reading ??= readDatabase().finally(() => (reading = undefined)))
  const gauge = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers: [registry], collect: read })
  const scrapeSeconds = gauge('djf_metrics_scrape_database_seconds', 'How long this scrape’s database reads took')
  const database = gauge('djf_metrics_database_up', '1 when the database answered this scrape’s queries')
  const timersPending = gauge('djf_timers_pending', 'Scheduled transitions waiting, all processes')
  const timersDue = gauge('djf_timers_due', 'Timers past their due time and not fired yet (the scheduler is behind when this stays above 0)')
  const oldestDue = gauge('djf_timers_oldest_due_seconds', 'How long the oldest unfired due timer has been due (0: none)')
  const feedHead = gauge('djf_feed_head_position', 'The event feed’s last position given')
  const slowestWebhook = gauge('djf_webhook_slowest_position', 'The feed position the slowest enabled webhook has fanned out to')
  const webhookBacklog = gauge('djf_webhook_backlog', 'Feed positions the slowest enabled webhook is behind the head')
  const deliveries = gauge('djf_webhook_deliveries', 'Webhook deliveries by status, all processes', ['status'])
  const attempts = gauge('djf_webhook_attempts', 'Webhook delivery attempts recorded, by outcome (succeeded: a 2xx), all processes', ['outcome'])
  const disabledWebhooks = gauge('djf_webhooks_disabled', 'Webhooks disabled after an outage')
  const poolConnections = gauge('djf_db_pool_connections', 'This process’s database connections, by state', ['state'])
  const poolWaiting = gauge('djf_db_pool_waiting', 'Queries waiting for a connection of this process’s pool')

  async function readDatabase() {
    const started = performance.now()
    try {
      const now = options.clock.now().toISOString()
      const [timers, feed, webhooks, byStatus, byOutcome] = await Promise.all([
        sql<{ pending: string; due: string; oldest: number | null }>`
          select count(*)::text as pending, count(*) filter (where due_at <= ${now}::timestamptz)::text as due,
                 extract(epoch from ${now}::timestamptz - min(due_at) filter (where due_at <= ${now}::timestamptz))::float8 as oldest
            from timer`.execute(options.db),
        sql<{ position: string | null }>`select max(position)::text as position from feed_head`.execute(options.db),
        sql<{ slowest: string | null; disabled: string }>`
          select min(cursor_position) filter (where enabled)::text as slowest, count(*) filter (where not enabled)::text as disabled from webhook`.execute(options.db),
        sql<{ status: string; n: string }>`select status, count(*)::text as n from webhook_delivery group by status`.execute(options.db),
        sql<{ succeeded: string; failed: string }>`
          select count(*) filter (where status_code between 200 and 299)::text as succeeded,
                 count(*) filter (where status_code is null or status_code not between 200 and 299)::text as failed
            from webhook_attempt`.execute(options.db),
      ])
      timersPending.set(Number(timers.rows[0]!.pending))
      timersDue.set(Number(timers.rows[0]!.due))
      oldestDue.set(Math.max(0, timers.rows[0]!.oldest ?? 0))
      const head = Number(feed.rows[0]?.position ?? 0)
      feedHead.set(head)
      const slowest = webhooks.rows[0]!.slowest
      slowestWebhook.set(slowest === null ? head : Number(slowest))
      webhookBacklog.set(slowest === null ? 0 : Math.max(0, head - Number(slowest)))
      disabledWebhooks.set(Number(webhooks.rows[0]!.disabled))
      deliveries.reset()
      for (const row of byStatus.rows) deliveries.set({ status: row.status }, Number(row.n))
      attempts.set({ outcome: 'succeeded' }, Number(byOutcome.rows[0]!.succeeded))
      attempts.set({ outcome: 'failed' }, Number(byOutcome.rows[0]!.failed))
      database.set(1)
    } catch {
      // The database is unreachable: the process's own figures are still worth a scrape.
      database.set(0)
    }
    const pool = options.poolStats?.()
    if (pool) {
      poolConnections.set({ state: 'in_use' }, pool.total - pool.idle)
      poolConnections.set({ state: 'idle' }, pool.idle)
      poolWaiting.set(pool.waiting)
    }
    scrapeSeconds.set((performance.now() - started) / 1000)
  }

  return {
    registry,
    request: (method, route, status, seconds) => requestDuration.observe({ method, route, status }, seconds),
    refusal: (code) => refusals.inc({ code }),
    transition: (type, event) => transitions.inc({ type, event }),
    timersFired(lags, skipped) {
      timersFired.inc(lags.length - skipped)
      if (skipped) timersSkipped.inc(skipped)
      for (const lag of lags) timerLag.observe(Math.max(0, lag))
    },
  }
}
