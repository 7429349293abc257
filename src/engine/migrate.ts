import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import { definitionAt, resolveStateMap, type ProjectType, type StateMap } from '../../machines/index.js'
import type { CalendarDefaults } from '../calendar/year-calendar.js'
import type { DB, Executor } from '../db/database.js'
import type { MigrationFilter, MigrationRow } from '../db/tables/migration.js'
import type { ProjectRow } from '../db/tables/project.js'
import { calendarLookup, findCalendars, lockCalendarsShared } from '../domain/calendars.js'
import { migrationSelection, undecidedBy } from '../domain/migrations.js'
import { pendingTimersFromJson, pendingTimersJson, type PendingTimersJson } from '../domain/timers.js'
import { machineVersionNotFound, Refusal } from '../errors.js'
import { loadFacts } from './facts.js'
import { calendarYearsOf } from './load.js'
import { migrationNeeds, planMigration, type MigrationDecision, type MigrationTarget } from './migration-plan.js'
import { writeTransitions } from './write.js'
import type { PlannedTransition } from './plan.js'

/**
 * Explicit migration of projects from one version of their machine to another (I6,
 * docs/versions.md). A request is checked whole first (versions, state map); a dry run then
 * reads the population and answers, state by state, what would move where and what cannot and
 * why; applying it records the migration and moves projects in batches, each batch one
 * transaction through the engine's writer (snapshot, history MIGRATE, timers, feed — I1–I3),
 * with each project's outcome committed beside its move. So a crash loses at most the batch in
 * flight, a restart goes on from the projects without an outcome, and a project is moved once.
 */
export interface MigrationRequest {
  type: ProjectType
  fromVersion: number
  toVersion: number
  stateMap?: StateMap | undefined
  filter?: MigrationFilter | undefined
}

export interface ResolvedMigration {
  type: ProjectType
  fromVersion: number
  toVersion: number
  stateMap: StateMap
  filter: MigrationFilter
}

const BATCH = 500

/** Refuses a request that cannot be carried out as asked, before any project is read. */
export function resolveMigration(request: MigrationRequest): ResolvedMigration {
  const { type, fromVersion, toVersion } = request
  for (const version of [fromVersion, toVersion]) if (!definitionAt(type, version)) throw machineVersionNotFound(type, version)
  if (fromVersion === toVersion) {
    throw new Refusal(422, 'MIGRATION_REFUSED', 'fromVersion and toVersion are the same version', { fromVersion, toVersion })
  }
  const from = definitionAt(type, fromVersion)!
  const { map, problems } = resolveStateMap(from, definitionAt(type, toVersion)!, request.stateMap ?? {})
  const unknownFilterStates = (request.filter?.states ?? []).filter((s) => !Object.hasOwn(map, s))
  if (problems.length || unknownFilterStates.length) {
    throw new Refusal(422, 'MIGRATION_MAP_REFUSED', `the state map cannot be applied: ${[...problems.map((p) => p.message), ...unknownFilterStates.map((s) => `filter: v${fromVersion} has no state ${s}`)].join('; ')}`, {
      problems,
      ...(unknownFilterStates.length ? { unknownFilterStates } : {}),
    })
  }
  return { type, fromVersion, toVersion, stateMap: map, filter: request.filter ?? {} }
}

type ProjectWithTimers = ProjectRow & { timers: PendingTimersJson }

