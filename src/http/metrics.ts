import { createHash, timingSafeEqual } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Refusal } from '../errors.js'
import type { ServiceMetrics } from '../metrics/service-metrics.js'

/**
 * Counts every answer into the service's metrics (its route template, status and time, and a
 * refusal's code), and serves `/metrics` behind a token of its own (METRICS_TOKEN) — not an API
 * token: a scraper learns nothing else and can do nothing else. A separate port (METRICS_PORT,
 * `metricsServer`) serves it without one, for a network only the scraper reaches.
 */
export const metricsHooks = fp(async (app: FastifyInstance, options: { metrics: ServiceMetrics; token: string | undefined }) => {
  const { metrics } = options
  app.addHook('preSerialization', (_request, reply, payload, done) => {
    // Every refusal's body passes here as an object, whichever handler made it.
    if (reply.statusCode >= 400) {
      const code = (payload as { code?: unknown } | null)?.code
      if (typeof code === 'string') metrics.refusal(code)
    }
    done(null, payload)
  })
  app.addHook('onResponse', (request, reply, done) => {
    metrics.request(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000)
    done()
  })
  if (!options.token) return
  const expected = createHash('sha256').update(options.token).digest()
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    const header = request.headers.authorization
    if (!header) throw new Refusal(401, 'TOKEN_MISSING', 'send the metrics token: Authorization: Bearer <METRICS_TOKEN>')
    const given = createHash('sha256').update(header.replace(/^Bearer\s+/i, '')).digest()
    if (!timingSafeEqual(given, expected)) throw new Refusal(401, 'TOKEN_UNKNOWN', 'this is not the metrics token')
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics())
  })
})

/** `/metrics` on a port of its own, without a token (METRICS_PORT). */
export function metricsServer(metrics: ServiceMetrics): Server {
  return createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n')
      return
    }
    metrics.registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      () => response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics could not be collected\n'),
    )
  })
}
