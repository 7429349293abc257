import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { allDefinitions, deadlineKinds, describeMachine, diffMachines, machineRegistry, projectTypes, stateTags, toMermaid, type MachineDescription, type ProjectType } from '../../../machines/index.js'
import type { AppDeps } from '../../app.js'
import { versionsOf } from '../../domain/machine-versions.js'
import { machineVersionNotFound } from '../../errors.js'
import { everyone, townReaders } from '../auth.js'
import { decimal, machineVersion, phaseName, stateName } from '../schemas.js'

const machineDescription = z
  .object({
    type: z.enum(projectTypes),
    label: z.string(),
    version: z.number().int(),
    description: z.string(),
    initial: stateName,
    states: z.array(
      z.object({
        id: stateName,
        label: z.string(),
        phase: phaseName,
        phaseLabel: z.string(),
        final: z.boolean(),
        tags: z.array(z.enum(stateTags)).describe('what the state means to the programme: live, declared, overdue, inImplementation, passedAcceptance, final'),
        deadlines: z.array(z.object({ kind: z.enum(deadlineKinds), label: z.string() })),
        holds: z.array(z.object({ name: z.string(), label: z.string() })).describe('rules every project in this state satisfies; a migration into it checks them'),
      }),
    ),
    transitions: z.array(
      z.object({
        from: stateName,
        event: z.string(),
        eventLabel: z.string(),
        to: stateName.nullable().describe('null: the project stays in its state and records the event'),
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

/** Machine definitions are fixed at start-up, so every version of each is described once. */
const descriptions = new Map(allDefinitions().map((d) => [`${d.spec.type}@${d.spec.version}`, describeMachine(d)]))
const describedAt = (type: ProjectType, version = machineRegistry[type].current): MachineDescription => {
  const description = descriptions.get(`${type}@${version}`)
  if (!description) throw machineVersionNotFound(type, version)
  return description
}

const versionNumber = decimal(machineVersion)

const machineDiff = z
  .object({
    type: z.enum(projectTypes),
    from: z.number().int(),
    to: z.number().int(),
    states: z.object({
      added: z.array(z.unknown()),
      removed: z.array(z.unknown()),
      changed: z.array(z.object({ id: z.string(), fields: z.array(z.string()), before: z.unknown(), after: z.unknown() })),
    }),
    transitions: z.object({
      added: z.array(z.unknown()),
      removed: z.array(z.unknown()),
      changed: z.array(z.object({ key: z.string(), fields: z.array(z.string()), before: z.unknown(), after: z.unknown() })),
    }),
    events: z.object({ added: z.array(z.string()), removed: z.array(z.string()) }),
  })
  .meta({ id: 'MachineDiff' })

const machineVersions = z
  .object({
    type: z.enum(projectTypes),
    current: z.number().int(),
    items: z.array(
      z.object({
        version: z.number().int(),
        current: z.boolean(),
        currentSince: z.date().nullable().describe('when new projects started starting on it here; null if never'),
        projects: z.number().int(),
        states: z.array(z.object({ state: stateName, projects: z.number().int() })),
      }),
    ),
  })
  .meta({ id: 'MachineVersions' })

export const machineRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get(
    '/machines',
    {
      config: { access: everyone },
      schema: { operationId: 'listMachines',
        tags: ['machines'],
        summary: 'Every project machine: states, transitions, guards, events (I5)',
        response: { 200: z.object({ items: z.array(machineDescription) }) },
      },
    },
    async () => ({ items: projectTypes.map((t) => describedAt(t)) }),
  )

  app.get(
    '/machines/:type',
    {
      config: { access: everyone, documented: { alsoAnswers: { 'text/plain': 'with ?format=mermaid: the machine as a Mermaid state diagram' } } },
      schema: { operationId: 'getMachine',
        tags: ['machines'],
        summary: 'One project machine, its current version or ?version=N; ?format=mermaid gives a Mermaid state diagram',
        params: z.object({ type: z.enum(projectTypes) }),
        querystring: z.strictObject({ format: z.enum(['json', 'mermaid']).default('json'), version: versionNumber.optional() }),
        response: { 200: z.union([machineDescription, z.string()]) },
      },
    },
    async (request, reply) => {
      const description = describedAt(request.params.type, request.query.version)
      if (request.query.format === 'mermaid') {
        return reply.type('text/plain; charset=utf-8').send(toMermaid(description))
      }
      return description
    },
  )

  app.get(
    '/machines/:type/versions',
    {
      config: { access: townReaders },
      schema: { operationId: 'listMachineVersions',
        tags: ['machines'],
        summary: 'Every version of a machine: since when it is current and how many projects stand on it, state by state (I6)',
        params: z.object({ type: z.enum(projectTypes) }),
        response: { 200: machineVersions },
      },
    },
    async (request) => {
      const { type } = request.params
      return { type, current: machineRegistry[type].current, items: await versionsOf(deps.db, type) }
    },
  )

  app.get(
    '/machines/:type/diff',
    {
      config: { access: everyone },
      schema: { operationId: 'diffMachineVersions',
        tags: ['machines'],
        summary: 'What changed between two versions of a machine: states, transitions and events added, removed, changed',
        params: z.object({ type: z.enum(projectTypes) }),
        querystring: z.strictObject({ from: versionNumber, to: versionNumber.optional() }),
        response: { 200: machineDiff },
      },
    },
    async (request) => {
      const { type } = request.params
      return diffMachines(describedAt(type, request.query.from), describedAt(type, request.query.to))
    },
  )
}
