import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { inTransaction } from '../../db/transaction.js'
import { executorOf } from '../idempotency.js'
import { organizationCategories, organizationCategoryLabels } from '../../../machines/index.js'
import type { OrganizationRow } from '../../db/tables/organization.js'
import { createOrganization, getOrganization, listOrganizations } from '../../domain/organizations.js'
import type { AppDeps } from '../../app.js'
import { confinedTo } from '../../domain/access.js'
import { notFound } from '../../errors.js'
import { admins, principalOf, projectReaders, townReaders } from '../auth.js'
import { idParams, page, pageQuery } from '../schemas.js'

const organization = z
  .object({
    id: z.uuid(),
    name: z.string(),
    category: z.enum(organizationCategories),
    categoryLabel: z.string(),
    secretary: z.string().describe('书记（第一责任人）'),
    leaderInCharge: z.string().describe('分管领导（直接责任人）'),
    parentId: z.uuid().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Organization' })

const newOrganization = z.strictObject({
  name: z.string().trim().min(1).max(200),
  category: z.enum(organizationCategories).describe('village 农村, organ 机关, school 学校, social 社会组织, enterprise 企业'),
  secretary: z.string().trim().min(1).max(50),
  leaderInCharge: z.string().trim().min(1).max(50),
  parentId: z.uuid().optional(),
}).meta({ examples: [{ name: '东村党支部', category: 'village', secretary: '张书记', leaderInCharge: '李委员' }] })

const view = (row: OrganizationRow) => ({
  id: row.id,
  name: row.name,
  category: row.category,
  categoryLabel: organizationCategoryLabels[row.category],
  secretary: row.secretary,
  leaderInCharge: row.leader_in_charge,
  parentId: row.parent_id,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
})

export const organizationRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  app.post(
    '/organizations',
    {
      config: { access: admins },
      schema: { operationId: 'createOrganization',
        tags: ['organizations'],
        summary: 'Register a grassroots Party organization (基层党组织)',
        body: newOrganization,
        response: { 201: organization },
      },
    },
    async (request, reply) => {
      const row = await inTransaction(executorOf(request, deps.db), (trx) => createOrganization(trx, request.body, deps.clock.now()))
      return reply.code(201).header('location', `/api/v1/organizations/${row.id}`).send(view(row))
    },
  )

  app.get(
    '/organizations',
    {
      config: { access: townReaders },
      schema: { operationId: 'listOrganizations', summary: 'List organizations by category, by cursor (an organization token: its own)',
        tags: ['organizations'],
        querystring: z.object({ category: z.enum(organizationCategories).optional(), ...pageQuery }),
        response: { 200: page(organization) },
      },
    },
    async (request) => {
      const result = await listOrganizations(deps.db, { ...request.query, id: confinedTo(principalOf(request)) ?? undefined })
      return { items: result.items.map(view), nextCursor: result.nextCursor }
    },
  )

  app.get(
    '/organizations/:id',
    {
      config: { access: projectReaders },
      schema: { operationId: 'getOrganization', summary: 'An organization: category, secretary, leader in charge',
        tags: ['organizations'],
        params: idParams,
        response: { 200: organization },
      },
    },
    async (request) => {
      const own = confinedTo(principalOf(request))
      if (own && own !== request.params.id) throw notFound('organization', request.params.id, 'ORGANIZATION_NOT_FOUND')
      return view(await getOrganization(deps.db, request.params.id))
    },
  )
}
