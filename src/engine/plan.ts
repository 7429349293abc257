import { randomUUID } from 'node:crypto'
import { initialTransition } from 'xstate'
import type { z } from 'zod'
import {
  acceptedEvents,
  currentDefinition,
  guardNames,
  defaultGrading,
  needsOf,
  reachableRules,
  type EventFacts,
  type FactName,
  type ProjectMachineDefinition,
  type ProjectType,
} from '../../machines/index.js'
import { draftOf } from '../../machines/shared/declaration.js'
import { eventSpecOf } from '../../machines/shared/events.js'
import type { Rule } from '../../machines/shared/rules.js'
import type { OrganizationRow } from '../db/tables/organization.js'
import type { ProjectRow } from '../db/tables/project.js'
import { Refusal, validationFailed } from '../errors.js'
import type { CalendarOf } from '../calendar/year-calendar.js'
import type { FactSubject } from './facts.js'
import { deadlinesOf, desiredTimers } from './deadlines.js'
import { actionEffects, deadlineEffects, type EstablishedSystem, type OutboxMessage, type TimerOp } from './effects.js'
import { definitionOf, pureTransition, restoreSnapshot, stateOf, type Snapshot } from './snapshot.js'

/**
 * Planning a transition is pure: from a project row and an event to the rows the transition
 * writes. The engine plans one event for a request and thousands for a deadline, and writes
 * them the same way (write.ts).
 */
export interface PlannedTransition {
  /** The project as it will be after the transition. */
  project: ProjectRow
  from: string | null
  to: string
  event: { type: string } & Record<string, unknown>
  actor: string
  at: Date
  timers: TimerOp[]
  outbox: OutboxMessage[]
  systems: EstablishedSystem[]
}

export interface PlanContext {
  now: Date
  actor: string
  calendarOf: CalendarOf
  /** What the engine read from other records for this event's rules. */
  facts?: EventFacts | undefined
}

type MachineEvent = Parameters<Rule['check']>[0]['event']

/**
 * Unknown fields are refused, not dropped: an integrator's typo must not pass for an empty
 * value. Made once per event schema; building a zod schema costs more than using it.
 */
const strictPayloads = new WeakMap<z.ZodObject, z.ZodObject>()
function strictPayload(schema: z.ZodObject): z.ZodObject {
  let strict = strictPayloads.get(schema)
  if (!strict) strictPayloads.set(schema, (strict = schema.strict()))
  return strict
}

const issuesToFields = (issues: z.core.$ZodIssue[], prefix: string[] = []) =>
  issues.map((i) => ({ path: [...prefix, ...i.path.map(String)].join('.'), message: i.message }))

/** The feed's message for a project's transition, as it will be after it (a move to another version adds where it came from). */
export function transitionedMessage(
  project: ProjectRow,
  from: string | null,
  event: string,
  to: string,
  actor: string,
  at: Date,
  extra?: Record<string, unknown>,
): OutboxMessage {
  return {
    topic: from === null ? 'project.created' : 'project.transitioned',
    payload: {
      projectId: project.id,
      type: project.type,
      organizationId: project.organization_id,
      year: project.year,
      from,
      event,
      to,
      version: project.version,
      // The machine version it runs on, so a consumer of the feed knows it without asking (docs/versions.md).
      machineVersion: project.machine_version,
      actor,
      at: at.toISOString(),
      ...extra,
    },
  }
}

export interface StartProject {
  type: ProjectType
  organizationId: string
  year: number
  declaration: Record<string, unknown>
}

/** The facts the rules checked at creation need (the machine's creation rules). */
export function creationNeeds(type: ProjectType): FactName[] {
  const definition = currentDefinition(type)
  return needsOf(definition, definition.creationRules)
}

