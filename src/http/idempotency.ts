import { createHash } from 'node:crypto'
import type { FastifyInstance, FastifyRequest, onResponseHookHandler, onSendAsyncHookHandler, preHandlerAsyncHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { sql, type ControlledTransaction } from 'kysely'
import type { Database, DB, Executor } from '../db/database.js'
import type { Clock } from '../engine/clock.js'
import { Refusal } from '../errors.js'

/**
 * Idempotency-Key on POSTs: office systems retry on timeouts, so a retry with the same key and
 * body gets the first response (status and body) without the work being done twice; the same key
 * with another body is refused. Keys are per principal and kept 48 hours.
 *
 * Never twice, whatever dies when: a keyed request runs in one transaction that holds the key's
 * claim, the request's every write, and the answer it sends — committed together before the
 * answer leaves, or not at all (a killed process's transaction is rolled back by the database).
 * A retry therefore finds either nothing, and does the work, or the committed answer, and replays
 * it. While the first still runs, its transaction holds an advisory lock on the key: a retry meets
 * it and is told 409 IDEMPOTENCY_IN_PROGRESS rather than waiting.
 *
 * A refusal writes nothing, so it is recorded afterwards, in a statement of its own; if that is
 * lost, the retry is refused again or, the state having changed, does the work once.
 *
 * Route handlers reach the database through `executorOf(request, db)`, which is this transaction
 * for a keyed request. A route whose work cannot be one transaction (moving the manual clock,
 * which fires timers batch by batch) sets `config: { idempotency: false }`: its body is an
 * absolute instant, so a repeat is already harmless, and a key there is not recorded. An answer
 * that holds a secret shown once (a new API token) is kept without its body: a retry learns that
 * the work was done, and where, but the secret is never stored (409 IDEMPOTENT_ANSWER_NOT_KEPT).
 */
const KEEP_MS = 48 * 3600_000
const replayedHeaders = ['content-type', 'etag', 'location'] as const

interface KeyedRequest {
  key: string
  hash: string
  trx: ControlledTransaction<Database>
}

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: KeyedRequest | null
    /** Work a refusal asks to stand although its transaction is rolled back (errors.ts `afterRollback`). */
    afterRollback?: () => Promise<unknown>
  }
  interface FastifyContextConfig {
    /**
     * false: an Idempotency-Key is accepted but not recorded (the route's work is idempotent by itself);
     * 'withoutBody': the answer holds a secret shown once, so only its status and headers are kept.
     */
    idempotency?: false | 'withoutBody'
  }
}

interface StoredResponse {
  body: string | null
  headers: Record<string, string>
}

/** Where a route's reads and writes go: the keyed request's transaction, or the database. */
export const executorOf = (request: FastifyRequest, db: DB): Executor => request.idempotency?.trx ?? db

/** What a refused request did that must stand (a passed deadline fired first), done again now that its transaction is gone. */
const standAfterRollback = async (request: FastifyRequest) => {
  const work = request.afterRollback
  request.afterRollback = undefined
  if (!work) return
  // The sweep would do it anyway: a failure here is logged, and the refusal is still answered.
  await work().catch((error: unknown) => request.log.warn({ err: error }, 'deadline firing after a refused keyed request failed'))
}

const finish = async (trx: ControlledTransaction<Database>, how: 'commit' | 'rollback') => {
  if (trx.isCommitted || trx.isRolledBack) return
  await (how === 'commit' ? trx.commit() : trx.rollback()).execute()
}

