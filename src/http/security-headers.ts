import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import helmet from 'helmet'

/**
 * Helmet's security headers, and the request id, on every response. Helmet's headers depend only
 * on its options, so its middleware runs once, against a response that records what it sets, and
 * each request then gets the recorded headers in one synchronous hook (running helmet's dozen
 * middlewares per request was 3 % of the service's CPU on a GET in bench:http). The API serves
 * JSON and /docs needs its own scripts and styles, so there is no Content-Security-Policy.
 */
export function helmetHeaders(): ReadonlyArray<readonly [string, string]> {
  const headers: Array<[string, string]> = []
  const recorder = {
    setHeader: (name: string, value: string) => headers.push([name.toLowerCase(), value]),
    // Helmet removes X-Powered-By, which Node's http (unlike Express) never sets.
    removeHeader: () => {},
  }
  helmet({ contentSecurityPolicy: false, crossOriginResourcePolicy: { policy: 'same-site' } })(
    {} as IncomingMessage,
    recorder as unknown as ServerResponse,
    (error?: unknown) => {
      if (error) throw error
    },
  )
  return headers
}

export const securityHeaders = fp(async (app: FastifyInstance) => {
  const headers = helmetHeaders()
  app.addHook('onRequest', (request, reply, done) => {
    // Set before anything can fail, so refusals carry them too; integrators match logs by the id.
    for (const [name, value] of headers) reply.header(name, value)
    reply.header('x-request-id', request.id)
    done()
  })
})