export function planStart(
  input: StartProject,
  organization: OrganizationRow,
  options: PlanContext & { minReviews: number },
): PlannedTransition {
  const definition = currentDefinition(input.type)
  // A draft may be incomplete, but it needs a title to be found again.
  const draft = draftOf(definition.spec.declaration).required({ title: true } as never).safeParse(input.declaration)
  if (!draft.success) {
    throw validationFailed('the declaration is malformed', issuesToFields(draft.error.issues, ['declaration']))
  }
  const { now, actor, calendarOf } = options
  // The machine's input: what the programme's defaults (R9, R16) are decided from, in the machine.
  const [snapshot, actions] = initialTransition(definition.machine, {
    type: input.type,
    declaration: draft.data as Record<string, unknown>,
    organization: { secretary: organization.secretary, leaderInCharge: organization.leader_in_charge },
    startedAt: now.toISOString(),
    declarationDeadline: calendarOf(input.year).declarationDeadline.toISOString(),
    policy: { minReviews: options.minReviews, grading: defaultGrading[input.type] },
  })
  const { declaration, supplementary } = snapshot.context
  const rules = definition.rules as Record<string, Rule>
  const creation = { type: 'CREATE', actor, at: now.toISOString(), facts: options.facts ?? {} } as unknown as MachineEvent
  const refused = definition.creationRules.filter((name) => !rules[name]!.check({ context: snapshot.context, event: creation }))
  if (refused.length) {
    const details = refused.map((name) => ({
      rule: name,
      label: rules[name]!.label,
      ...(rules[name]!.explain?.({ context: snapshot.context, event: creation }) ?? {}),
    }))
    throw new Refusal(422, 'RULE_FAILED', `declaration refused: ${details.map((r) => r.label).join('；')}`, { rules: details })
  }
  const { state, phase } = stateOf(snapshot)
  const project: ProjectRow = {
    id: randomUUID(),
    type: input.type,
    machine_version: definition.spec.version,
    organization_id: organization.id,
    year: input.year,
    title: String(declaration.title),
    state,
    phase,
    status: snapshot.status,
    snapshot: definition.machine.getPersistedSnapshot(snapshot),
    version: 1,
    created_at: now,
    updated_at: now,
  }
  const effects = actionEffects(actions)
  const event = { type: 'CREATE', organizationId: organization.id, year: input.year, supplementary, declaration }
  return {
    project,
    from: null,
    to: state,
    event,
    actor,
    at: now,
    timers: [
      ...effects.timers,
      ...deadlineEffects(
        { kinds: [], desired: [] },
        { kinds: deadlinesOf(definition, state), desired: desiredTimers(definition, snapshot, input.year, calendarOf) },
      ),
    ],
    outbox: [...effects.outbox, transitionedMessage(project, null, 'CREATE', state, actor, now)],
    systems: effects.systems,
  }
}

/**
 * Why a guarded event was refused: the rules that said no, each with what it found. Where an
 * event has several guarded branches, the rules every branch failed are the reason.
 */
function failedRules(definition: ProjectMachineDefinition, snapshot: Snapshot, event: MachineEvent) {
  const node = (definition.machine.root.states as Record<string, { transitions: Map<string, Array<{ guard?: unknown }>> }>)[
    String(snapshot.value)
  ]
  const rules = definition.rules as Record<string, Rule>
  const args = { context: snapshot.context, event }
  const failing = (node?.transitions.get(event.type) ?? []).map((t) =>
    guardNames(t.guard).filter((name) => rules[name] !== undefined && !rules[name].check(args)),
  )
  const common = failing.reduce((shared, names) => shared.filter((n) => names.includes(n)), failing[0] ?? [])
  const names = common.length ? common : [...new Set(failing.flat())]
  return names.map((name) => ({ rule: name, label: rules[name]!.label, ...(rules[name]!.explain?.(args) ?? {}) }))
}

