import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { AppDeps } from '../../app.js'
import { decodeFeedCursor, encodeFeedCursor, feedStart, readFeed } from '../../domain/feed.js'
import { allow } from '../auth.js'
import { errorResponses } from '../schemas.js'

const feedEvent = z
  .object({
    cursor: z.string().describe('resume after this event with ?after='),
    id: z.string(),
    topic: z.string().describe('project.created, project.transitioned, system.established, …'),
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
      preHandler: allow(['admin', 'system'], 'events:read'),
      schema: {
        tags: ['events'],
        summary: 'Events in commit order after a cursor (omit it to start from the beginning)',
        querystring: z.object({
          after: z.string().max(200).optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          topic: z.string().max(500).optional().describe('comma-separated topics to keep'),
        }),
        response: { 200: z.object({ items: z.array(feedEvent), nextCursor: z.string() }), 400: errorResponses[400] },
      },
    },
    async (request) => {
      const after = request.query.after ? decodeFeedCursor(request.query.after) : feedStart
      const topics = request.query.topic?.split(',').map((t) => t.trim()).filter(Boolean)
      const { items, position } = await readFeed(deps.db, after, request.query.limit, topics)
      return { items, nextCursor: encodeFeedCursor(position) }
    },
  )
}
