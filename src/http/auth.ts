import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Role } from '../../machines/index.js'
import type { Executor } from '../db/database.js'
import type { PrincipalRow } from '../db/tables/principal.js'
import { assertRole } from '../domain/access.js'
import { authenticate, checkPrincipal, hashToken, type Authentication, type Scope } from '../domain/principals.js'
import type { Clock } from '../engine/clock.js'
import { Refusal } from '../errors.js'
import { pagePath } from './security-headers.js'

declare module 'fastify' {
  interface FastifyRequest {
    principal: PrincipalRow | null
  }
}

/** Paths anyone may reach: liveness, the API's documentation, and the console's pages (its API calls carry a token). */
const livenessAndSpec = /^\/(?:health|openapi\.json)(?:\?|$)/
const publicPath = (url: string) => pagePath.test(url) || livenessAndSpec.test(url)
const bearer = /^Bearer\s+(\S+)$/i

const messages = {
  TOKEN_MISSING: 'send an API token: Authorization: Bearer <token>',
  TOKEN_UNKNOWN: 'the token is not one this service issued',
  TOKEN_EXPIRED: 'the token has expired',
  TOKEN_REVOKED: 'the token was revoked',
} as const

/**
 * Principals by token, kept a few seconds so most requests authenticate without a query or a
 * hash (SHA-256 of the token was 2 % of a GET's CPU). Keyed by the token itself, which this
 * process holds anyway while it serves the request; the database keeps only hashes. Expiry is
 * still checked on every request; a revocation through this process's API takes effect at
 * once, one made elsewhere (another process, the token script) within `ttlMs`.
 */
export function createPrincipalCache(ttlMs: number, maxEntries = 10_000, now: () => number = () => performance.now()) {
  const entries = new Map<string, { principal: PrincipalRow; until: number }>()
  return {
    get(token: string): PrincipalRow | undefined {
      const entry = entries.get(token)
      if (entry && entry.until > now()) return entry.principal
      if (entry) entries.delete(token)
      return undefined
    },
    set(token: string, principal: PrincipalRow) {
      if (ttlMs <= 0) return
      // Oldest first out: a Map iterates in insertion order.
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!)
      entries.set(token, { principal, until: now() + ttlMs })
    },
    clear: () => entries.clear(),
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Drops cached principals; called after a principal changes. */
    forgetPrincipals: () => void
  }
}

/** Bearer-token authentication for everything but the public paths (401 with a code when it fails). */
export const authentication = fp(async (app: FastifyInstance, options: { db: Executor; clock: Clock; cacheMs: number }) => {
  const cache = createPrincipalCache(options.cacheMs)
  app.decorate('forgetPrincipals', cache.clear)
  app.decorateRequest('principal', null)
  // Callback style, not async: a remembered principal admits the request without a promise.
  app.addHook('onRequest', (request, _reply, done) => {
    if (publicPath(request.url)) return done()
    const token = request.headers.authorization?.match(bearer)?.[1]
    if (!token) return done(new Refusal(401, 'TOKEN_MISSING', messages.TOKEN_MISSING))
    const now = options.clock.now()
    const cached = cache.get(token)
    if (cached) return done(admit(request, checkPrincipal(cached, now)))
    authenticate(options.db, hashToken(token), now).then((result) => {
      if (result.ok) cache.set(token, result.principal)
      done(admit(request, result))
    }, done)
  })
})

/** Sets the request's principal, or gives the refusal. */
function admit(request: FastifyRequest, result: Authentication): Refusal | undefined {
  if (!result.ok) return new Refusal(401, result.code, messages[result.code])
  request.principal = result.principal
  return undefined
}

/** The authenticated principal of a request on a non-public path. */
export function principalOf(request: FastifyRequest): PrincipalRow {
  if (!request.principal) throw new Refusal(401, 'TOKEN_MISSING', messages.TOKEN_MISSING)
  return request.principal
}

/** A preHandler that lets only these roles (and, for systems, this scope) through. */
export const allow =
  (roles: readonly Role[], scope?: Scope) =>
  async (request: FastifyRequest): Promise<void> =>
    assertRole(principalOf(request), roles, scope)

export const adminOnly = allow(['admin'])
/** Reading across organizations: the organization section, its groups, and systems with projects:read. */
export const townReaders = allow(['admin', 'reviewer', 'assessor', 'system'], 'projects:read')
