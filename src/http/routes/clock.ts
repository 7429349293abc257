import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { AppDeps } from '../../app.js'
import { admins, everyone } from '../auth.js'
import { shanghaiDateTime } from '../../calendar/year-calendar.js'

const clockView = z
  .object({
    mode: z.enum(['system', 'manual']),
    now: z.string().describe('UTC'),
    nowInShanghai: z.string(),
  })
  .meta({ id: 'Clock' })

export const clockRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  const view = () => ({ mode: deps.clock.mode, now: deps.clock.now().toISOString(), nowInShanghai: shanghaiDateTime(deps.clock.now()) })

  app.get(
    '/admin/clock',
    { config: { access: everyone }, schema: { operationId: 'getClock', tags: ['admin'], summary: 'The service’s time and whether it can be moved', response: { 200: clockView } } },
    async () => view(),
  )

  app.post(
    '/admin/clock',
    {
      // Its timers fire batch by batch, not in one transaction; moving to an instant already reached does nothing.
      config: { access: admins, idempotency: false },
      schema: { operationId: 'advanceClock',
        tags: ['admin'],
        summary: 'Manual clock only (CLOCK=manual): move time forward; returns when every timer due by then has fired, in order',
        body: z.strictObject({ to: z.iso.datetime({ offset: true }).describe('the instant to move to') }),
        response: {
          200: clockView.extend({ fired: z.number().int(), skipped: z.number().int() }),
        },
      },
    },
    async (request) => {
      const result = await deps.scheduler.advanceTo(new Date(request.body.to))
      return { ...view(), fired: result.fired, skipped: result.skipped }
    },
  )
}
