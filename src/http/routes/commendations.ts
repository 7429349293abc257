import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { inTransaction } from '../../db/transaction.js'
import { executorOf } from '../idempotency.js'
import type { AppDeps } from '../../app.js'
import { listedOrganization } from '../../domain/access.js'
import { admins, principalOf, projectReaders } from '../auth.js'
import { commendationKinds, commendationLevels, recipientTypes } from '../../db/tables/commendation.js'
import { commend, commendationView, listCommendations } from '../../domain/commendations.js'
import { decimal, programmeYear, programmeYearParam } from '../schemas.js'

const commendationBase = {
  year: programmeYear,
  kind: z.enum(['commendation', 'materialReward']),
  level: z.enum(commendationLevels),
  organizationId: z.uuid(),
  title: z.string().trim().min(1).max(200),
  reason: z.string().trim().min(1).max(5000),
  awardedAt: z.iso.date().describe('YYYY-MM-DD'),
}

/** Who is commended decides what the request names: the project, or the worker (R18). */
const newCommendation = z.discriminatedUnion('recipientType', [
  z.strictObject({ ...commendationBase, recipientType: z.literal('organization'), projectId: z.uuid().optional().describe('the project the commendation rests on') }),
  z.strictObject({ ...commendationBase, recipientType: z.literal('worker'), workerName: z.string().trim().min(1).max(100), projectId: z.uuid().optional() }),
  z.strictObject({ ...commendationBase, recipientType: z.literal('project'), projectId: z.uuid() }),
])

export const commendationSchema = z
  .object({
    id: z.uuid(),
    year: z.number().int(),
    kind: z.enum(commendationKinds),
    kindLabel: z.string(),
    level: z.enum(commendationLevels),
    levelLabel: z.string(),
    recipientType: z.enum(recipientTypes),
    organizationId: z.uuid(),
    projectId: z.uuid().nullable(),
    workerName: z.string().nullable(),
    title: z.string(),
    reason: z.string(),
    basis: z.unknown().describe('the assessment it rests on'),
    followsId: z.uuid().nullable().describe('for a further commendation: the commendation it follows'),
    awardedBy: z.string(),
    awardedAt: z.string(),
  })
  .meta({ id: 'Commendation' })

/** Commendations and material rewards (R18) to organizations, Party-affairs workers and projects. */
export const commendationRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  app.post(
    '/commendations',
    {
      config: { access: admins },
      schema: { operationId: 'createCommendation',
        tags: ['programme'],
        summary: 'Record a commendation or material reward; an innovation project commended at county level or above also gets the town’s further commendation',
        body: newCommendation,
        response: { 201: z.object({ items: z.array(commendationSchema) }) },
      },
    },
    async (request, reply) => {
      const rows = await inTransaction(executorOf(request, deps.db), (trx) =>
          commend(
            trx,
            { ...request.body, awardedAt: request.body.awardedAt },
            principalOf(request).name,
            deps.clock.now(),
          ),
        )
      return reply.code(201).send({ items: rows.map(commendationView) })
    },
  )

  app.get(
    '/commendations',
    {
      config: { access: projectReaders },
      schema: { operationId: 'listCommendations', summary: 'Commendations and rewards by year, organization or project',
        tags: ['programme'],
        querystring: z.object({
          year: programmeYearParam().optional(),
          organizationId: z.uuid().optional(),
          projectId: z.uuid().optional(),
        }),
        response: { 200: z.object({ items: z.array(commendationSchema) }) },
      },
    },
    async (request) => {
      const organizationId = listedOrganization(principalOf(request), request.query.organizationId)
      if (organizationId === false) return { items: [] }
      return { items: (await listCommendations(deps.db, { ...request.query, organizationId })).map(commendationView) }
    },
  )
}
