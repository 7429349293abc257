import type { Logger } from 'pino'
import type { DB, Executor } from '../db/database.js'
import { inTransaction } from '../db/transaction.js'
import type { ProjectRow } from '../db/tables/project.js'
import { loadCalendars, lockCalendarsShared } from '../domain/calendars.js'
import { getOrganization } from '../domain/organizations.js'
import { Refusal, versionConflict } from '../errors.js'
import type { CalendarDefaults } from '../scheduler/calendar.js'
import type { Clock } from './clock.js'
import { actingAsSelf, assertCanSee, assertMayDeclare, assertMaySend } from '../domain/access.js'
import type { PrincipalRow } from '../db/tables/principal.js'
import { eventSpecOf } from '../../machines/shared/events.js'
import { definitionOf } from './snapshot.js'
import { creationFacts, eventFacts } from './facts.js'
import { planEvent, planStart, type PlannedTransition, type StartProject } from './plan.js'
import { writeTransitionIfUnchanged, writeTransitions, type ConsumedTimer } from './write.js'
import { calendarYearsOf, loadProjectForEvent, type LoadedProject } from './load.js'
import { pendingTimersAfter } from './effects.js'
import type { PendingTimer } from '../db/tables/timer.js'

/**
 * The only code that moves a project (I1): load → plan with the machine's pure transition →
 * write snapshot, history, timers and outbox in one statement (I3), which applies only at the
 * version loaded; or, after a lost race and for the scheduler, the same under a row lock (I2).
 */
export interface EngineOptions {
  db: DB
  clock: Clock
  logger: Logger
  /** Reviews needed before approval (R8); fixed into each project when it starts. */
  minReviews: number
  calendarDefaults: CalendarDefaults
}

export interface SendOptions {
  actor: string
  /** The API caller; when given, the machine's declared roles and the organization boundary apply. */
  principal?: PrincipalRow | undefined
  /** If-Match: refuse unless the project is still at this version. */
  expectedVersion?: number | undefined
  /** A transaction the caller holds (a keyed request's): the event is written in it, under the row lock. */
  executor?: Executor | undefined
}

export interface TransitionResult {
  project: ProjectRow
  /** The project's pending timers after the transition. */
  timers: PendingTimer[]
  from: string
  to: string
  event: string
}

export interface FireResult {
  /** Timers claimed and deleted in this batch. */
  claimed: number
  /** Of those, the ones whose event the machine took. */
  fired: number
  /** The ones the machine refused (no longer applicable); dropped. */
  skipped: number
}

interface DueTimer {
  /** Set for a stored timer; a timer set during the batch has none yet. */
  id?: string
  projectId: string
  key: string
  event: { type: string } & Record<string, unknown>
  dueAt: Date
}

/** Does the transition set a timer whose instant comes from a calendar (or an extension of it)? */
const setsCalendarTimers = (plan: PlannedTransition) => plan.timers.some((op) => op.op === 'set' && op.kind !== 'delay')

function insertByDue(queue: DueTimer[], timer: DueTimer) {
  const at = queue.findIndex((q) => q.dueAt > timer.dueAt)
  queue.splice(at < 0 ? queue.length : at, 0, timer)
}

