import { createHash } from 'node:crypto'
import type { FastifyInstance, onSendAsyncHookHandler, preHandlerAsyncHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import type { Executor } from '../db/database.js'
import type { Clock } from '../engine/clock.js'
import { Refusal } from '../errors.js'

/**
 * Idempotency-Key on POSTs (issue 5): office systems retry on timeouts, so a retry with the same
 * key and body gets the first response (status and body) without the work being done twice;
 * the same key with another body is refused. Keys are per principal and kept 48 hours.
 */
const KEEP_MS = 48 * 3600_000
/** A first request that has not answered in this long is taken to have died; a retry may run. */
const ABANDONED_MS = 60_000
const replayedHeaders = ['content-type', 'etag', 'location'] as const

declare module 'fastify' {
  interface FastifyRequest {
    idempotencyKey: string | null
  }
}

interface StoredResponse {
  body: string
  headers: Record<string, string>
}

export const idempotency = fp(async (app: FastifyInstance, options: { db: Executor; clock: Clock }) => {
  const { db, clock } = options
  app.decorateRequest('idempotencyKey', null)

  const claim: preHandlerAsyncHookHandler = async (request, reply) => {
    const key = request.headers['idempotency-key']
    if (request.method !== 'POST' || key === undefined || !request.principal) return
    if (typeof key !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(key)) {
      throw new Refusal(400, 'INVALID_IDEMPOTENCY_KEY', 'Idempotency-Key is 1–200 visible ASCII characters')
    }
    const principalId = request.principal.id
    const hash = createHash('sha256').update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`).digest('hex')
    const now = clock.now()
    await db
      .deleteFrom('idempotency_key')
      .where('principal_id', '=', principalId)
      .where('created_at', '<', new Date(now.getTime() - KEEP_MS))
      .execute()
    const claimed = await db
      .insertInto('idempotency_key')
      .values({ principal_id: principalId, key, request_hash: hash, status_code: null, response: null, created_at: now })
      .onConflict((oc) => oc.columns(['principal_id', 'key']).doNothing())
      .returning('key')
      .executeTakeFirst()
    if (claimed) {
      request.idempotencyKey = key
      return
    }
    const first = await db
      .selectFrom('idempotency_key')
      .selectAll()
      .where('principal_id', '=', principalId)
      .where('key', '=', key)
      .executeTakeFirstOrThrow()
    if (first.request_hash !== hash) {
      throw new Refusal(422, 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a different request', { key })
    }
    if (first.status_code === null) {
      const abandoned = now.getTime() - first.created_at.getTime() > ABANDONED_MS
      const taken =
        abandoned &&
        (await db
          .updateTable('idempotency_key')
          .set({ created_at: now })
          .where('principal_id', '=', principalId)
          .where('key', '=', key)
          .where('status_code', 'is', null)
          .where('created_at', '=', first.created_at)
          .executeTakeFirst())
      if (taken && Number(taken.numUpdatedRows) === 1) {
        request.idempotencyKey = key
        return
      }
      reply.header('retry-after', '1')
      throw new Refusal(409, 'IDEMPOTENCY_IN_PROGRESS', 'the first request with this Idempotency-Key is still being handled', { key })
    }
    const stored = first.response as StoredResponse
    for (const [name, value] of Object.entries(stored.headers)) reply.header(name, value)
    return reply.code(first.status_code).header('idempotent-replayed', 'true').send(stored.body)
  }

  const record: onSendAsyncHookHandler<unknown> = async (request, reply, payload) => {
    const key = request.idempotencyKey
    if (!key || !request.principal) return payload
    request.idempotencyKey = null
    const where = db.deleteFrom('idempotency_key').where('principal_id', '=', request.principal.id).where('key', '=', key)
    // A failure of ours is not an answer: let the retry do the work.
    if (reply.statusCode >= 500 || typeof payload !== 'string') {
      await where.execute()
      return payload
    }
    const headers: Record<string, string> = {}
    for (const name of replayedHeaders) {
      const value = reply.getHeader(name)
      if (value !== undefined) headers[name] = String(value)
    }
    await db
      .updateTable('idempotency_key')
      .set({ status_code: reply.statusCode, response: JSON.stringify({ body: payload, headers }) })
      .where('principal_id', '=', request.principal.id)
      .where('key', '=', key)
      .execute()
    return payload
  }

  // Only POST routes carry the hooks, ahead of the route's own, so that other requests pay nothing.
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    if (!methods.includes('POST')) return
    route.preHandler = [claim, ...asArray(route.preHandler)]
    route.onSend = [record, ...asArray(route.onSend)]
  })
})

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value])
