import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import type { Logger } from 'pino'
import type { DB } from '../db/database.js'
import type { WebhookDeliveryRow, WebhookRow } from '../db/tables/webhook.js'
import { positionAllCommitted, readFeed } from '../domain/feed.js'
import type { Clock } from '../engine/clock.js'
import type { LookupFunction } from 'node:net'
import { Refusal } from '../errors.js'
import { checkDestination, guardedLookup, type DestinationPolicy } from './destination.js'
import { postJson } from './post.js'
import { sign } from './signature.js'

/**
 * Delivers the event feed to webhooks, in the service's background loop (never inside a
 * request): fan-out copies new feed events into per-webhook deliveries; delivery POSTs each,
 * signed, to checked addresses only (destination.ts), and retries with exponential backoff until
 * it succeeds. At least once: receivers deduplicate by the delivery id. A webhook whose endpoint
 * is down for good — every attempt failing for `outageMs` — is disabled until re-enabled; a burst
 * of failed first attempts is not an outage.
 */
export interface DispatcherOptions {
  db: DB
  /** Real time: deliveries, their backoff and their signatures' timestamps are the outside world's business. */
  clock: Clock
  logger: Logger
  intervalMs: number
  policy: DestinationPolicy
  /** Timeout of one delivery attempt. */
  timeoutMs?: number
  /** How long every attempt must have failed before a webhook is disabled. */
  outageMs?: number
  /** …with at least this many failed attempts in that time. */
  outageAttempts?: number
  /** Attempts after which a delivery is given up as failed (until redelivered). */
  maxAttempts?: number
}

const FAN_OUT_BATCH = 500
const DELIVERY_BATCH = 20
const BACKOFF_BASE_MS = 2_000
const BACKOFF_CAP_MS = 3_600_000

export const backoff = (attempts: number) => Math.min(BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1), BACKOFF_CAP_MS)

