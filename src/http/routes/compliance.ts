import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { organizationCategories, organizationCategoryLabels } from '../../../machines/index.js'
import type { AppDeps } from '../../app.js'
import { confinedTo } from '../../domain/access.js'
import { notFound } from '../../errors.js'
import { principalOf, projectReaders, townReaders } from '../auth.js'
import { compliance, complianceTotals } from '../../domain/compliance.js'
import { getOrganization } from '../../domain/organizations.js'
import { complianceLabels } from '../../domain/reports.js'
import { decimal, programmeYear, programmeYearParam } from '../schemas.js'

const yearQuery = z.object({ year: programmeYearParam() })

export const complianceView = z
  .object({
    organizationId: z.uuid(),
    name: z.string(),
    category: z.enum(organizationCategories),
    categoryLabel: z.string(),
    foundation: z.number().int().describe('declared foundation projects (the "1")'),
    elective: z.number().int().describe('declared innovation and promotion projects (the "X")'),
    status: z.enum(['compliant', 'missingFoundation', 'missingElective', 'missingBoth']),
    statusLabel: z.string(),
  })
  .meta({ id: 'Compliance' })

const view = (row: Awaited<ReturnType<typeof compliance>>[number]) => ({
  ...row,
  categoryLabel: organizationCategoryLabels[row.category],
  statusLabel: complianceLabels[row.status],
})

/** "1+X" (R5): which organizations declared one foundation and at least one elective project this year. */
export const complianceRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get(
    '/compliance',
    {
      config: { access: townReaders },
      schema: { operationId: 'listCompliance',
        tags: ['programme'],
        summary: '"1+X" for every organization in a year, with counts',
        querystring: yearQuery,
        response: {
          200: z.object({
            year: z.number().int(),
            items: z.array(complianceView),
            totals: z.object({
              organizations: z.number().int(),
              compliant: z.number().int(),
              missingFoundation: z.number().int(),
              missingElective: z.number().int(),
              missingBoth: z.number().int(),
            }),
          }),
        },
      },
    },
    async (request) => {
      const rows = await compliance(deps.db, request.query.year, confinedTo(principalOf(request)) ?? undefined)
      return { year: request.query.year, items: rows.map(view), totals: complianceTotals(rows) }
    },
  )

  app.get(
    '/organizations/:id/compliance',
    {
      config: { access: projectReaders },
      schema: { operationId: 'getOrganizationCompliance',
        tags: ['programme'],
        summary: '"1+X" for one organization in a year',
        params: z.object({ id: z.uuid() }),
        querystring: yearQuery,
        response: { 200: complianceView.extend({ year: z.number().int() }) },
      },
    },
    async (request) => {
      const own = confinedTo(principalOf(request))
      if (own && own !== request.params.id) throw notFound('organization', request.params.id, 'ORGANIZATION_NOT_FOUND')
      await getOrganization(deps.db, request.params.id)
      const [row] = await compliance(deps.db, request.query.year, request.params.id)
      return { year: request.query.year, ...view(row!) }
    },
  )
}
