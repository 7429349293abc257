import { outboxTopics, type OutboxTopic } from '../../domain/outbox.js'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { executorOf } from '../idempotency.js'
import type { AppDeps } from '../../app.js'
import type { WebhookRow } from '../../db/tables/webhook.js'
import { createWebhook, enableWebhook, getWebhook, listDeliveries, listWebhooks, redeliverFailed } from '../../domain/webhooks.js'
import { admins, principalOf } from '../auth.js'
import { decimal } from '../schemas.js'
import { checkDestination } from '../../webhooks/destination.js'

const webhookView = z
  .object({
    id: z.uuid(),
    url: z.string(),
    topics: z.array(z.enum(outboxTopics)).describe('empty: every topic'),
    enabled: z.boolean(),
    consecutiveFailures: z.number().int(),
    disabledReason: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'Webhook' })

const view = (w: WebhookRow) => ({
  id: w.id,
  url: w.url,
  topics: w.topics as OutboxTopic[],
  enabled: w.enabled,
  consecutiveFailures: w.consecutive_failures,
  disabledReason: w.disabled_reason,
  createdBy: w.created_by,
  createdAt: w.created_at.toISOString(),
})

const idParams = z.object({ id: z.uuid() })

/** Webhooks (admin): signed, retried deliveries of the event feed to other office systems. */
export const webhookRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  app.post(
    '/webhooks',
    {
      config: { access: admins },
      schema: { operationId: 'createWebhook',
        tags: ['events'],
        summary: 'Subscribe a URL to events from now on; deliveries are signed with the secret (HMAC-SHA256)',
        body: z.strictObject({
          url: z.url({ protocol: /^https?$/ }).max(2000).meta({ pattern: '^[Hh][Tt][Tt][Pp][Ss]?://' }),
          topics: z.array(z.enum(outboxTopics)).max(50).default([]),
          secret: z.string().min(16).max(200).describe('shared with the receiver to verify signatures; not shown again'),
        }),
        response: { 201: webhookView },
      },
    },
    async (request, reply) => {
      await checkDestination(request.body.url, deps.webhookPolicy)
      const row = await createWebhook(executorOf(request, deps.db), request.body, principalOf(request).name, deps.clock.now())
      return reply.code(201).header('location', `/api/v1/webhooks/${row.id}`).send(view(row))
    },
  )

  app.get(
    '/webhooks',
    { config: { access: admins }, schema: { operationId: 'listWebhooks', summary: 'Every webhook with its state', tags: ['events'], response: { 200: z.object({ items: z.array(webhookView) }) } } },
    async () => ({ items: (await listWebhooks(deps.db)).map(view) }),
  )

  app.get(
    '/webhooks/:id',
    { config: { access: admins }, schema: { operationId: 'getWebhook', summary: 'A webhook: its URL, topics, state and position in the feed', tags: ['events'], params: idParams, response: { 200: webhookView } } },
    async (request) => view(await getWebhook(deps.db, request.params.id)),
  )

  app.get(
    '/webhooks/:id/deliveries',
    {
      config: { access: admins },
      schema: { operationId: 'listWebhookDeliveries',
        tags: ['events'],
        summary: 'Recent deliveries, newest first, each with its attempts',
        params: idParams,
        querystring: z.object({ limit: decimal(z.number().int().min(1).max(500)).default(100) }),
        response: {
          200: z.object({
            items: z.array(
              z.object({
                id: z.uuid(),
                eventId: z.string(),
                topic: z.string(),
                status: z.enum(['pending', 'delivered', 'failed']),
                attempts: z.array(
                  z.object({ attempt: z.number().int(), statusCode: z.number().int().nullable(), error: z.string().nullable(), durationMs: z.number().int(), at: z.string() }),
                ),
                nextAttemptAt: z.string().nullable(),
                deliveredAt: z.string().nullable(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      await getWebhook(deps.db, request.params.id)
      const rows = await listDeliveries(deps.db, request.params.id, request.query.limit)
      return {
        items: rows.map((d) => ({
          id: d.id,
          eventId: String(d.outbox_id),
          topic: d.topic,
          status: d.status,
          attempts: d.attemptLog.map((a) => ({
            attempt: a.attempt,
            statusCode: a.status_code,
            error: a.error,
            durationMs: a.duration_ms,
            at: a.at.toISOString(),
          })),
          nextAttemptAt: d.status === 'pending' ? d.next_attempt_at.toISOString() : null,
          deliveredAt: d.delivered_at?.toISOString() ?? null,
        })),
      }
    },
  )

  app.post(
    '/webhooks/:id/enable',
    { config: { access: admins }, schema: { operationId: 'enableWebhook', tags: ['events'], summary: 'Re-enable a disabled webhook', params: idParams, response: { 200: webhookView } } },
    async (request) => view(await enableWebhook(executorOf(request, deps.db), request.params.id)),
  )

  app.post(
    '/webhooks/:id/redeliver',
    {
      config: { access: admins },
      schema: { operationId: 'redeliverWebhook',
        tags: ['events'],
        summary: 'Queue every failed delivery of the webhook again',
        params: idParams,
        response: { 200: z.object({ requeued: z.number().int() }) },
      },
    },
    async (request) => ({ requeued: await redeliverFailed(executorOf(request, deps.db), request.params.id, deps.clock.now()) }),
  )
}
