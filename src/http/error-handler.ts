import { randomUUID } from 'node:crypto'
import { STATUS_CODES, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import findMyWay from 'find-my-way'
import fp from 'fastify-plugin'
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod'
import { Refusal, type ErrorCode } from '../errors.js'
import { securityHeadersFor } from './security-headers.js'

/** Fastify's own refusals, renamed to codes that stay stable whatever Fastify calls them next. */
const fastifyCodes: Record<string, { statusCode: number; code: ErrorCode; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { statusCode: 400, code: 'MALFORMED_JSON', message: 'the body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { statusCode: 400, code: 'MALFORMED_JSON', message: 'the JSON body is empty' },
  FST_ERR_CTP_BODY_TOO_LARGE: { statusCode: 413, code: 'BODY_TOO_LARGE', message: 'the body is larger than allowed' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    statusCode: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'send the body as application/json',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    statusCode: 400,
    code: 'INVALID_CONTENT_LENGTH',
    message: 'Content-Length does not match the body',
  },
}

/** The code of a 4xx another library raises, by its status (errors.ts). */
const genericCodes: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  408: 'REQUEST_TIMEOUT',
  413: 'BODY_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
}

/** Errors that mean the database cannot be reached now, rather than that the request was wrong. */
const unavailableCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006'])
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown; errors?: unknown[] } | null
  if (!e) return false
  if (typeof e.code === 'string' && unavailableCodes.has(e.code)) return true
  if (typeof e.message === 'string' && /Connection terminated|connection timeout|Client has encountered a connection error/i.test(e.message)) return true
  return Array.isArray(e.errors) && e.errors.some(isDatabaseUnavailable)
}

/**
 * Database refusals that a request caused and a retry may not: two writers racing to create the
 * same record, a serialization failure or a deadlock between transactions (409, retry), text the
 * database cannot store (400). Safety nets: the routes check first where they can.
 */
const databaseRefusals: Record<string, { statusCode: number; code: ErrorCode; message: string }> = {
  '23505': { statusCode: 409, code: 'CONCURRENT_CHANGE', message: 'another request created or changed the same record at the same moment; read it again and retry' },
  '40001': { statusCode: 409, code: 'CONCURRENT_CHANGE', message: 'another request changed the same records at the same moment; retry' },
  '40P01': { statusCode: 409, code: 'CONCURRENT_CHANGE', message: 'another request changed the same records at the same moment; retry' },
  '22P05': { statusCode: 400, code: 'VALIDATION_FAILED', message: 'the request holds text the database cannot store' },
  '22021': { statusCode: 400, code: 'VALIDATION_FAILED', message: 'the request holds text the database cannot store' },
}

/** The error body for a request id, as every refusal has it. */
const errorJson = (statusCode: number, code: ErrorCode, message: string, requestId: string) => JSON.stringify({ statusCode, code, message, requestId })

/**
 * Refusals Fastify makes before any hook runs (a path that is not valid percent-encoding, a path
 * parameter over its length limit), written in the project's shape with its headers.
 */
export function frameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH'
  const statusCode = tooLong ? 414 : 400
  for (const [name, value] of securityHeadersFor(request.url)) reply.header(name, value)
  return reply
    .code(statusCode)
    .header('x-request-id', request.id)
    .type('application/json; charset=utf-8')
    .send(
      errorJson(
        statusCode,
        tooLong ? 'URI_TOO_LONG' : 'MALFORMED_URL',
        tooLong ? 'a path parameter is longer than any this API takes' : 'the path is not valid percent-encoded UTF-8',
        String(request.id),
      ),
    )
}

/**
 * Refusals Node's HTTP parser makes before Fastify sees a request (headers too large, a request
 * line that is not HTTP): the same shape and headers, written on the socket, which is then closed.
 */
