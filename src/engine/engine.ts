import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import { initialTransition, transition } from 'xstate'
import type { z } from 'zod'
import {
  acceptedEvents,
  currentDefinition,
  defaultGrading,
  definitionAt,
  type Phase,
  type ProjectContext,
  type ProjectMachineDefinition,
  type ProjectType,
  type StateMeta,
} from '../../machines/index.js'
import { draftOf } from '../../machines/shared/declaration.js'
import type { Rule } from '../../machines/shared/rules.js'
import type { DB, Executor } from '../db/database.js'
import type { ProjectRow } from '../db/tables/project.js'
import { getOrganization } from '../domain/organizations.js'
import { getProject, insertHistory, insertProject, updateProject } from '../domain/projects.js'
import { Refusal, validationFailed, versionConflict } from '../errors.js'
import type { Clock } from './clock.js'
import { planEffects, writeEffects } from './effects.js'

/**
 * The only code that moves a project (I1): load → pure `transition` → write snapshot,
 * history, timers and outbox in one transaction (I3), under the project's row lock (I2).
 */
export interface EngineOptions {
  db: DB
  clock: Clock
  logger: Logger
  /** Reviews needed before approval (R8); fixed into each project when it starts. */
  minReviews: number
}

export interface StartProject {
  type: ProjectType
  organizationId: string
  year: number
  declaration: Record<string, unknown>
}

export interface SendOptions {
  actor: string
  /** If-Match: refuse unless the project is still at this version. */
  expectedVersion?: number | undefined
}

export interface TransitionResult {
  project: ProjectRow
  from: string
  to: string
  event: string
}

type Snapshot = ReturnType<ProjectMachineDefinition['machine']['resolveState']>

const issuesToFields = (issues: z.core.$ZodIssue[], prefix: string[] = []) =>
  issues.map((i) => ({ path: [...prefix, ...i.path.map(String)].join('.'), message: i.message }))

function stateOf(snapshot: Snapshot): { state: string; phase: Phase } {
  const state = String(snapshot.value)
  const meta = snapshot.getMeta() as Record<string, StateMeta | undefined>
  const own = meta[`${snapshot.machine.id}.${state}`]
  if (!own) throw new Error(`state ${state} has no meta`)
  return { state, phase: own.phase }
}

export function definitionOf(project: Pick<ProjectRow, 'type' | 'machine_version'>): ProjectMachineDefinition {
  const definition = definitionAt(project.type, project.machine_version)
  if (!definition) throw new Error(`no ${project.type} machine at version ${project.machine_version}`)
  return definition
}

export function restoreSnapshot(definition: ProjectMachineDefinition, project: Pick<ProjectRow, 'snapshot'>): Snapshot {
  const persisted = project.snapshot as { value: string; context: ProjectContext }
  return definition.machine.resolveState({ value: persisted.value, context: persisted.context })
}