/** Decides a batch of projects: calendars and the facts their target states' rules need, then one pure plan each. */
async function decideBatch(
  db: Executor,
  rows: readonly ProjectWithTimers[],
  m: ResolvedMigration,
  target: MigrationTarget,
  options: { now: Date; actor: string; calendarDefaults: CalendarDefaults; lockCalendars: boolean },
): Promise<Array<{ project: ProjectRow; decision: MigrationDecision }>> {
  const years = rows.flatMap(calendarYearsOf)
  // Applied, the calendars stay as read until commit, as for a transition; a dry run only reads.
  if (options.lockCalendars) await lockCalendarsShared(db, years)
  const calendarOf = calendarLookup(await findCalendars(db, years), options.calendarDefaults)
  const decided: Array<{ project: ProjectRow; decision: MigrationDecision }> = []
  for (const { timers, ...project } of rows) {
    const toState = m.stateMap[project.state] ?? null
    const needs = toState === null ? [] : migrationNeeds(target.definition, toState)
    const context = (project.snapshot as { context: { declaration: Record<string, unknown> } }).context
    const facts = await loadFacts(
      db,
      { projectId: project.id, type: project.type, organizationId: project.organization_id, year: project.year, declaration: context.declaration, event: {} },
      needs,
    )
    const decision = planMigration(project, pendingTimersFromJson(timers), toState, target, { now: options.now, actor: options.actor, calendarOf, facts })
    decided.push({ project, decision })
  }
  return decided
}

export interface MigrationPreview {
  type: ProjectType
  fromVersion: number
  toVersion: number
  stateMap: StateMap
  filter: MigrationFilter
  projects: number
  movable: number
  blocked: number
  timersChanged: number
  states: Array<{
    from: string
    to: string | null
    projects: number
    movable: number
    timersChanged: number
    blocked: Array<{ reason: BlockedReason; rules: string[]; projects: number; sample: string[] }>
  }>
}

type BlockedReason = Extract<MigrationDecision, { outcome: 'blocked' }>['reason']

const SAMPLE = 20

/** A dry run: what applying the migration now would do, state by state; writes nothing. */
export async function previewMigration(db: DB, m: ResolvedMigration, options: { now: Date; actor: string; calendarDefaults: CalendarDefaults }): Promise<MigrationPreview> {
  const target: MigrationTarget = { migrationId: '00000000-0000-0000-0000-000000000000', definition: definitionAt(m.type, m.toVersion)!, fromVersion: m.fromVersion }
  const byState = new Map<string, MigrationPreview['states'][number]>()
  let after = '00000000-0000-0000-0000-000000000000'
  for (;;) {
    const { rows } = await sql<ProjectWithTimers>`
      select p.*, ${pendingTimersJson(sql.ref('p.id'))} as timers
        from project p
       where ${migrationSelection(m)} and p.id > ${after}
       order by p.id
       limit ${BATCH}`.execute(db)
    if (rows.length === 0) break
    after = rows.at(-1)!.id
    for (const { project, decision } of await decideBatch(db, rows, m, target, { ...options, lockCalendars: false })) {
      let entry = byState.get(project.state)
      if (!entry) {
        byState.set(project.state, (entry = { from: project.state, to: m.stateMap[project.state] ?? null, projects: 0, movable: 0, timersChanged: 0, blocked: [] }))
      }
      entry.projects++
      if (decision.outcome === 'moved') {
        entry.movable++
        if (decision.timersChanged) entry.timersChanged++
      } else {
        const rules = ((decision.details.rules as Array<{ rule: string }> | undefined) ?? []).map((r) => r.rule)
        let group = entry.blocked.find((b) => b.reason === decision.reason && b.rules.join() === rules.join())
        if (!group) entry.blocked.push((group = { reason: decision.reason, rules, projects: 0, sample: [] }))
        group.projects++
        if (group.sample.length < SAMPLE) group.sample.push(project.id)
      }
    }
  }
  const states = [...byState.values()].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0))
  const sum = (f: (s: (typeof states)[number]) => number) => states.reduce((n, s) => n + f(s), 0)
  return {
    ...m,
    projects: sum((s) => s.projects),
    movable: sum((s) => s.movable),
    blocked: sum((s) => s.projects - s.movable),
    timersChanged: sum((s) => s.timersChanged),
    states,
  }
}

