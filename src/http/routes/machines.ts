import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { currentDefinition, deadlineKinds, describeMachine, projectTypes, stateTags, toMermaid } from '../../../machines/index.js'
import { everyone } from '../auth.js'
import { errorResponses } from '../schemas.js'

const machineDescription = z
  .object({
    type: z.enum(projectTypes),
    label: z.string(),
    version: z.number().int(),
    description: z.string(),
    initial: z.string(),
    states: z.array(
      z.object({
        id: z.string(),
        label: z.string(),
        phase: z.string(),
        phaseLabel: z.string(),
        final: z.boolean(),
        tags: z.array(z.enum(stateTags)).describe('what the state means to the programme: live, declared, overdue, inImplementation, passedAcceptance, final'),
        deadlines: z.array(z.object({ kind: z.enum(deadlineKinds), label: z.string() })),
      }),
    ),
    transitions: z.array(
      z.object({
        from: z.string(),
        event: z.string(),
        eventLabel: z.string(),
        to: z.string().nullable().describe('null: the project stays in its state and records the event'),
        guard: z.object({ name: z.string(), label: z.string() }).nullable(),
        rules: z.array(z.object({ name: z.string(), label: z.string() })),
        timer: z.object({ deadline: z.enum(deadlineKinds), label: z.string() }).nullable().describe('sent by the scheduler at this calendar deadline'),
      }),
    ),
    events: z.array(
      z.object({ type: z.string(), label: z.string(), roles: z.array(z.string()), payloadSchema: z.unknown() }),
    ),
    guards: z.array(z.object({ name: z.string(), label: z.string(), needs: z.array(z.string()).describe('facts about other records the rule reads') })),
    creationRules: z.array(z.object({ name: z.string(), label: z.string() })),
  })
  .meta({ id: 'MachineDefinition' })

/** Machine definitions are fixed at start-up, so they are described once. */
const descriptions = Object.fromEntries(projectTypes.map((t) => [t, describeMachine(currentDefinition(t))]))

export const machineRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/machines',
    {
      config: { access: everyone },
      schema: {
        tags: ['machines'],
        summary: 'Every project machine: states, transitions, guards, events (I5)',
        response: { 200: z.object({ items: z.array(machineDescription) }) },
      },
    },
    async () => ({ items: projectTypes.map((t) => descriptions[t]!) }),
  )

  app.get(
    '/machines/:type',
    {
      config: { access: everyone },
      schema: {
        tags: ['machines'],
        summary: 'One project machine; ?format=mermaid gives a Mermaid state diagram',
        params: z.object({ type: z.enum(projectTypes) }),
        querystring: z.object({ format: z.enum(['json', 'mermaid']).default('json') }),
        response: { 200: z.union([machineDescription, z.string()]), 400: errorResponses[400] },
      },
    },
    async (request, reply) => {
      const description = descriptions[request.params.type]!
      if (request.query.format === 'mermaid') {
        return reply.type('text/plain; charset=utf-8').send(toMermaid(description))
      }
      return description
    },
  )
}
