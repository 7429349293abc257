import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { indicatorNames, type IndicatorName } from '../../../machines/shared/events.js'
import { projectTypes } from '../../../machines/index.js'
import type { AppDeps } from '../../app.js'
import { admins, everyone, principalOf } from '../auth.js'
import { gradingPolicies, setGradingPolicy } from '../../domain/grading.js'
import { decimal, programmeYear, programmeYearParam } from '../schemas.js'

const yearParams = z.object({ year: programmeYearParam() })
const weight = z.number().min(0).max(1)
const threshold = z.number().min(0).max(100)

const policy = z.strictObject({
  weights: z.strictObject(Object.fromEntries(indicatorNames.map((n) => [n, weight])) as Record<IndicatorName, typeof weight>),
  thresholds: z.strictObject({ excellent: threshold, good: threshold, pass: threshold }),
})

/** Weights and thresholds per year and project type (R14 "分类分级"); defaults until a year sets its own. */
export const gradingRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get(
    '/grading/:year',
    {
      config: { access: everyone },
      schema: { operationId: 'getGrading',
        tags: ['programme'],
        summary: 'The year’s grading policy per project type',
        params: yearParams,
        response: {
          200: z.object({ year: z.number().int(), policies: z.record(z.string(), policy.extend({ stored: z.boolean() })) }),
        },
      },
    },
    async (request) => ({ year: request.params.year, policies: await gradingPolicies(deps.db, request.params.year) }),
  )

  app.put(
    '/grading/:year/:type',
    {
      config: { access: admins },
      schema: { operationId: 'setGrading',
        tags: ['programme'],
        summary: 'Set the year’s weights and thresholds for one project type',
        params: yearParams.extend({ type: z.enum(projectTypes) }),
        body: policy,
        response: { 200: policy.extend({ year: z.number().int(), type: z.enum(projectTypes) }) },
      },
    },
    async (request) => {
      const { weights, thresholds } = request.body
      const { year, type } = request.params
      await deps.db.transaction().execute((trx) => setGradingPolicy(trx, year, type, request.body, principalOf(request).name, deps.clock.now()))
      return { year, type, weights, thresholds }
    },
  )
}
