import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { roles, type Role } from '../../machines/index.js'
import type { Executor } from '../db/database.js'
import type { PrincipalRow } from '../db/tables/principal.js'
import { assertRole } from '../domain/access.js'
import { authenticate, checkPrincipal, hashToken, type Authentication, type Scope } from '../domain/principals.js'
import type { Clock } from '../engine/clock.js'
import { Refusal } from '../errors.js'
import { createFailureBudget } from './authentication-failures.js'
import { pagePath } from './security-headers.js'

declare module 'fastify' {
  interface FastifyRequest {
    principal: PrincipalRow | null
  }
}

/**
 * Paths anyone may reach: liveness, the API's documentation, and the console's pages (its API
 * calls carry a token); /metrics checks a token of its own, never an API token (http/metrics.ts).
 */
const livenessAndSpec = /^\/(?:health|openapi\.json|metrics)(?:\?|$)/
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

export interface AuthenticationOptions {
  db: Executor
  clock: Clock
  cacheMs: number
  cacheClock?: (() => number) | undefined
  /** Failed authentications an address may make per minute before it is refused without a lookup. */
  failuresPerMinute: number
}

/** Bearer-token authentication for everything but the public paths (401 with a code when it fails). */
export const authentication = fp(async (app: FastifyInstance, options: AuthenticationOptions) => {
  const cache = createPrincipalCache(options.cacheMs, undefined, options.cacheClock)
  const failures = createFailureBudget(options.failuresPerMinute, options.cacheClock)
  // Tokens that authenticated here lately: still looked up (and admitted) when their address has
  // spent its failure budget, so guessers on a shared address (behind a proxy) lock no client out.
  const vouched = createPrincipalCache(24 * 3600_000, 10_000, options.cacheClock)
  app.decorate('forgetPrincipals', cache.clear)
  app.decorateRequest('principal', null)
  // Callback style, not async: a remembered principal admits the request without a promise.
  app.addHook('onRequest', (request, reply, done) => {
    // A path nothing serves is 404 for everyone (a method it does not take, 405): there is nothing to guard.
    if (publicPath(request.url) || request.is404) return done()
    const address = request.ip
    const fail = (refusal: Refusal | undefined) => {
      if (refusal) failures.spend(address)
      done(refusal)
    }
    const spent = () => {
      const retryAfter = failures.exhausted(address)
      if (!retryAfter) return false
      reply.header('retry-after', String(retryAfter))
      done(
        new Refusal(429, 'RATE_LIMITED', `more than ${options.failuresPerMinute} failed authentications a minute from this address; retry in ${retryAfter} s`, {
          limit: options.failuresPerMinute,
          retryAfter,
        }),
      )
      return true
    }
    const token = request.headers.authorization?.match(bearer)?.[1]
    if (!token) return spent() || fail(new Refusal(401, 'TOKEN_MISSING', messages.TOKEN_MISSING))
    const now = options.clock.now()
    const cached = cache.get(token)
    if (cached) return fail(admit(request, checkPrincipal(cached, now)))
    if (!vouched.get(token) && spent()) return
    authenticate(options.db, hashToken(token), now).then((result) => {
      if (result.ok) {
        cache.set(token, result.principal)
        vouched.set(token, result.principal)
      }
      fail(admit(request, result))
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

/**
 * Who may call a route: every route under /api/v1 declares it in `config.access` (refused at start
 * otherwise), so the route table says who may call what and the authorization matrix test is
 * built from it. The check runs before validation: a caller who may not use a route learns
 * nothing from its validation. A principal bound to an organization (an organization's token,
 * a bound system's) sees only that organization's records; the routes apply that themselves,
 * through `confinedTo`, and answer 404 for another organization's ids.
 */
export interface Access {
  roles: readonly Role[]
  /** For system principals: the scope they need as well. */
  scope?: Scope
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access
  }
}

export const everyone: Access = { roles }
export const admins: Access = { roles: ['admin'] }
/** Reading records across organizations: the organization section, its groups, and systems with projects:read. */
export const townReaders: Access = { roles: ['admin', 'reviewer', 'assessor', 'system'], scope: 'projects:read' }
/** Reading what one may see of projects and the programme: every role (a bound one its own), systems with projects:read. */
export const projectReaders: Access = { roles, scope: 'projects:read' }

export interface RouteAccess {
  method: string
  url: string
  access: Access
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every API route with its declared access, as registered. */
    accessTable: RouteAccess[]
  }
}

export const apiPrefix = '/api/v1/'

/** Enforces each API route's declared access, and records the route table. */
export const accessControl = fp(async (app: FastifyInstance) => {
  const table: RouteAccess[] = []
  app.decorate('accessTable', table)
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith(apiPrefix)) return
    const access = route.config?.access
    if (!access) throw new Error(`${String(route.method)} ${route.url} declares no access (config.access)`)
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) table.push({ method, url: route.url, access })
    const check = (request: FastifyRequest, _reply: unknown, done: (error?: Error) => void) => {
      try {
        assertRole(principalOf(request), access.roles, access.scope)
        done()
      } catch (error) {
        done(error as Error)
      }
    }
    route.preValidation = [check, ...(route.preValidation === undefined ? [] : Array.isArray(route.preValidation) ? route.preValidation : [route.preValidation])]
  })
})
