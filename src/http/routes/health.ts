import { sql } from 'kysely'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { AppDeps } from '../../app.js'

export const healthRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get(
    '/health',
    {
      schema: { operationId: 'getHealth', querystring: z.strictObject({}),
        tags: ['health'],
        summary: 'Liveness, and which database is in use',
        security: [],
        response: {
          200: z.object({ status: z.literal('ok'), database: z.enum(['pglite', 'postgres']), time: z.string() }),
          503: z.object({ status: z.literal('unavailable'), database: z.enum(['pglite', 'postgres']), error: z.string() }),
        },
      },
    },
    async (_request, reply) => {
      try {
        await sql`select 1`.execute(deps.db)
        return { status: 'ok' as const, database: deps.databaseKind, time: deps.clock.now().toISOString() }
      } catch (error) {
        return reply
          .code(503)
          .send({ status: 'unavailable' as const, database: deps.databaseKind, error: String((error as Error).message) })
      }
    },
  )
}