export const idempotency = fp(async (app: FastifyInstance, options: { db: DB; clock: Clock }) => {
  const { db, clock } = options
  app.decorateRequest('idempotency', null)

  const claim: preHandlerAsyncHookHandler = async (request, reply) => {
    const key = request.headers['idempotency-key']
    if (key === undefined || !request.principal) return
    if (typeof key !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(key)) {
      throw new Refusal(400, 'INVALID_IDEMPOTENCY_KEY', 'Idempotency-Key is 1–200 visible ASCII characters')
    }
    if (request.routeOptions.config.idempotency === false) return
    const principalId = request.principal.id
    const hash = createHash('sha256').update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`).digest('hex')
    const now = clock.now()
    const trx = await db.startTransaction().execute()
    try {
      const locked = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(hashtextextended(${`${principalId}\n${key}`}, 0)) as locked`.execute(trx)
      if (!locked.rows[0]!.locked) {
        reply.header('retry-after', '1')
        throw new Refusal(409, 'IDEMPOTENCY_IN_PROGRESS', 'the first request with this Idempotency-Key is still being handled', { key })
      }
      await trx
        .deleteFrom('idempotency_key')
        .where('principal_id', '=', principalId)
        .where((eb) => eb.or([eb('created_at', '<', new Date(now.getTime() - KEEP_MS)), eb('key', '=', key).and('status_code', 'is', null)]))
        .execute()
      const first = await trx.selectFrom('idempotency_key').selectAll().where('principal_id', '=', principalId).where('key', '=', key).executeTakeFirst()
      if (!first) {
        await trx.insertInto('idempotency_key').values({ principal_id: principalId, key, request_hash: hash, status_code: null, response: null, created_at: now }).execute()
        request.idempotency = { key, hash, trx }
        return
      }
      await finish(trx, 'rollback')
      if (first.request_hash !== hash) {
        throw new Refusal(422, 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a different request', { key })
      }
      const stored = first.response as StoredResponse
      if (stored.body === null) {
        if (stored.headers.location) reply.header('location', stored.headers.location)
        throw new Refusal(409, 'IDEMPOTENT_ANSWER_NOT_KEPT', 'the request with this Idempotency-Key was done; its answer held a secret shown only once, which is not kept', {
          key,
          statusCode: first.status_code,
          ...(stored.headers.location ? { location: stored.headers.location } : {}),
        })
      }
      for (const [name, value] of Object.entries(stored.headers)) reply.header(name, value)
      return reply.code(first.status_code!).header('idempotent-replayed', 'true').send(stored.body)
    } catch (error) {
      await finish(trx, 'rollback').catch(() => undefined)
      throw error
    }
  }

  const record: onSendAsyncHookHandler<unknown> = async (request, reply, payload) => {
    const keyed = request.idempotency
    if (!keyed || !request.principal) return payload
    request.idempotency = null
    const response = (statusCode: number) => {
      const headers: Record<string, string> = {}
      for (const name of replayedHeaders) {
        const value = reply.getHeader(name)
        if (value !== undefined) headers[name] = String(value)
      }
      const body = request.routeOptions.config.idempotency === 'withoutBody' && statusCode < 400 ? null : payload
      return { status_code: statusCode, response: JSON.stringify({ body, headers }) }
    }
    if (reply.statusCode < 400 && typeof payload === 'string') {
      // The answer commits with the work; a failed commit is this request's failure (503 or 500), and nothing was done.
      await keyed.trx.updateTable('idempotency_key').set(response(reply.statusCode)).where('principal_id', '=', request.principal.id).where('key', '=', keyed.key).execute()
      await finish(keyed.trx, 'commit')
      return payload
    }
    await finish(keyed.trx, 'rollback')
    await standAfterRollback(request)
    // A failure of ours is not an answer: let the retry do the work. Nor is a refusal that says to
    // retry (Retry-After: a race lost, the database away). Any other refusal is replayed.
    if (reply.statusCode < 500 && reply.getHeader('retry-after') === undefined && typeof payload === 'string') {
      await db
        .insertInto('idempotency_key')
        .values({ principal_id: request.principal.id, key: keyed.key, request_hash: keyed.hash, ...response(reply.statusCode), created_at: clock.now() })
        .onConflict((oc) => oc.columns(['principal_id', 'key']).doNothing())
        .execute()
    }
    return payload
  }

  // An answer that never went through onSend (a lost connection, a hijacked reply) leaves nothing open.
  const release: onResponseHookHandler = (request, _reply, done) => {
    const keyed = request.idempotency
    if (!keyed) return done()
    request.idempotency = null
    finish(keyed.trx, 'rollback')
      .then(() => standAfterRollback(request))
      .then(() => done(), () => done())
  }

  // Only POST routes carry the hooks, ahead of the route's own, so that other requests pay nothing.
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    if (!methods.includes('POST')) return
    route.preHandler = [claim, ...asArray(route.preHandler)]
    route.onSend = [record, ...asArray(route.onSend)]
    route.onResponse = [release, ...asArray(route.onResponse)]
  })
})

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value])