export function createEngine(options: EngineOptions) {
  const { db, clock, logger, calendarDefaults } = options

  const logTransitions = (plans: readonly PlannedTransition[]) => {
    for (const p of plans) {
      logger.info(
        { projectId: p.project.id, from: p.from, event: p.event.type, to: p.to, actor: p.actor, version: p.project.version },
        'transition',
      )
    }
  }

  async function start(
    input: StartProject,
    actor: string,
    principal?: PrincipalRow,
    executor: Executor = db,
  ): Promise<{ project: ProjectRow; timers: PendingTimer[] }> {
    if (principal) assertMayDeclare(principal, input.organizationId)
    const plan = await inTransaction(executor, async (trx) => {
      // The year's calendar stays as read until this commits (a new draft's deadline comes from it).
      await lockCalendarsShared(trx, [input.year])
      // Locking the organization serializes its declarations, so "one foundation a year" holds under concurrency.
      const organization = await getOrganization(trx, input.organizationId, { forUpdate: true })
      const calendarOf = await loadCalendars(trx, [input.year], calendarDefaults)
      const facts = await creationFacts(trx, input)
      const planned = planStart(input, organization, { now: clock.now(), actor, calendarOf, facts, minReviews: options.minReviews })
      await writeTransitions(trx, [planned])
      return planned
    })
    logTransitions([plan])
    return { project: plan.project, timers: pendingTimersAfter([], plan) }
  }

  /** Checks the caller may send this event to this project; returns the event acting in the caller's name. */
  function authorize(project: ProjectRow, raw: { type: string } & Record<string, unknown>, sendOptions: SendOptions) {
    if (sendOptions.principal) {
      // Another organization's project does not exist for this caller, whatever the event: no refusal that tells otherwise.
      assertCanSee(sendOptions.principal, project)
      const spec = eventSpecOf(definitionOf(project).events, raw.type)
      if (spec) {
        // Deadline events are the scheduler's: for a caller, time moves only through the calendar and the clock.
        if ('deadline' in spec) {
          throw new Refusal(403, 'SCHEDULER_ONLY', `${raw.type} is sent by the scheduler when its deadline falls due`, { event: raw.type })
        }
        assertMaySend(sendOptions.principal, project, raw.type, spec.roles)
        raw = actingAsSelf(sendOptions.principal, raw)
      }
    }
    if (sendOptions.expectedVersion !== undefined && sendOptions.expectedVersion !== project.version) {
      throw versionConflict(sendOptions.expectedVersion, project.version)
    }
    return raw
  }

  async function planLoaded(
    executor: Executor,
    { project, calendarOf }: LoadedProject,
    raw: { type: string } & Record<string, unknown>,
    sendOptions: SendOptions,
  ): Promise<PlannedTransition> {
    const event = authorize(project, raw, sendOptions)
    const facts = await eventFacts(executor, project, event)
    return planEvent(project, event, { now: clock.now(), actor: sendOptions.actor, calendarOf, facts })
  }

  /** Plans and writes one event inside a transaction the caller holds, under the project's row lock. */
  async function sendWithin(
    trx: Executor,
    projectId: string,
    raw: { type: string } & Record<string, unknown>,
    sendOptions: SendOptions,
  ): Promise<{ plan: PlannedTransition; timers: PendingTimer[] }> {
    let loaded = await loadProjectForEvent(trx, projectId, calendarDefaults, { lock: true })
    let plan = await planLoaded(trx, loaded, raw, sendOptions)
    if (setsCalendarTimers(plan)) {
      // Planned again under the calendars' lock, from calendars read after it was granted.
      // The years before and after the event (an extension may roll into another year).
      const years = [...new Set([...calendarYearsOf(loaded.project), ...calendarYearsOf(plan.project)])]
      await lockCalendarsShared(trx, years)
      loaded = Object.assign({}, loaded, { calendarOf: await loadCalendars(trx, years, calendarDefaults) })
      plan = await planLoaded(trx, loaded, raw, sendOptions)
    }
    await writeTransitions(trx, [plan])
    return { plan, timers: pendingTimersAfter(loaded.timers, plan) }
  }

  /**
   * Two round trips and no transaction held between them: read, plan, then write in one
   * statement that applies only if the project is still at the version read. Undefined if
   * another writer moved it in between, or if the event sets a timer from the calendar, which
   * needs the calendar's lock held across the read and the write (sendWithin).
   */
  async function sendIfUnchanged(
    executor: Executor,
    projectId: string,
    raw: { type: string } & Record<string, unknown>,
    sendOptions: SendOptions,
  ): Promise<{ plan: PlannedTransition; timers: PendingTimer[] } | undefined> {
    const loaded = await loadProjectForEvent(executor, projectId, calendarDefaults, { lock: false })
    const plan = await planLoaded(executor, loaded, raw, sendOptions)
    if (setsCalendarTimers(plan)) return undefined
    if (!(await writeTransitionIfUnchanged(executor, plan))) return undefined
    return { plan, timers: pendingTimersAfter(loaded.timers, plan) }
  }

  async function send(
    projectId: string,
    raw: { type: string } & Record<string, unknown>,
    sendOptions: SendOptions,
  ): Promise<TransitionResult> {
    // Most events meet no other writer: the version check suffices. One that lost the race
    // queues on the row lock instead of retrying, so concurrent events on a project all land (I2).
    const { plan, timers } = sendOptions.executor?.isTransaction
      ? await sendWithin(sendOptions.executor, projectId, raw, sendOptions)
      : // One connection for the read and the write (no transaction): under load a request then
        // waits for the pool once, not twice, as the baseline's transaction does.
        ((await db.connection().execute((connection) => sendIfUnchanged(connection, projectId, raw, sendOptions))) ??
        (await db.transaction().execute((trx) => sendWithin(trx, projectId, raw, sendOptions))))
    logTransitions([plan])
    return { project: plan.project, timers, from: plan.from!, to: plan.to, event: plan.event.type }
  }

  /**
   * Fires a batch of due timers, set-based: projects are locked first (SKIP LOCKED, so several
   * processes share the work and never fire one timer twice), then their due timers; every
   * transition and the deletion of its timer commit together (I4).
   */
  async function fireDueTimers(limit: number): Promise<FireResult> {
    const now = clock.now()
    const { plans, result } = await db.transaction().execute(async (trx) => {
      // Up to `limit` projects with due timers, earliest first, skipping those another process holds.
      const projects = await trx
        .selectFrom('project')
        .innerJoin(
          // The earliest due timers by index, then per project: no scan of everything that is due.
          (eb) =>
            eb
              .selectFrom((inner) =>
                inner
                  .selectFrom('timer')
                  .select(['project_id', 'due_at'])
                  .where('due_at', '<=', now)
                  .orderBy('due_at')
                  .orderBy('id')
                  .limit(limit * 4)
                  .as('earliest'),
              )
              .select(['earliest.project_id', (e) => e.fn.min('earliest.due_at').as('first_due')])
              .groupBy('earliest.project_id')
              .as('due'),
          (join) => join.onRef('due.project_id', '=', 'project.id'),
        )
        .selectAll('project')
        .orderBy('due.first_due')
        .orderBy('project.id')
        .limit(limit)
        .forUpdate('project')
        .skipLocked()
        .execute()
      if (projects.length === 0) return { plans: [], result: { claimed: 0, fired: 0, skipped: 0 } }
      const timers = await trx
        .selectFrom('timer')
        .selectAll()
        .where('project_id', 'in', projects.map((p) => p.id))
        .where('due_at', '<=', now)
        .orderBy('due_at')
        .orderBy('id')
        .execute()
      const years = projects.flatMap(calendarYearsOf)
      // Firings set the next deadlines (the second half-year's report…) from the calendar: held as read until commit.
      await lockCalendarsShared(trx, years)
      const calendarOf = await loadCalendars(trx, years, calendarDefaults)
      const current = new Map(projects.map((p) => [p.id, p]))
      // Due order, also for timers a firing sets that are themselves already due (after downtime,
      // the second half-year report falls due before the acceptance deadline that ends it).
      const queue: DueTimer[] = timers.map((t) => ({
        id: t.id,
        projectId: t.project_id,
        key: t.key,
        event: t.event as DueTimer['event'],
        dueAt: t.due_at,
      }))
      const planned: PlannedTransition[] = []
      const lastPlanOf = new Map<string, PlannedTransition>()
      // Stored timers this batch fired, skipped or replaced; the rest stay for the next batch.
      const consumed: ConsumedTimer[] = []
      let skipped = 0
      for (let steps = 0; queue.length > 0 && steps < limit * 10; steps++) {
        const timer = queue.shift()!
        if (timer.id) consumed.push(timer)
        const project = current.get(timer.projectId)!
        try {
          const plan = planEvent(project, timer.event, { now, actor: 'scheduler', calendarOf })
          // The timer is used up unless the transition sets its key again.
          plan.timers.unshift({ op: 'delete', key: timer.key })
          planned.push(plan)
          lastPlanOf.set(project.id, plan)
          current.set(project.id, plan.project)
          for (const op of plan.timers) {
            const replaced = queue.findIndex((q) => q.projectId === project.id && q.key === op.key)
            if (replaced >= 0) {
              const [gone] = queue.splice(replaced, 1)
              if (gone?.id) consumed.push(gone)
            }
            if (op.op === 'set' && op.dueAt <= now) {
              insertByDue(queue, { projectId: project.id, key: op.key, event: op.event as DueTimer['event'], dueAt: op.dueAt })
            }
          }
        } catch (error) {
          if (!(error instanceof Refusal)) throw error
          // The project moved on since the timer was set; its machine no longer takes the event.
          skipped += 1
          lastPlanOf.get(project.id)?.timers.push({ op: 'delete', key: timer.key })
          logger.info({ projectId: project.id, timer: timer.key, code: error.code }, 'timer skipped')
        }
      }
      await writeTransitions(trx, planned, { consumedTimers: consumed })
      return { plans: planned, result: { claimed: consumed.length, fired: planned.length, skipped } }
    })
    logTransitions(plans)
    return result
  }

  return { start, send, sendWithin, fireDueTimers }
}

export type Engine = ReturnType<typeof createEngine>
export type { StartProject } from './plan.js'
