import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import type { Logger } from 'pino'
import type { DB } from '../db/database.js'
import type { WebhookDeliveryRow, WebhookRow } from '../db/tables/webhook.js'
import { positionCommitted, readFeed } from '../domain/feed.js'
import type { Clock } from '../engine/clock.js'
import { sign } from './signature.js'

/**
 * Delivers the event feed to webhooks, in the service's background loop (never inside a
 * request): fan-out copies new feed events into per-webhook deliveries; delivery POSTs each,
 * signed, and retries with exponential backoff until it succeeds. At least once: receivers
 * deduplicate by the delivery id. A webhook that keeps failing is disabled until re-enabled.
 */
export interface DispatcherOptions {
  db: DB
  clock: Clock
  logger: Logger
  intervalMs: number
  /** Timeout of one delivery attempt. */
  timeoutMs?: number
  /** Consecutive failed attempts after which a webhook is disabled. */
  disableAfter?: number
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
  const disableAfter = options.disableAfter ?? 10
  const maxAttempts = options.maxAttempts ?? 12
  let handle: NodeJS.Timeout | undefined
  let stopping = false
  let running: Promise<unknown> = Promise.resolve()

  /** Copies feed events past each webhook's cursor into deliveries; returns how many. */
  async function fanOut(): Promise<number> {
    let created = 0
    await positionCommitted(db)
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
    const timestamp = Math.floor(clock.now().getTime() / 1000)
    const started = performance.now()
    let statusCode: number | null = null
    let error: string | null = null
    try {
      const response = await fetch(webhook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'dangjian-flow-webhooks/1',
          'x-djf-delivery': delivery.id,
          'x-djf-topic': delivery.topic,
          'x-djf-timestamp': String(timestamp),
          'x-djf-signature': sign(webhook.secret, timestamp, body),
        },
        body,
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'manual',
      })
      statusCode = response.status
      await response.arrayBuffer().catch(() => undefined)
    } catch (e) {
      error = (e as Error).name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : String((e as Error).message)
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
        // Counted in the database, so that two dispatchers failing at once both count.
        const { failures } = await trx
          .updateTable('webhook')
          .set({ consecutive_failures: result.ok ? 0 : sql<number>`consecutive_failures + 1` })
          .where('id', '=', webhook.id)
          .returning('consecutive_failures as failures')
          .executeTakeFirstOrThrow()
        const disable = failures >= disableAfter
        if (disable) {
          await trx
            .updateTable('webhook')
            .set({ enabled: false, disabled_reason: `${failures} failed attempts in a row; last: ${result.error ?? `HTTP ${result.statusCode}`}` })
            .where('id', '=', webhook.id)
            .execute()
          // What it had not delivered is given up as failed; redelivery after re-enabling sends it again.
          await trx
            .updateTable('webhook_delivery')
            .set({ status: 'failed' })
            .where('webhook_id', '=', webhook.id)
            .where('status', '=', 'pending')
            .execute()
          logger.warn({ webhookId: webhook.id, failures }, 'webhook disabled after repeated failures')
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
