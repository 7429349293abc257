import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod'

/** The OpenAPI document is generated from the same zod schemas that validate requests. */
export const openapi = fp(async (app: FastifyInstance) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'dangjian-flow',
        version: '1',
        description:
          '基层党建项目化管理 — project-based management of grassroots Party-building work. ' +
          'Each project type is an explicit state machine (GET /api/v1/machines); send events to move a project.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'an API token from POST /api/v1/principals (or the first start’s admin token)' },
        },
      },
      security: [{ bearer: [] }],
      tags: [
        { name: 'principals', description: 'API tokens and roles (admin)' },
        { name: 'events', description: 'the event feed and webhooks' },
        { name: 'machines', description: 'machine definitions (I5)' },
        { name: 'organizations', description: '基层党组织' },
        { name: 'projects', description: '项目：申报 → 立项 → 实施 → 验收 → 推广' },
        { name: 'programme', description: 'handbook, groups, grading, 1+X, spot checks, systems, commendations, year-end report' },
        { name: 'calendar', description: 'the year’s calendar and the scheduled transitions it drives' },
        { name: 'admin', description: 'the service’s clock (manual in sandboxes)' },
        { name: 'health', description: 'liveness' },
      ],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
})
