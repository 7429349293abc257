import { outboxTopics, type OutboxTopic } from '../../domain/outbox.js'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { AppDeps } from '../../app.js'
import { encodeFeedCursor, feedStart, positionCommitted, positionOfCursor, readFeed } from '../../domain/feed.js'
import { confinedTo } from '../../domain/access.js'
import { principalOf } from '../auth.js'
import { decimal } from '../schemas.js'

const feedEvent = z
  .object({
    cursor: z.string().describe('resume after this event with ?after='),
    id: z.string(),
    topic: z.enum(outboxTopics),
    projectId: z.uuid().nullable(),
    payload: z.unknown(),
    createdAt: z.string(),
  })
  .meta({ id: 'FeedEvent' })

/** The event feed: every change in commit order; resume with the last cursor and miss nothing. */
export const eventFeedRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get(
    '/events',
    {
      config: { access: { roles: ['admin', 'system'], scope: 'events:read' } },
      schema: { operationId: 'listFeedEvents',
        tags: ['events'],
        summary: 'Events in commit order after a cursor; a token bound to an organization sees its projects’ only (omit it to start from the beginning)',
        querystring: z.object({
          after: z.string().optional().describe('a cursor this feed issued; anything else is 400 INVALID_CURSOR'),
          limit: decimal(z.number().int().min(1).max(1000)).default(100),
          topic: z.string().max(500).optional().describe('comma-separated topics to keep'),
        }),
        response: { 200: z.object({ items: z.array(feedEvent), nextCursor: z.string() }) },
      },
    },
    async (request) => {
      const after = request.query.after !== undefined ? await positionOfCursor(deps.db, request.query.after) : feedStart
      const topics = request.query.topic?.split(',').map((t) => t.trim()).filter(Boolean)
      // Number what has committed since the last reader, so a poller sees everything committed before it asked.
      await positionCommitted(deps.db, { wait: true })
      const { items, position } = await readFeed(deps.db, after, request.query.limit, { topics, organizationId: confinedTo(principalOf(request)) })
      return { items, nextCursor: encodeFeedCursor(position) }
    },
  )
}
