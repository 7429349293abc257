import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { executorOf } from '../idempotency.js'
import {
  acceptedEvents,
  organizationCategories,
  phases,
  phaseLabels,
  projectTypeLabels,
  projectTypes,
  stateTags,
} from '../../../machines/index.js'
import { projectSummaryView as summaryView } from '../../domain/project-view.js'
import type { ProjectRow } from '../../db/tables/project.js'
import type { PendingTimer } from '../../db/tables/timer.js'
import { timerView, viewTimer } from './timers.js'
import { countByState, getProject, getProjectForView, listHistory, listProjects } from '../../domain/projects.js'
import { definitionOf } from '../../engine/snapshot.js'
import { Refusal } from '../../errors.js'
import type { AppDeps } from '../../app.js'
import { everyone, principalOf, projectReaders, townReaders } from '../auth.js'
import { assertCanSee, confinedTo, listedOrganization } from '../../domain/access.js'
import { decimal, idParams, phaseName, stateName, page, pageQuery, programmeYear, programmeYearParam } from '../schemas.js'
import { RawJson } from '../serializer.js'
import { draftDeclarations, projectEvent } from '../event-schemas.js'

const nextEvent = z.object({ type: z.string(), label: z.string(), roles: z.array(z.string()) })

const project = z
  .object({
    id: z.uuid(),
    type: z.enum(projectTypes),
    typeLabel: z.string(),
    machineVersion: z.number().int(),
    organizationId: z.uuid(),
    year: z.number().int(),
    title: z.string(),
    state: stateName,
    stateLabel: z.string(),
    stateTags: z.array(z.enum(stateTags)).describe('what the state means to the programme (GET /api/v1/machines)'),
    phase: phaseName,
    phaseLabel: z.string(),
    final: z.boolean(),
    version: z.number().int().describe('also sent as the ETag; send it back in If-Match'),
    nextEvents: z.array(nextEvent).describe('events the current state accepts (guards may still refuse)'),
    context: z.record(z.string(), z.unknown()).describe('everything recorded: declaration, reviews, plan, ledger…'),
    timers: z.array(timerView).describe('pending scheduled transitions of this project'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Project' })

/** A project without what only its own page needs: the lists' and the annual report's row. */
export const projectRow = project.omit({ context: true, nextEvents: true, timers: true })

const projectSummary = projectRow
  .extend({ organizationName: z.string() })
  .meta({ id: 'ProjectSummary' })

const historyEntry = z
  .object({
    version: z.number().int(),
    from: stateName.nullable(),
    event: z.string(),
    payload: z.unknown(),
    to: stateName,
    actor: z.string(),
    at: z.string(),
  })
  .meta({ id: 'HistoryEntry' })

const newProject = z
  .strictObject({
  type: z.enum(projectTypes).describe('foundation 基础强化型, innovation 创新探索型, promotion 制度推广型'),
  organizationId: z.uuid(),
  year: programmeYear,
  declaration: z
    .record(z.string(), z.unknown())
    .describe('the declaration form (R6); a draft may be incomplete but needs a title — see GET /api/v1/machines/{type}'),
  })
  .meta({
    examples: [
      {
        type: 'innovation',
        organizationId: '3f1c2b9e-8d7a-4c6b-9e5f-1a2b3c4d5e6f',
        year: 2026,
        declaration: { title: '流动党员云支部', background: '外出务工党员多，难以参加组织生活' },
      },
    ],
  })

/** The declaration as a client should write it: the draft of the named type's form, with its title (docs/openapi.md). */
const documentedNewProject = z
  .discriminatedUnion(
    'type',
    projectTypes.map((type) => newProject.extend({ type: z.literal(type).describe(projectTypeLabels[type]), declaration: draftDeclarations[type] })) as unknown as [z.ZodObject, ...z.ZodObject[]],
  )
  .meta({ id: 'NewProject', examples: newProject.meta()?.examples as unknown[] })

const eventBody = z
  .object({ type: z.string().min(1).max(64).describe('an event of the project’s machine, e.g. SUBMIT') })
  .loose()
  .describe('{ type, ...payload }; each event’s payload schema is in GET /api/v1/machines/{type}')
  .meta({
    examples: [
      { type: 'SUBMIT' },
      { type: 'RECORD_LEDGER_ENTRY', planItemId: 'P1', date: '2026-06-20', content: '线上支部开通', evidence: [], completesItem: true },
    ],
  })

/** Where a project's answer leads. */
const projectLinks = {
  getProject: { operationId: 'getProject', parameters: { id: '$response.body#/id' } },
  sendProjectEvent: { operationId: 'sendProjectEvent', parameters: { id: '$response.body#/id' } },
  getProjectHistory: { operationId: 'getProjectHistory', parameters: { id: '$response.body#/id' } },
}

const ifMatchHeaders = z.object({
  // The pattern is the document's; parseIfMatch below checks it (400 INVALID_IF_MATCH).
  'if-match': z.string().max(100).optional().describe('the version (ETag) the change is based on').meta({ pattern: '^\\s*(?:W/)?"?\\d{1,9}"?\\s*$' }),
})

type NextEvent = z.infer<typeof nextEvent>
/** A state's next events depend on its machine alone: built once per machine and state, shared read-only by every answer. */
const nextEventsByMachine = new WeakMap<object, Map<string, readonly NextEvent[]>>()

function nextEventsOf(definition: ReturnType<typeof definitionOf>, state: string): readonly NextEvent[] {
  let byState = nextEventsByMachine.get(definition)
  if (!byState) nextEventsByMachine.set(definition, (byState = new Map()))
  let next = byState.get(state)
  if (!next) {
    const events = definition.events as Record<string, { label: string; roles: readonly string[] }>
    next = Object.freeze(
      acceptedEvents(definition, state).map((type) => Object.freeze({ type, label: events[type]!.label, roles: Object.freeze([...events[type]!.roles]) as string[] })),
    )
    byState.set(state, next)
  }
  return next
}

// Object.assign rather than a spread followed by more fields: V8 (Node 20) builds such a literal on
// its slow path, ~5 µs for this one, a few percent of a GET's CPU (bench:http).
function projectView(row: Omit<ProjectRow, 'snapshot'>, context: Record<string, unknown> | RawJson, timers: PendingTimer[]) {
  return Object.assign(summaryView(row), {
    // Shared and frozen: the answer only writes it out.
    nextEvents: nextEventsOf(definitionOf(row), row.state) as NextEvent[],
    // Typed as the schema's record: the serializer writes a RawJson's text in its place.
    context: context as Record<string, unknown>,
    timers: timers.map(viewTimer),
  })
}

const contextOf = (row: ProjectRow) => (row.snapshot as { context: Record<string, unknown> }).context

const etag = (version: number) => `"${version}"`

/** If-Match carries the version, bare or as the quoted ETag this API sends. */
function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header)
  if (!match) {
    throw new Refusal(400, 'INVALID_IF_MATCH', 'If-Match must be a project version, as sent in the ETag header')
  }
  return Number(match[1])
}

export const projectRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  app.post(
    '/projects',
    {
      config: { access: { roles: ['admin', 'organization', 'system'], scope: 'projects:write' }, documented: { body: documentedNewProject, links: { 201: projectLinks } } },
      schema: { operationId: 'createProject',
        tags: ['projects'],
        summary: 'Declare a project (申报): creates it in draft',
        body: documentedNewProject,
        response: { 201: project },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request)
      const { project: row, timers } = await deps.engine.start(request.body as z.infer<typeof newProject>, principal.name, principal, executorOf(request, deps.db))
      return reply
        .code(201)
        .header('location', `/api/v1/projects/${row.id}`)
        .header('etag', etag(row.version))
        .send(projectView(row, contextOf(row), timers))
    },
  )

  app.get(
    '/projects',
    {
      config: { access: projectReaders },
      schema: { operationId: 'listProjects',
        tags: ['projects'],
        summary: 'List projects, oldest first, by cursor',
        querystring: z.object({
          type: z.enum(projectTypes).optional(),
          state: stateName.optional(),
          year: programmeYearParam().optional(),
          organizationId: z.uuid().optional(),
          phase: z.enum(phases).optional(),
          category: z.enum(organizationCategories).optional(),
          overdue: z
            .enum(['true', 'false'])
            .optional()
            .transform((v) => (v === undefined ? undefined : v === 'true'))
            .describe('true: only projects whose state is tagged overdue; false: only the others'),
          missingReport: z
            .string()
            .regex(/^\d{4}-H[12]$/)
            .optional()
            .describe('only projects missing this half year’s progress report, e.g. 2026-H1 (R11)'),
          ...pageQuery,
        }),
        response: { 200: page(projectSummary) },
      },
    },
    async (request) => {
      // An organization (or a bound system) lists its own projects only.
      const organizationId = listedOrganization(principalOf(request), request.query.organizationId)
      if (organizationId === false) return { items: [], nextCursor: null }
      const result = await listProjects(deps.db, { ...request.query, organizationId })
      const ids = [...new Set(result.items.map((p) => p.organization_id))]
      const names = new Map(
        ids.length
          ? (await deps.db.selectFrom('organization').select(['id', 'name']).where('id', 'in', ids).execute()).map((o) => [o.id, o.name])
          : [],
      )
      return {
        items: result.items.map((p) => Object.assign(summaryView(p), { organizationName: names.get(p.organization_id) ?? '' })),
        nextCursor: result.nextCursor,
      }
    },
  )

  app.get(
    '/projects/:id',
    {
      config: { access: projectReaders },
      schema: { operationId: 'getProject',
        tags: ['projects'],
        summary: 'A project: where it stands, what it may do next, everything recorded',
        params: idParams,
        response: { 200: project },
      },
    },
    async (request, reply) => {
      const { project: row, contextJson, timers } = await getProjectForView(deps.db, request.params.id)
      assertCanSee(principalOf(request), row)
      return reply.header('etag', etag(row.version)).send(projectView(row, new RawJson(contextJson), timers))
    },
  )

  app.post(
    '/projects/:id/events',
    {
      // Who may send each event is the machine's to say (the engine checks it): every role may try.
      config: { access: everyone, documented: { body: projectEvent, links: { 200: projectLinks } } },
      schema: { operationId: 'sendProjectEvent',
        tags: ['projects'],
        summary: 'Send an event to a project; the machine decides',
        params: idParams,
        headers: ifMatchHeaders,
        body: eventBody,
        response: { 200: project },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request)
      const result = await deps.engine.send(request.params.id, request.body, {
        actor: principal.name,
        principal,
        expectedVersion: parseIfMatch(request.headers['if-match']),
        executor: executorOf(request, deps.db),
      })
      return reply.header('etag', etag(result.project.version)).send(projectView(result.project, contextOf(result.project), result.timers))
    },
  )

  app.get(
    '/projects/:id/history',
    {
      config: { access: projectReaders },
      schema: { operationId: 'getProjectHistory',
        tags: ['projects'],
        summary: 'Every transition of a project, oldest first',
        params: idParams,
        response: { 200: z.object({ items: z.array(historyEntry) }) },
      },
    },
    async (request) => {
      assertCanSee(principalOf(request), await getProject(deps.db, request.params.id))
      const rows = await listHistory(deps.db, request.params.id)
      return {
        items: rows.map((h) => ({
          version: h.version,
          from: h.from_state,
          event: h.event_type,
          payload: h.event,
          to: h.to_state,
          actor: h.actor,
          at: h.at.toISOString(),
        })),
      }
    },
  )
}

/** Counts per type and state for a year: where the year's projects stand (the console's heatmap). */
export const statsRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get(
    '/stats/states',
    {
      config: { access: townReaders },
      schema: { operationId: 'countProjectsByState',
        tags: ['projects'],
        summary: 'How many projects stand in each state, per type, in a year',
        querystring: z.object({ year: programmeYearParam() }),
        response: { 200: z.object({ year: z.number().int(), counts: z.record(z.string(), z.record(z.string(), z.number().int())) }) },
      },
    },
    async (request) => ({
      year: request.query.year,
      counts: await countByState(deps.db, request.query.year, confinedTo(principalOf(request)) ?? undefined),
    }),
  )
}
