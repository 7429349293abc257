import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import helmet from 'helmet'

type Headers = ReadonlyArray<readonly [string, string]>

/**
 * Helmet's security headers: its middleware runs once, against a response that records what it
 * sets, since they depend only on its options (running its dozen middlewares per request was 3 %
 * of the service's CPU on a GET in bench:http). The API serves JSON and /docs needs its own
 * scripts and styles, so there is no Content-Security-Policy.
 */
export function helmetHeaders(): Headers {
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

/**
 * What a JSON answer needs (OWASP's REST security headers): the rest of helmet's set governs
 * documents a browser renders — opener and agent-cluster isolation, DNS prefetching, IE8
 * downloads, Flash and PDF policies, the XSS auditor — and is sent with the pages only.
 */
const apiHeaderNames = new Set(['cross-origin-resource-policy', 'referrer-policy', 'strict-transport-security', 'x-content-type-options', 'x-frame-options'])

/** Pages a browser renders: the API's documentation and the administrators' console. */
export const pagePath = /^\/(?:docs|admin)(?:\/|\?|$)/

export const securityHeaders = fp(async (app: FastifyInstance) => {
  const pageHeaders = helmetHeaders()
  const apiHeaders = pageHeaders.filter(([name]) => apiHeaderNames.has(name))
  app.addHook('onRequest', (request, reply, done) => {
    // Set before anything can fail, so refusals carry them too; integrators match logs by the id.
    for (const [name, value] of pagePath.test(request.url) ? pageHeaders : apiHeaders) reply.header(name, value)
    reply.header('x-request-id', request.id)
    done()
  })
})
