import { z } from 'zod'
import { allDefinitions, currentDefinition, projectTypes, type ProjectType } from '../../machines/index.js'
import { draftOf } from '../../machines/shared/declaration.js'

/**
 * The events a client may send, as the OpenAPI document gives them (docs/openapi.md): one
 * schema per event type, `{ type, ...payload }`, taken from the machines' own payload schemas,
 * joined into one union told apart by `type`. Which of them a project takes is its machine's to
 * say (GET /api/v1/machines/{type}); the engine checks the payload against that machine.
 * Deadline events are the scheduler's (403 SCHEDULER_ONLY over HTTP) and are not offered.
 */

const pascal = (type: string) => type.toLowerCase().replace(/(^|_)([a-z])/g, (_m, _s, c: string) => c.toUpperCase())

type EventSpec = { label: string; roles: readonly string[]; payload: z.ZodObject; deadline?: unknown }

function clientEvents(): Map<string, EventSpec[]> {
  const byType = new Map<string, EventSpec[]>()
  for (const definition of allDefinitions()) {
    for (const [type, spec] of Object.entries(definition.events as Record<string, EventSpec>)) {
      if (spec.deadline) continue
      const specs = byType.get(type) ?? []
      if (!specs.some((known) => known.payload === spec.payload)) specs.push(spec)
      byType.set(type, specs)
    }
  }
  return byType
}

/** Each type's draft declaration: any field may be missing, and what is present is well-formed. */
const drafts = Object.fromEntries(projectTypes.map((type) => [type, draftOf(currentDefinition(type).spec.declaration)])) as Record<ProjectType, z.ZodObject>

/** A project type's draft declaration as it may be declared: any field may be missing but the title. */
export const draftDeclarations = Object.fromEntries(
  projectTypes.map((type) => [type, drafts[type].required({ title: true } as never).meta({ id: `${pascal(type)}DraftDeclaration` })]),
) as Record<ProjectType, z.ZodObject>

/** A group member records in their own name (src/domain/access.ts `actingAsSelf`): the field may be left out. */
const ownNameFields: Record<string, string> = { RECORD_REVIEW: 'reviewer', RECORD_ASSESSMENT: 'assessor' }

/**
 * The event's own payload schema with its `type`; the draft declaration of UPDATE_DECLARATION
 * depends on the project's type, so it is any of the types' drafts.
 */
function eventSchema(type: string, specs: EventSpec[]) {
  const { label, roles } = specs[0]!
  const ownName = ownNameFields[type]
  const payload = specs[0]!.payload.shape as Record<string, z.ZodType>
  const shape =
    type === 'UPDATE_DECLARATION'
      ? { declaration: z.union(projectTypes.map((t) => drafts[t].meta({ id: `${pascal(t)}DeclarationUpdate` }))) }
      : ownName
        ? { ...payload, [ownName]: payload[ownName]!.optional().describe('the token’s own name, which is what is recorded; another name is 403') }
        : payload
  return z
    .strictObject({ type: z.literal(type), ...shape })
    .meta({
      id: `${pascal(type)}Event`,
      title: label,
      description: `${label} — sent by ${roles.join(', ')}`,
      // The payload's cross-field rule (machines/shared/events.ts), in JSON Schema's words.
      ...(type === 'RECORD_LEDGER_ENTRY'
        ? { if: { properties: { completesItem: { const: true } }, required: ['completesItem'] }, then: { properties: { planItemId: { type: 'string' } }, required: ['planItemId'] } }
        : {}),
    })
}

const byType = clientEvents()
const events = [...byType].map(([type, specs]) => eventSchema(type, specs))

export const projectEvent = z
  .discriminatedUnion('type', events as unknown as [z.ZodObject, ...z.ZodObject[]])
  .meta({
    id: 'ProjectEvent',
    description:
      'An event and its payload. Which events a project takes now is its nextEvents (GET /api/v1/projects/{id}); every event of its machine, with who may send it, is in GET /api/v1/machines/{type}.',
  })

export const clientEventTypes = [...byType.keys()]