export function clientError(error: NodeJS.ErrnoException & { bytesParsed?: number }, socket: Duplex) {
  if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return socket.destroy()
  const [statusCode, code, message]: [number, ErrorCode, string] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'HEADERS_TOO_LARGE', 'the request headers are larger than allowed']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'REQUEST_TIMEOUT', 'the request took too long to arrive']
        : [400, 'MALFORMED_REQUEST', 'the request is not well-formed HTTP']
  const requestId = randomUUID()
  const body = errorJson(statusCode, code, message, requestId)
  const headers = [
    ...securityHeadersFor('/api/'),
    ['content-type', 'application/json; charset=utf-8'],
    ['content-length', String(Buffer.byteLength(body))],
    ['x-request-id', requestId],
    ['connection', 'close'],
  ]
  const refuse = () => {
    if (!socket.destroyed && socket.writable) socket.end(`HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode]}\r\n${headers.map(([n, v]) => `${n}: ${v}`).join('\r\n')}\r\n\r\n${body}`)
  }
  // Bytes after a whole request (more than its Content-Length said) are a second, malformed one:
  // the first is being served, and its answer goes out before this refusal — never lost behind
  // it, as if what it did had been refused. (Node keeps the answer in flight as _httpMessage.)
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage
  if (inFlight && !inFlight.writableFinished) {
    inFlight.once('finish', refuse)
    inFlight.once('close', refuse)
    return
  }
  refuse()
}

const routeMethods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const

/** One place turns every failure into `{ statusCode, code, message, requestId, details? }` (I7). */
export const errorHandler = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const requestId = String(request.id)
    if (error instanceof Refusal) {
      // Run by the idempotency layer once it has rolled the keyed request's transaction back.
      if (error.afterRollback) request.afterRollback = error.afterRollback
      return reply.code(error.statusCode).send({
        statusCode: error.statusCode,
        code: error.code,
        message: error.message,
        requestId,
        ...(error.details ? { details: error.details } : {}),
      })
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      // A path names the client's own keys: bounded, so a huge key is not echoed back (twice) in the answer.
      const bounded = (text: string) => (text.length > 200 ? `${text.slice(0, 200)}…` : text)
      const fields = error.validation.slice(0, 100).map((v) => ({
        path: bounded([error.validationContext, ...v.instancePath.split('/').filter(Boolean)].join('.')),
        message: bounded(v.message ?? 'invalid'),
      }))
      return reply.code(400).send({
        statusCode: 400,
        code: 'VALIDATION_FAILED',
        message: `invalid ${error.validationContext}: ${fields.map((f) => f.path).join(', ')}`,
        requestId,
        details: { fields },
      })
    }
    if (isDatabaseUnavailable(error)) {
      request.log.error({ err: error }, 'database unavailable')
      return reply.code(503).header('retry-after', '5').send({
        statusCode: 503,
        code: 'DATABASE_UNAVAILABLE',
        message: 'the database cannot be reached just now; nothing was written — retry shortly',
        requestId,
      })
    }
    const known = error.code ? (fastifyCodes[error.code] ?? databaseRefusals[error.code]) : undefined
    // A race lost is worth retrying at once (and is not an answer an Idempotency-Key keeps).
    if (known?.code === 'CONCURRENT_CHANGE') reply.header('retry-after', '1')
    if (known) return reply.code(known.statusCode).send({ ...known, requestId })
    if (isResponseSerializationError(error)) {
      request.log.error({ err: error, issues: error.cause.issues }, 'response does not match its schema')
    } else if (error.statusCode && error.statusCode < 500) {
      // Another library's 4xx: its status where the registry has a code for it, never a code outside the registry.
      const generic = genericCodes[error.statusCode]
      const statusCode = generic ? error.statusCode : 400
      return reply.code(statusCode).send({ statusCode, code: generic ?? 'BAD_REQUEST', message: error.message, requestId })
    } else {
      request.log.error({ err: error }, 'unhandled error')
    }
    return reply.code(500).send({
      statusCode: 500,
      code: 'INTERNAL_ERROR',
      message: 'the service failed to handle this request; it was logged with the request id',
      requestId,
    })
  })

  // Which methods each path takes, so that a path called with another method is told so (405, Allow).
  const paths = findMyWay()
  app.addHook('onRoute', (route) => {
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) {
      if (!paths.hasRoute(method as never, route.url)) paths.on(method as never, route.url, () => undefined)
    }
  })
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!
    const allowed = routeMethods.filter((method) => paths.find(method, path))
    if (allowed.length) {
      return reply.code(405).header('allow', allowed.join(', ')).send({
        statusCode: 405,
        code: 'METHOD_NOT_ALLOWED',
        message: `${path} takes ${allowed.join(', ')}, not ${request.method}`,
        requestId: String(request.id),
        details: { allowed },
      })
    }
    return reply.code(404).send({
      statusCode: 404,
      code: 'ROUTE_NOT_FOUND',
      message: `no route ${request.method} ${path}`,
      requestId: String(request.id),
    })
  })
})
