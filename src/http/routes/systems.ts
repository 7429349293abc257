import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { executorOf } from '../idempotency.js'
import type { AppDeps } from '../../app.js'
import { admins, principalOf, projectReaders } from '../auth.js'
import type { TownSystemRow } from '../../db/tables/system.js'
import { getSystem, listSystems } from '../../domain/systems.js'
import { programmeYear, stateName } from '../schemas.js'

const systemView = z
  .object({
    id: z.uuid(),
    title: z.string(),
    content: z.string(),
    effectiveDate: z.string(),
    sourceProjectId: z.uuid(),
    establishedBy: z.string(),
    establishedAt: z.string(),
  })
  .meta({ id: 'TownSystem' })

const view = (row: TownSystemRow) => ({
  id: row.id,
  title: row.title,
  content: row.content,
  effectiveDate: row.effective_date,
  sourceProjectId: row.source_project_id,
  establishedBy: row.established_by,
  establishedAt: row.established_at.toISOString(),
})

/** Town-wide systems (制度) created when a project's practice is solidified (R15), and the projects they seed. */
export const systemRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get(
    '/systems',
    { config: { access: projectReaders }, schema: { operationId: 'listSystems', summary: 'Town-wide systems (制度) solidified from projects', tags: ['programme'], response: { 200: z.object({ items: z.array(systemView) }) } } },
    async () => ({ items: (await listSystems(deps.db)).map(view) }),
  )

  app.get(
    '/systems/:id',
    {
      config: { access: projectReaders },
      schema: { operationId: 'getSystem', summary: 'A town-wide system: its content, the project it came from and the projects rolling it out',
        tags: ['programme'],
        params: z.object({ id: z.uuid() }),
        response: { 200: systemView },
      },
    },
    async (request) => view(await getSystem(deps.db, request.params.id)),
  )

  app.post(
    '/systems/:id/projects',
    {
      config: { access: admins },
      schema: { operationId: 'seedPromotionProject',
        tags: ['programme'],
        summary: 'Seed a system-promotion project (制度推广型) that rolls this system out; it starts as a draft naming the system',
        params: z.object({ id: z.uuid() }),
        body: z.strictObject({
          organizationId: z.uuid(),
          year: programmeYear,
          title: z.string().trim().min(2).max(200).optional(),
          declaration: z.record(z.string(), z.unknown()).optional().describe('further declaration fields'),
        }),
        response: {
          201: z.object({ id: z.uuid(), state: stateName, sourcePractice: z.record(z.string(), z.unknown()) }),
        },
      },
    },
    async (request, reply) => {
      const { project, sourcePractice } = await deps.engine.startPromotionOfSystem(
        request.params.id,
        request.body,
        principalOf(request).name,
        principalOf(request),
        executorOf(request, deps.db),
      )
      return reply
        .code(201)
        .header('location', `/api/v1/projects/${project.id}`)
        .send({ id: project.id, state: project.state, sourcePractice })
    },
  )
}
