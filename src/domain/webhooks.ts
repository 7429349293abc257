import { randomUUID } from 'node:crypto'
import type { Executor } from '../db/database.js'
import type { WebhookRow } from '../db/tables/webhook.js'
import { notFound } from '../errors.js'
import { feedHead } from './feed.js'

/** Webhook subscriptions and their deliveries (issue 5). */
export async function createWebhook(
  db: Executor,
  input: { url: string; topics: string[]; secret: string },
  actor: string,
  now: Date,
): Promise<WebhookRow> {
  // Start at the feed's present: events positioned from now on are delivered.
  const start = await feedHead(db)
  return db
    .insertInto('webhook')
    .values({
      id: randomUUID(),
      url: input.url,
      topics: JSON.stringify(input.topics),
      secret: input.secret,
      enabled: true,
      consecutive_failures: 0,
      failing_since: null,
      disabled_reason: null,
      cursor_position: start,
      created_by: actor,
      created_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
}

export async function getWebhook(db: Executor, id: string): Promise<WebhookRow> {
  const row = await db.selectFrom('webhook').selectAll().where('id', '=', id).executeTakeFirst()
  if (!row) throw notFound('webhook', id, 'WEBHOOK_NOT_FOUND')
  return row
}

export async function listWebhooks(db: Executor): Promise<WebhookRow[]> {
  return db.selectFrom('webhook').selectAll().orderBy('created_at').orderBy('id').execute()
}

export async function enableWebhook(db: Executor, id: string): Promise<WebhookRow> {
  await getWebhook(db, id)
  return db
    .updateTable('webhook')
    .set({ enabled: true, consecutive_failures: 0, failing_since: null, disabled_reason: null })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** Failed deliveries go back in the queue, due now, with a fresh count of attempts. */
export async function redeliverFailed(db: Executor, id: string, now: Date): Promise<number> {
  await getWebhook(db, id)
  const result = await db
    .updateTable('webhook_delivery')
    .set({ status: 'pending', attempts: 0, next_attempt_at: now })
    .where('webhook_id', '=', id)
    .where('status', '=', 'failed')
    .executeTakeFirst()
  return Number(result.numUpdatedRows)
}

export async function listDeliveries(db: Executor, webhookId: string, limit: number) {
  const deliveries = await db
    .selectFrom('webhook_delivery')
    .selectAll()
    .where('webhook_id', '=', webhookId)
    .orderBy('outbox_id', 'desc')
    .limit(limit)
    .execute()
  const attempts = deliveries.length
    ? await db
        .selectFrom('webhook_attempt')
        .selectAll()
        .where('delivery_id', 'in', deliveries.map((d) => d.id))
        .orderBy('id')
        .execute()
    : []
  return deliveries.map((d) => ({ ...d, attemptLog: attempts.filter((a) => a.delivery_id === d.id) }))
}
