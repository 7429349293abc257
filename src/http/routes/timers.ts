import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { deadlineKinds } from '../../../machines/index.js'
import type { AppDeps } from '../../app.js'
import { confinedTo } from '../../domain/access.js'
import { principalOf } from '../auth.js'
import type { PendingTimer } from '../../db/tables/timer.js'
import { listTimers } from '../../domain/timers.js'
import { shanghaiDateTime } from '../../calendar/year-calendar.js'
import { page, pageQuery } from '../schemas.js'

export const timerView = z
  .object({
    projectId: z.uuid(),
    kind: z.enum(deadlineKinds),
    dueAt: z.string(),
    dueInShanghai: z.string(),
    event: z.unknown().describe('what the scheduler will send'),
  })
  .meta({ id: 'Timer' })

export const viewTimer = (t: PendingTimer) => ({
  projectId: t.project_id,
  kind: t.kind,
  dueAt: t.due_at.toISOString(),
  dueInShanghai: shanghaiDateTime(t.due_at),
  event: t.event,
})

export const timerRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get(
    '/timers',
    {
      config: { access: { roles: ['admin', 'system'], scope: 'projects:read' } },
      schema: { operationId: 'listTimers',
        tags: ['calendar'],
        summary: 'Pending scheduled transitions, in the order they will fire (a bound token: its organization’s)',
        querystring: z.object({
          projectId: z.uuid().optional(),
          kind: z.enum(deadlineKinds).optional(),
          dueBefore: z.iso.datetime({ offset: true }).optional(),
          ...pageQuery,
        }),
        response: { 200: page(timerView) },
      },
    },
    async (request) => {
      const { dueBefore, ...rest } = request.query
      const result = await listTimers(deps.db, {
        ...rest,
        organizationId: confinedTo(principalOf(request)) ?? undefined,
        dueBefore: dueBefore ? new Date(dueBefore) : undefined,
      })
      return { items: result.items.map(viewTimer), nextCursor: result.nextCursor }
    },
  )
}