/** Records a migration to be applied; the runner carries it out (migration-runner.ts). */
export async function recordMigration(db: Executor, m: ResolvedMigration, actor: string, now: Date): Promise<MigrationRow> {
  const running = await db.selectFrom('migration').select('id').where('type', '=', m.type).where('status', '=', 'running').executeTakeFirst()
  if (running) {
    throw new Refusal(409, 'MIGRATION_IN_PROGRESS', `migration ${running.id} of the ${m.type} machine is still running`, { migrationId: running.id })
  }
  const { rows } = await sql<{ planned: number }>`select count(*)::int as planned from project p where ${migrationSelection(m)}`.execute(db)
  try {
    return await db
      .insertInto('migration')
      .values({
        id: randomUUID(),
        type: m.type,
        from_version: m.fromVersion,
        to_version: m.toVersion,
        state_map: JSON.stringify(m.stateMap),
        filter: JSON.stringify(m.filter),
        status: 'running',
        requested_by: actor,
        planned: Number(rows[0]!.planned),
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
  } catch (error) {
    // Two requests at once: the partial unique index lets one run per type.
    if ((error as { code?: string }).code === '23505') {
      throw new Refusal(409, 'MIGRATION_IN_PROGRESS', `another migration of the ${m.type} machine is running`)
    }
    throw error
  }
}

export interface BatchResult {
  moved: PlannedTransition[]
  blocked: number
  done: boolean
}

/**
 * Carries out one batch of a running migration in one transaction: the migration row is locked
 * (one batch of it at a time, across processes), the next projects without an outcome are read
 * under their row locks, planned, written by the engine's writer, and their outcomes recorded.
 * When no project is left the migration is completed.
 */
export async function migrateBatch(db: DB, migrationId: string, options: { now: Date; calendarDefaults: CalendarDefaults; batchSize?: number }): Promise<BatchResult> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('migration').selectAll().where('id', '=', migrationId).forUpdate().executeTakeFirst()
    if (!row || row.status !== 'running') return { moved: [], blocked: 0, done: true }
    const m: ResolvedMigration = { type: row.type, fromVersion: row.from_version, toVersion: row.to_version, stateMap: row.state_map, filter: row.filter }
    const { rows } = await sql<ProjectWithTimers>`
      select p.*, ${pendingTimersJson(sql.ref('p.id'))} as timers
        from project p
       where ${migrationSelection(m)} and ${undecidedBy(row.id)}
       order by p.id
       limit ${options.batchSize ?? BATCH}
       for update of p`.execute(trx)
    const { now } = options
    if (rows.length === 0) {
      await trx.updateTable('migration').set({ status: 'completed', completed_at: now, updated_at: now }).where('id', '=', row.id).execute()
      return { moved: [], blocked: 0, done: true }
    }
    const target: MigrationTarget = { migrationId: row.id, definition: definitionAt(m.type, m.toVersion)!, fromVersion: m.fromVersion }
    const decided = await decideBatch(trx, rows, m, target, { now, actor: row.requested_by, calendarDefaults: options.calendarDefaults, lockCalendars: true })
    const moved = decided.flatMap(({ decision }) => (decision.outcome === 'moved' ? [decision.plan] : []))
    await writeTransitions(trx, moved)
    const outcomes = decided.map(({ project, decision }) => ({
      migration_id: row.id,
      project_id: project.id,
      outcome: decision.outcome,
      from_state: project.state,
      to_state: decision.outcome === 'moved' ? decision.plan.to : (m.stateMap[project.state] ?? null),
      reason: decision.outcome === 'blocked' ? decision.reason : null,
      details: decision.outcome === 'blocked' ? JSON.stringify(decision.details) : null,
      at: now,
    }))
    await trx.insertInto('migration_outcome').values(outcomes).execute()
    const blocked = outcomes.length - moved.length
    await trx
      .updateTable('migration')
      .set((eb) => ({ moved: eb('moved', '+', moved.length), blocked: eb('blocked', '+', blocked), updated_at: now }))
      .where('id', '=', row.id)
      .execute()
    return { moved, blocked, done: false }
  })
}
