import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { executorOf } from '../idempotency.js'
import { roles } from '../../../machines/index.js'
import type { AppDeps } from '../../app.js'
import type { PrincipalRow } from '../../db/tables/principal.js'
import { createPrincipal, listPrincipals, revokePrincipal, scopes } from '../../domain/principals.js'
import { admins, everyone, principalOf } from '../auth.js'

const principalView = z
  .object({
    id: z.uuid(),
    name: z.string().describe('recorded as the actor in history'),
    role: z.enum(roles),
    organizationId: z.uuid().nullable(),
    scopes: z.array(z.string()),
    tokenPrefix: z.string().describe('the first characters of the token, to tell tokens apart'),
    expiresAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'Principal' })

const principalBase = {
  name: z.string().trim().min(1).max(100),
  scopes: z.array(z.enum(scopes)).max(scopes.length).optional().describe('for the system role'),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
}

/** An organization's principal is bound to it; a system's may be; the town's roles never are. */
const newPrincipal = z.discriminatedUnion('role', [
  z.strictObject({ ...principalBase, role: z.literal('organization'), organizationId: z.uuid() }),
  z.strictObject({ ...principalBase, role: z.literal('system'), organizationId: z.uuid().optional().describe('binds the system to one organization') }),
  ...(['admin', 'reviewer', 'assessor'] as const).map((role) => z.strictObject({ ...principalBase, role: z.literal(role) })),
])

const view = (p: PrincipalRow) => ({
  id: p.id,
  name: p.name,
  role: p.role,
  organizationId: p.organization_id,
  scopes: p.scopes as string[],
  tokenPrefix: p.token_prefix,
  expiresAt: p.expires_at?.toISOString() ?? null,
  revokedAt: p.revoked_at?.toISOString() ?? null,
  createdBy: p.created_by,
  createdAt: p.created_at.toISOString(),
})

/** API principals and their tokens, for the organization section (admin). */
export const principalRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  app.post(
    '/principals',
    {
      // The token is shown once and never stored: a retry with the same key learns only that it was made.
      config: { access: admins, idempotency: 'withoutBody' },
      schema: { operationId: 'createPrincipal',
        tags: ['principals'],
        summary: 'Create a principal and its API token; the token is shown only in this response',
        body: newPrincipal,
        response: { 201: principalView.extend({ token: z.string() }) },
      },
    },
    async (request, reply) => {
      const { expiresAt, ...rest } = request.body
      const { principal, token } = await createPrincipal(
        executorOf(request, deps.db),
        { ...rest, expiresAt: expiresAt ? new Date(expiresAt) : undefined },
        principalOf(request).name,
        deps.clock.now(),
      )
      return reply.code(201).header('location', `/api/v1/principals/${principal.id}`).send({ ...view(principal), token })
    },
  )

  app.get(
    '/principals',
    { config: { access: admins }, schema: { operationId: 'listPrincipals', summary: 'Every principal and its token’s prefix, expiry and revocation', tags: ['principals'], response: { 200: z.object({ items: z.array(principalView) }) } } },
    async () => ({ items: (await listPrincipals(deps.db)).map(view) }),
  )

  app.get(
    '/principals/me',
    {
      config: { access: everyone },
      schema: {
        operationId: 'getOwnPrincipal',
        tags: ['principals'],
        summary: 'Who the token belongs to: name, role, organization and scopes (the console shows what the role may do)',
        response: { 200: principalView },
      },
    },
    async (request) => view(principalOf(request)),
  )

  app.delete(
    '/principals/:id',
    {
      config: { access: admins },
      schema: { operationId: 'revokePrincipal',
        tags: ['principals'],
        summary: 'Revoke a principal’s token; it stops working at once',
        params: z.object({ id: z.uuid() }),
        response: { 200: principalView },
      },
    },
    async (request) => {
      const revoked = await revokePrincipal(deps.db, request.params.id, deps.clock.now())
      app.forgetPrincipals()
      return view(revoked)
    },
  )
}