export function createEngine(options: EngineOptions) {
  const { db, clock, logger } = options

  async function commit(
    trx: Executor,
    project: Pick<ProjectRow, 'id' | 'version'>,
    next: Snapshot,
    actions: ReadonlyArray<{ type: string; params?: unknown }>,
    history: { from: string | null; eventType: string; event: unknown; actor: string },
    now: Date,
  ) {
    const { state, phase } = stateOf(next)
    const effects = planEffects(actions, now)
    await writeEffects(trx, project.id, effects, now)
    await insertHistory(trx, {
      project_id: project.id,
      version: project.version,
      from_state: history.from,
      event_type: history.eventType,
      event: history.event,
      to_state: state,
      actor: history.actor,
      at: now,
    })
    return { state, phase }
  }

  async function start(input: StartProject, actor: string): Promise<ProjectRow> {
    const definition = currentDefinition(input.type)
    // A draft may be incomplete, but it needs a title to be found again.
    const draft = draftOf(definition.spec.declaration)
      .required({ title: true } as never)
      .safeParse(input.declaration)
    if (!draft.success) {
      throw validationFailed('the declaration is malformed', issuesToFields(draft.error.issues, ['declaration']))
    }
    return db.transaction().execute(async (trx) => {
      const organization = await getOrganization(trx, input.organizationId)
      // R16: the secretary and the leader in charge answer for the project unless the form names others.
      const declaration: Record<string, unknown> = {
        firstResponsible: { name: organization.secretary, position: '书记' },
        directlyResponsible: { name: organization.leader_in_charge, position: '分管领导' },
        ...(draft.data as Record<string, unknown>),
      }
      const [snapshot, actions] = initialTransition(definition.machine, {
        type: input.type,
        declaration,
        policy: { minReviews: options.minReviews, grading: defaultGrading[input.type] },
      })
      const now = clock.now()
      const id = randomUUID()
      const { state, phase } = stateOf(snapshot)
      const project = await insertProject(trx, {
        id,
        type: input.type,
        machine_version: definition.spec.version,
        organization_id: organization.id,
        year: input.year,
        title: String(declaration.title ?? ''),
        state,
        phase,
        status: snapshot.status,
        snapshot: definition.machine.getPersistedSnapshot(snapshot),
        version: 1,
        created_at: now,
        updated_at: now,
      })
      await commit(trx, project, snapshot, actions, {
        from: null,
        eventType: 'CREATE',
        event: { type: 'CREATE', organizationId: organization.id, year: input.year, declaration },
        actor,
      }, now)
      await trx
        .insertInto('outbox')
        .values({
          project_id: id,
          topic: 'project.created',
          payload: JSON.stringify({ projectId: id, type: input.type, organizationId: organization.id, year: input.year, state, version: 1, actor }),
          created_at: now,
        })
        .execute()
      logger.info({ projectId: id, from: null, event: 'CREATE', to: state, actor, version: 1 }, 'transition')
      return project
    })
  }

  /** Why a guarded event was refused: the rules that said no, each with what it found. */
  function failedRules(definition: ProjectMachineDefinition, snapshot: Snapshot, event: Parameters<Rule['check']>[0]['event']) {
    const node = (definition.machine.root.states as Record<string, { transitions: Map<string, Array<{ guard?: unknown }>> }>)[
      String(snapshot.value)
    ]
    const rules = definition.rules as Record<string, Rule>
    const args = { context: snapshot.context, event }
    return (node?.transitions.get(event.type) ?? [])
      .map((t) => (typeof t.guard === 'string' ? t.guard : (t.guard as { type?: string } | undefined)?.type))
      .filter((name): name is string => name !== undefined && rules[name] !== undefined && !rules[name].check(args))
      .map((name) => ({ rule: name, label: rules[name]!.label, ...(rules[name]!.explain?.(args) ?? {}) }))
  }

  async function send(
    projectId: string,
    raw: { type: string } & Record<string, unknown>,
    sendOptions: SendOptions,
  ): Promise<TransitionResult> {
    return db.transaction().execute(async (trx) => {
      const project = await getProject(trx, projectId, { forUpdate: true })
      if (sendOptions.expectedVersion !== undefined && sendOptions.expectedVersion !== project.version) {
        throw versionConflict(sendOptions.expectedVersion, project.version)
      }
      const definition = definitionOf(project)
      const spec = (definition.events as Record<string, { payload: z.ZodObject } | undefined>)[raw.type]
      if (!spec) {
        throw new Refusal(400, 'UNKNOWN_EVENT', `a ${project.type} project has no event ${raw.type}`, {
          events: Object.keys(definition.events),
        })
      }
      const { type, ...rest } = raw
      const payload = spec.payload.safeParse(rest)
      if (!payload.success) {
        throw validationFailed(`the ${type} event is malformed`, issuesToFields(payload.error.issues))
      }
      const snapshot = restoreSnapshot(definition, project)
      const from = String(snapshot.value)
      const allowed = acceptedEvents(definition, from)
      if (!allowed.includes(type)) {
        throw new Refusal(409, 'EVENT_NOT_ALLOWED', `${type} is not allowed in state ${from}`, {
          state: from,
          allowedEvents: allowed,
        })
      }
      const now = clock.now()
      const event = { ...payload.data, type, actor: sendOptions.actor, at: now.toISOString() } as Parameters<
        Rule['check']
      >[0]['event']
      if (!snapshot.can(event)) {
        const rules = failedRules(definition, snapshot, event)
        throw new Refusal(422, 'RULE_FAILED', `${type} refused: ${rules.map((r) => r.label).join('；')}`, {
          state: from,
          rules,
        })
      }
      const [next, actions] = transition(definition.machine, snapshot, event)
      const { state, phase } = await commit(
        trx,
        { id: project.id, version: project.version + 1 },
        next,
        actions,
        { from, eventType: type, event, actor: sendOptions.actor },
        now,
      )
      const change = {
        state,
        phase,
        status: next.status,
        title: String(next.context.declaration.title ?? project.title),
        snapshot: definition.machine.getPersistedSnapshot(next),
        updatedAt: now,
      }
      if (!(await updateProject(trx, project.id, project.version, change))) {
        // Unreachable under the row lock; kept so a missing lock can never overwrite silently.
        throw versionConflict(project.version, -1)
      }
      await trx
        .insertInto('outbox')
        .values({
          project_id: project.id,
          topic: 'project.transitioned',
          payload: JSON.stringify({
            projectId: project.id,
            type: project.type,
            organizationId: project.organization_id,
            year: project.year,
            from,
            event: type,
            to: state,
            version: project.version + 1,
            actor: sendOptions.actor,
            at: now.toISOString(),
          }),
          created_at: now,
        })
        .execute()
      logger.info(
        { projectId: project.id, from, event: type, to: state, actor: sendOptions.actor, version: project.version + 1 },
        'transition',
      )
      const updated: ProjectRow = {
        ...project,
        ...change,
        snapshot: change.snapshot,
        version: project.version + 1,
        updated_at: now,
      }
      return { project: updated, from, to: state, event: type }
    })
  }

  return { start, send }
}

export type Engine = ReturnType<typeof createEngine>
