import type { FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { inTransaction } from '../../db/transaction.js'
import { executorOf } from '../idempotency.js'
import { organizationCategories, type ProjectContext } from '../../../machines/index.js'
import type { AppDeps } from '../../app.js'
import { confinedTo } from '../../domain/access.js'
import { admins, principalOf } from '../auth.js'
import type { SpotCheckRow } from '../../db/tables/spot-check.js'
import { drawSpotCheck, getSpotCheck, listSpotChecks, verifyDraw } from '../../domain/spot-checks.js'
import { decimal, programmeYear, programmeYearParam } from '../schemas.js'

const spotCheckView = z
  .object({
    id: z.uuid(),
    year: z.number().int(),
    category: z.enum(organizationCategories).nullable(),
    method: z.enum(['count', 'percentage']),
    amount: z.number(),
    seed: z.string().describe('with the population, enough to draw again and check the result'),
    population: z.array(z.uuid()).describe('projects in implementation drawn from, sorted by id'),
    selected: z.array(z.uuid()).describe('projects drawn, in draw order'),
    drawnBy: z.string(),
    drawnAt: z.string(),
    reproducible: z.boolean().describe('drawing again from the recorded seed and population gives the same projects'),
  })
  .meta({ id: 'SpotCheck' })

/** `visible`: the projects a bound token may see; the draw is shown with only those (reproducibility is checked on the whole). */
const view = (row: SpotCheckRow, visible?: ReadonlySet<string>) => ({
  id: row.id,
  year: row.year,
  category: row.category as (typeof organizationCategories)[number] | null,
  method: row.method,
  amount: row.amount,
  seed: row.seed,
  population: (row.population as string[]).filter((id) => !visible || visible.has(id)),
  selected: (row.selected as string[]).filter((id) => !visible || visible.has(id)),
  drawnBy: row.drawn_by,
  drawnAt: row.drawn_at.toISOString(),
  reproducible: verifyDraw(row),
})

/** Random spot checks (随机抽查, R12): reproducible from the recorded seed, auditable, findings on each project. */
const drawBase = {
  year: programmeYear,
  category: z.enum(organizationCategories).optional(),
  seed: z.string().trim().min(1).max(200).optional().describe('omit to have one drawn at random and recorded'),
}

/** A draw is by count or by percentage, never both. */
const newSpotCheck = z.union([
  z.strictObject({ ...drawBase, count: z.number().int().min(1).max(10_000) }),
  z.strictObject({ ...drawBase, percentage: z.number().gt(0).max(100) }),
])

export const spotCheckRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  /** The projects of the organization a principal is bound to; undefined for one who sees all. */
  const visibleTo = async (request: FastifyRequest): Promise<ReadonlySet<string> | undefined> => {
    const own = confinedTo(principalOf(request))
    if (!own) return undefined
    return new Set((await deps.db.selectFrom('project').select('id').where('organization_id', '=', own).execute()).map((p) => p.id))
  }

  app.post(
    '/spot-checks',
    {
      config: { access: admins },
      schema: { operationId: 'drawSpotCheck',
        tags: ['programme'],
        summary: 'Draw a random sample of projects in implementation, by count or percentage, optionally by category',
        body: newSpotCheck,
        response: { 201: spotCheckView },
      },
    },
    async (request, reply) => {
      const row = await inTransaction(executorOf(request, deps.db), (trx) => drawSpotCheck(trx, request.body, principalOf(request).name, deps.clock.now()))
      return reply.code(201).header('location', `/api/v1/spot-checks/${row.id}`).send(view(row))
    },
  )

  app.get(
    '/spot-checks',
    {
      config: { access: { roles: ['admin', 'system'], scope: 'projects:read' } },
      schema: { operationId: 'listSpotChecks', summary: 'Spot checks drawn, newest first',
        tags: ['programme'],
        querystring: z.object({ year: programmeYearParam() }),
        response: { 200: z.object({ items: z.array(spotCheckView) }) },
      },
    },
    async (request) => {
      const visible = await visibleTo(request)
      return { items: (await listSpotChecks(deps.db, request.query.year)).map((row) => view(row, visible)) }
    },
  )

  app.get(
    '/spot-checks/:id',
    {
      config: { access: { roles: ['admin', 'system'], scope: 'projects:read' } },
      schema: { operationId: 'getSpotCheck',
        tags: ['programme'],
        summary: 'A draw with the findings recorded on each project it picked',
        params: z.object({ id: z.uuid() }),
        response: {
          200: spotCheckView.extend({
            findings: z.array(
              z.object({ projectId: z.uuid(), rating: z.string(), findings: z.string(), by: z.string(), at: z.string() }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const row = await getSpotCheck(deps.db, request.params.id)
      const visible = await visibleTo(request)
      const selected = (row.selected as string[]).filter((id) => !visible || visible.has(id))
      const projects = selected.length
        ? await deps.db.selectFrom('project').select(['id', 'snapshot']).where('id', 'in', selected).execute()
        : []
      const findings = projects.flatMap((p) =>
        (p.snapshot as { context: ProjectContext }).context.spotChecks
          .filter((c) => c.spotCheckId === row.id)
          .map((c) => ({ projectId: p.id, rating: c.rating, findings: c.findings, by: c.by, at: c.at })),
      )
      return { ...view(row, visible), findings }
    },
  )
}