/** An event checked against the project's machine: known, well-formed and accepted in its state; with the facts its rules need. */
export interface CheckedEvent {
  definition: ProjectMachineDefinition
  snapshot: Snapshot
  from: string
  type: string
  payload: Record<string, unknown>
  needs: readonly FactName[]
}

/** Refuses an unknown event, a malformed payload or an event the state does not take (I7); says which facts its rules need. */
export function checkEvent(project: ProjectRow, raw: { type: string } & Record<string, unknown>): CheckedEvent {
  const definition = definitionOf(project)
  const spec = eventSpecOf(definition.events, raw.type)
  if (!spec) {
    throw new Refusal(400, 'UNKNOWN_EVENT', `a ${project.type} project has no event ${raw.type}`, {
      events: Object.keys(definition.events),
    })
  }
  const { type, ...rest } = raw
  const payload = strictPayload(spec.payload).safeParse(rest)
  if (!payload.success) throw validationFailed(`the ${type} event is malformed`, issuesToFields(payload.error.issues))

  const snapshot = restoreSnapshot(definition, project)
  const from = String(snapshot.value)
  const allowed = acceptedEvents(definition, from)
  if (!allowed.includes(type)) {
    throw new Refusal(409, 'EVENT_NOT_ALLOWED', `${type} is not allowed in state ${from}`, { state: from, allowedEvents: allowed })
  }
  return { definition, snapshot, from, type, payload: payload.data as Record<string, unknown>, needs: reachableRules(definition, from, type).needs }
}

/** What the facts' loaders are asked about: the project, its declaration and the event. */
export function factSubject(project: ProjectRow, checked: CheckedEvent): FactSubject {
  return {
    projectId: project.id,
    type: project.type,
    organizationId: project.organization_id,
    year: project.year,
    declaration: checked.snapshot.context.declaration,
    event: checked.payload,
  }
}

/** Validates the event against the project's machine and plans its transition, or refuses (I7). */
export function planEvent(project: ProjectRow, raw: { type: string } & Record<string, unknown>, context: PlanContext): PlannedTransition {
  return planChecked(project, checkEvent(project, raw), context)
}

export function planChecked(
  project: ProjectRow,
  { definition, snapshot, from, type, payload, needs }: CheckedEvent,
  { now, actor, calendarOf, facts }: PlanContext,
): PlannedTransition {
  if (needs.length > 0 && facts === undefined) throw new Error(`${type} on ${project.id}: its rules need facts (${needs.join(', ')}) that were not loaded`)
  // Object.assign, not spreads: V8 builds a spread followed by more fields on its slow path (µs per event).
  const event = Object.assign({}, payload, { type, actor, at: now.toISOString() }, facts ? { facts } : undefined) as MachineEvent
  if (!snapshot.can(event)) {
    const rules = failedRules(definition, snapshot, event)
    throw new Refusal(422, 'RULE_FAILED', `${type} refused: ${rules.map((r) => r.label).join('；')}`, { state: from, rules })
  }
  const [next, actions] = pureTransition(definition.machine, snapshot, event)
  const { state, phase } = stateOf(next)
  const after: ProjectRow = {
    ...project,
    state,
    phase,
    status: next.status,
    title: String(next.context.declaration.title ?? project.title),
    snapshot: definition.machine.getPersistedSnapshot(next),
    version: project.version + 1,
    updated_at: now,
  }
  const effects = actionEffects(actions)
  const deadlines = deadlineEffects(
    { kinds: deadlinesOf(definition, from), desired: desiredTimers(definition, snapshot, project.year, calendarOf) },
    { kinds: deadlinesOf(definition, state), desired: desiredTimers(definition, next, project.year, calendarOf) },
  )
  return {
    project: after,
    from,
    to: state,
    event: event as unknown as PlannedTransition['event'],
    actor,
    at: now,
    timers: [...effects.timers, ...deadlines],
    outbox: [...effects.outbox, transitionedMessage(after, from, type, state, actor, now)],
    systems: effects.systems,
  }
}