export function createDispatcher(options: DispatcherOptions) {
  const { db, clock, logger } = options
  const timeoutMs = options.timeoutMs ?? 5_000
  const outageMs = options.outageMs ?? 3_600_000
  const outageAttempts = options.outageAttempts ?? 5
  const maxAttempts = options.maxAttempts ?? 12
  let handle: NodeJS.Timeout | undefined
  let stopping = false
  let running: Promise<unknown> = Promise.resolve()

  /** Copies feed events past each webhook's cursor into deliveries; returns how many. */
  async function fanOut(): Promise<number> {
    let created = 0
    // Also what keeps the feed numbered when no one reads it, so its backlog stays small.
    await positionAllCommitted(db)
    const webhooks = await db.selectFrom('webhook').select('id').execute()
    for (const { id } of webhooks) {
      created += await db.transaction().execute(async (trx) => {
        const webhook = await trx.selectFrom('webhook').selectAll().where('id', '=', id).forUpdate().skipLocked().executeTakeFirst()
        if (!webhook) return 0
        const { items, position } = await readFeed(trx, webhook.cursor_position, FAN_OUT_BATCH)
        if (items.length === 0) return 0
        const topics = webhook.topics as string[]
        const wanted = items.filter((e) => topics.length === 0 || topics.includes(e.topic))
        const now = clock.now()
        if (wanted.length) {
          await trx
            .insertInto('webhook_delivery')
            .values(
              wanted.map((e) => ({
                id: randomUUID(),
                webhook_id: webhook.id,
                outbox_id: e.id,
                topic: e.topic,
                payload: JSON.stringify({ id: e.id, topic: e.topic, projectId: e.projectId, payload: e.payload, createdAt: e.createdAt }),
                status: 'pending' as const,
                attempts: 0,
                next_attempt_at: now,
                last_status_code: null,
                last_error: null,
                delivered_at: null,
                created_at: now,
              })),
            )
            .onConflict((oc) => oc.columns(['webhook_id', 'outbox_id']).doNothing())
            .execute()
        }
        await trx.updateTable('webhook').set({ cursor_position: position }).where('id', '=', webhook.id).execute()
        return wanted.length
      })
    }
    return created
  }

  async function attempt(webhook: WebhookRow, delivery: WebhookDeliveryRow) {
    const body = JSON.stringify({ deliveryId: delivery.id, ...(delivery.payload as object) })
    // Wall-clock seconds whatever the service's clock: the receiver compares them with its own.
    const timestamp = Math.floor(Date.now() / 1000)
    const started = performance.now()
    let statusCode: number | null = null
    let error: string | null = null
    try {
      // Checked again now: the name may resolve elsewhere than when it was registered.
      await checkDestination(webhook.url, options.policy)
      const response = await postJson(
        webhook.url,
        {
          'content-type': 'application/json',
          'user-agent': 'dangjian-flow-webhooks/1',
          'x-djf-delivery': delivery.id,
          'x-djf-topic': delivery.topic,
          'x-djf-timestamp': String(timestamp),
          'x-djf-signature': sign(webhook.secret, timestamp, body),
        },
        body,
        { timeoutMs, lookup: guardedLookup(webhook.url, options.policy) as LookupFunction },
      )
      statusCode = response.statusCode
    } catch (e) {
      error = e instanceof Refusal ? e.message : (e as Error).name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : String((e as Error).message)
    }
    return { ok: statusCode !== null && statusCode >= 200 && statusCode < 300, statusCode, error, durationMs: Math.round(performance.now() - started) }
  }

  /** Attempts the deliveries that are due, oldest first; returns how many were attempted. */
  async function deliverDue(): Promise<number> {
    const now = clock.now()
    // Claim with a lease, so another process does not attempt the same delivery meanwhile.
    const claimed = await db.transaction().execute(async (trx) => {
      const due = await trx
        .selectFrom('webhook_delivery')
        .innerJoin('webhook', 'webhook.id', 'webhook_delivery.webhook_id')
        .selectAll('webhook_delivery')
        .where('webhook_delivery.status', '=', 'pending')
        .where('webhook_delivery.next_attempt_at', '<=', now)
        .where('webhook.enabled', '=', true)
        .orderBy('webhook_delivery.next_attempt_at')
        .orderBy('webhook_delivery.outbox_id')
        .limit(DELIVERY_BATCH)
        .forUpdate('webhook_delivery')
        .skipLocked()
        .execute()
      if (due.length) {
        await trx
          .updateTable('webhook_delivery')
          .set({ next_attempt_at: new Date(now.getTime() + timeoutMs * 2) })
          .where('id', 'in', due.map((d) => d.id))
          .execute()
      }
      return due
    })
    for (const delivery of claimed) {
      if (stopping) break
      const webhook = await db.selectFrom('webhook').selectAll().where('id', '=', delivery.webhook_id).executeTakeFirstOrThrow()
      if (!webhook.enabled) continue
      const result = await attempt(webhook, delivery)
      const attempts = delivery.attempts + 1
      const at = clock.now()
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('webhook_attempt')
          .values({ delivery_id: delivery.id, attempt: attempts, status_code: result.statusCode, error: result.error, duration_ms: result.durationMs, at })
          .execute()
        await trx
          .updateTable('webhook_delivery')
          .set({
            attempts,
            status: result.ok ? 'delivered' : attempts >= maxAttempts ? 'failed' : 'pending',
            next_attempt_at: result.ok ? at : new Date(at.getTime() + backoff(attempts)),
            last_status_code: result.statusCode,
            last_error: result.error,
            delivered_at: result.ok ? at : null,
          })
          .where('id', '=', delivery.id)
          .execute()
        // Counted in the database, so that two dispatchers failing at once both count; an outage
        // starts with the first failure after a success and ends with the next success.
        const { failures, failingSince } = await trx
          .updateTable('webhook')
          .set(
            result.ok
              ? { consecutive_failures: 0, failing_since: null }
              : { consecutive_failures: sql<number>`consecutive_failures + 1`, failing_since: sql<Date>`coalesce(failing_since, ${at})` },
          )
          .where('id', '=', webhook.id)
          .returning(['consecutive_failures as failures', 'failing_since as failingSince'])
          .executeTakeFirstOrThrow()
        const disable = !result.ok && failures >= outageAttempts && failingSince !== null && at.getTime() - failingSince.getTime() >= outageMs
        if (disable) {
          const minutes = Math.round((at.getTime() - failingSince!.getTime()) / 60_000)
          await trx
            .updateTable('webhook')
            .set({
              enabled: false,
              disabled_reason: `every attempt failed for ${minutes} minutes (${failures} failed attempts in a row); last: ${result.error ?? `HTTP ${result.statusCode}`}`,
            })
            .where('id', '=', webhook.id)
            .execute()
          // What it had not delivered is given up as failed; redelivery after re-enabling sends it again.
          await trx
            .updateTable('webhook_delivery')
            .set({ status: 'failed' })
            .where('webhook_id', '=', webhook.id)
            .where('status', '=', 'pending')
            .execute()
          logger.warn({ webhookId: webhook.id, failures }, 'webhook disabled: its endpoint has been failing')
        }
      })
    }
    return claimed.length
  }

  async function runOnce(): Promise<{ fannedOut: number; attempted: number }> {
    const fannedOut = await fanOut()
    const attempted = await deliverDue()
    return { fannedOut, attempted }
  }

  const tick = () => {
    running = runOnce()
      .catch((error) => logger.error({ err: error }, 'webhook dispatch failed; retrying next tick'))
      .finally(() => {
        if (!stopping) handle = setTimeout(tick, options.intervalMs)
      })
  }

  return {
    runOnce,
    start() {
      stopping = false
      tick()
    },
    async stop() {
      stopping = true
      if (handle) clearTimeout(handle)
      await running
    },
  }
}

export type Dispatcher = ReturnType<typeof createDispatcher>
