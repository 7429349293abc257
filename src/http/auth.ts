import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Role } from '../../machines/index.js'
import type { Executor } from '../db/database.js'
import type { PrincipalRow } from '../db/tables/principal.js'
import { assertRole } from '../domain/access.js'
import { authenticate, type Scope } from '../domain/principals.js'
import type { Clock } from '../engine/clock.js'
import { Refusal } from '../errors.js'

declare module 'fastify' {
  interface FastifyRequest {
    principal: PrincipalRow | null
  }
}

/** Paths anyone may reach: liveness, the API's documentation, and the console's pages (its API calls carry a token). */
const publicPath = (url: string) => /^\/(health|openapi\.json)(\?|$)/.test(url) || /^\/(docs|admin)(\/|\?|$)/.test(url)

const messages = {
  TOKEN_MISSING: 'send an API token: Authorization: Bearer <token>',
  TOKEN_UNKNOWN: 'the token is not one this service issued',
  TOKEN_EXPIRED: 'the token has expired',
  TOKEN_REVOKED: 'the token was revoked',
} as const

/** Bearer-token authentication for everything but the public paths (401 with a code when it fails). */
export const authentication = fp(async (app: FastifyInstance, options: { db: Executor; clock: Clock }) => {
  app.decorateRequest('principal', null)
  app.addHook('onRequest', async (request) => {
    if (publicPath(request.url)) return
    const header = request.headers.authorization
    const token = header?.match(/^Bearer\s+(\S+)$/i)?.[1]
    if (!token) throw new Refusal(401, 'TOKEN_MISSING', messages.TOKEN_MISSING)
    const result = await authenticate(options.db, token, options.clock.now())
    if (!result.ok) throw new Refusal(401, result.code, messages[result.code])
    request.principal = result.principal
  })
})

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
