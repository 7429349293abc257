import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import helmet from 'helmet'

type Headers = ReadonlyArray<readonly [string, string]>

/**
 * A Content-Security-Policy for the pages (/admin keeps an admin token in sessionStorage): scripts,
 * styles, fonts, images and API calls from this origin only, no inline script, no plugins, no
 * framing, no other base or form target. Inline styles stay allowed: Mermaid writes a <style> into
 * each diagram and Swagger UI sets style attributes. The browser tests run both pages under it and
 * fail on any violation.
 */
export const pageContentSecurityPolicy = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    baseUri: ["'self'"],
    connectSrc: ["'self'"],
    fontSrc: ["'self'", 'data:'],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    imgSrc: ["'self'", 'data:'],
    objectSrc: ["'none'"],
    scriptSrc: ["'self'"],
    scriptSrcAttr: ["'none'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
  },
}

/**
 * Helmet's security headers: its middleware runs once, against a response that records what it
 * sets, since they depend only on its options (running its dozen middlewares per request was 3 %
 * of the service's CPU on a GET in bench:http).
 */
export function helmetHeaders(): Headers {
  const headers: Array<[string, string]> = []
  const recorder = {
    setHeader: (name: string, value: string) => headers.push([name.toLowerCase(), value]),
    // Helmet removes X-Powered-By, which Node's http (unlike Express) never sets.
    removeHeader: () => {},
  }
  helmet({ contentSecurityPolicy: pageContentSecurityPolicy, crossOriginResourcePolicy: { policy: 'same-site' } })(
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

const pageHeaders = helmetHeaders()
/** API answers are per caller and change with every write: no cache, shared or private, keeps them. */
const apiHeaders: Headers = [...pageHeaders.filter(([name]) => apiHeaderNames.has(name)), ['cache-control', 'no-store']]

/** The headers an answer to this URL carries; also for refusals written before any hook runs. */
export const securityHeadersFor = (url: string): Headers => (pagePath.test(url) ? pageHeaders : apiHeaders)

export const securityHeaders = fp(async (app: FastifyInstance) => {
  app.addHook('onRequest', (request, reply, done) => {
    // Set before anything can fail, so refusals carry them too; integrators match logs by the id.
    for (const [name, value] of securityHeadersFor(request.url)) reply.header(name, value)
    reply.header('x-request-id', request.id)
    done()
  })
})
