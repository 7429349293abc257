import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import helmet from 'helmet'

/**
 * Helmet's security headers on every response. @fastify/helmet builds helmet's middleware anew
 * on every request (7 % of the service's CPU under load, in bench:http); built once here, the
 * same middleware sets the same headers. The API serves JSON and /docs needs its own scripts
 * and styles, so there is no Content-Security-Policy.
 */
export const securityHeaders = fp(async (app: FastifyInstance) => {
  const apply = helmet({ contentSecurityPolicy: false, crossOriginResourcePolicy: { policy: 'same-site' } })
  app.addHook('onRequest', (request, reply, done) => apply(request.raw, reply.raw, (error) => done(error as Error | undefined)))
})
