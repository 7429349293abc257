import type { Executor } from '../db/database.js'
import type { PrincipalRow } from '../db/tables/principal.js'
import type { ProjectRow } from '../db/tables/project.js'
import type { PendingTimer } from '../db/tables/timer.js'
import { loadCalendars, lockCalendarsShared } from '../domain/calendars.js'
import { assertExpectedVersion, authorize } from './authorize.js'
import { Refusal } from '../errors.js'
import type { EngineContext } from './engine.js'
import { pendingTimersAfter } from './effects.js'
import { loadFacts } from './facts.js'
import { calendarYearsOf, loadProjectForEvent, type LoadedProject } from './load.js'
import { checkEvent, factSubject, planChecked, type PlannedTransition } from './plan.js'
import { writeTransitionIfUnchanged, writeTransitions } from './write.js'
import { fireDueTimersOfProject } from './sweep.js'
import { assertFilesHeld, filesNamedBy } from '../domain/project-files.js'

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

/** The fast path's answer when the project has a timer already due: its deadline comes first. */
const DEADLINE_PASSED = Symbol('deadline passed')

/**
 * Has a deadline of the project passed with its timer still pending? Only a caller who may send to
 * the project sets such deadlines going (its If-Match is checked on the project as they leave it).
 */
function passedDeadlines(loaded: LoadedProject, now: Date, raw: { type: string } & Record<string, unknown>, sendOptions: SendOptions): boolean {
  if (!loaded.timers.some((t) => t.due_at <= now)) return false
  authorize(loaded.project, raw, Object.assign({}, sendOptions, { expectedVersion: undefined }))
  return true
}

/**
 * Does the event name evidence files? Then it is written under the project's row lock, which a
 * file's removal takes too: the file it names is still the project's when its history names it.
 */
const namesFiles = (plan: PlannedTransition) => filesNamedBy(plan.event).length > 0

/** Does the transition set a timer whose instant comes from a calendar (or an extension of it)? */
const setsCalendarTimers = (plan: PlannedTransition) => plan.timers.some((op) => op.op === 'set')

/** Authorizes, checks the event, loads the facts its rules can reach (after the payload is valid) and plans it. */
async function planLoaded(
  engine: EngineContext,
  executor: Executor,
  { project, calendarOf }: LoadedProject,
  raw: { type: string } & Record<string, unknown>,
  sendOptions: SendOptions,
): Promise<PlannedTransition> {
  const checked = checkEvent(project, authorize(project, raw, sendOptions))
  assertExpectedVersion(project, sendOptions)
  await assertFilesHeld(executor, project.id, filesNamedBy(checked.payload))
  const facts = await loadFacts(executor, factSubject(project, checked), checked.needs)
  return planChecked(project, checked, { now: engine.clock.now(), actor: sendOptions.actor, calendarOf, facts })
}

/** Plans and writes one event inside a transaction the caller holds, under the project's row lock. */
export async function sendWithin(
  engine: EngineContext,
  trx: Executor,
  projectId: string,
  raw: { type: string } & Record<string, unknown>,
  sendOptions: SendOptions,
): Promise<{ plan: PlannedTransition; timers: PendingTimer[] }> {
  let loaded = await loadProjectForEvent(trx, projectId, engine.calendarDefaults, { lock: true })
  let firedEarly = false
  if (passedDeadlines(loaded, engine.clock.now(), raw, sendOptions)) {
    // A deadline passed and the sweep has not come yet: it is applied first, as the sweep would (I4).
    engine.logTransitions(await fireDueTimersOfProject(engine, trx, projectId))
    firedEarly = true
    loaded = await loadProjectForEvent(trx, projectId, engine.calendarDefaults, { lock: true })
  }
  try {
    return await planAndWrite(engine, trx, loaded, raw, sendOptions)
  } catch (error) {
    // Refused: the deadlines fired in this transaction go with its rollback; they are fired again after it.
    if (firedEarly && error instanceof Refusal) {
      error.afterRollback = async () =>
        engine.logTransitions(await engine.db.transaction().execute((again) => fireDueTimersOfProject(engine, again, projectId)))
    }
    throw error
  }
}

async function planAndWrite(
  engine: EngineContext,
  trx: Executor,
  loaded: LoadedProject,
  raw: { type: string } & Record<string, unknown>,
  sendOptions: SendOptions,
): Promise<{ plan: PlannedTransition; timers: PendingTimer[] }> {
  let plan = await planLoaded(engine, trx, loaded, raw, sendOptions)
  if (setsCalendarTimers(plan)) {
    // Planned again under the calendars' lock, from calendars read after it was granted.
    // The years before and after the event (an extension may roll into another year).
    const years = [...new Set([...calendarYearsOf(loaded.project), ...calendarYearsOf(plan.project)])]
    await lockCalendarsShared(trx, years)
    loaded = Object.assign({}, loaded, { calendarOf: await loadCalendars(trx, years, engine.calendarDefaults) })
    plan = await planLoaded(engine, trx, loaded, raw, sendOptions)
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
  engine: EngineContext,
  executor: Executor,
  projectId: string,
  raw: { type: string } & Record<string, unknown>,
  sendOptions: SendOptions,
): Promise<{ plan: PlannedTransition; timers: PendingTimer[] } | undefined | typeof DEADLINE_PASSED> {
  const loaded = await loadProjectForEvent(executor, projectId, engine.calendarDefaults, { lock: false })
  if (passedDeadlines(loaded, engine.clock.now(), raw, sendOptions)) return DEADLINE_PASSED
  const plan = await planLoaded(engine, executor, loaded, raw, sendOptions)
  if (setsCalendarTimers(plan) || namesFiles(plan)) return undefined
  if (!(await writeTransitionIfUnchanged(executor, plan))) return undefined
  return { plan, timers: pendingTimersAfter(loaded.timers, plan) }
}

export async function sendEvent(
  engine: EngineContext,
  projectId: string,
  raw: { type: string } & Record<string, unknown>,
  sendOptions: SendOptions,
): Promise<TransitionResult> {
  const { db } = engine
  // Most events meet no other writer: the version check suffices. One that lost the race
  // queues on the row lock instead of retrying, so concurrent events on a project all land (I2).
  let sent: Awaited<ReturnType<typeof sendIfUnchanged>>
  if (sendOptions.executor?.isTransaction) {
    sent = await sendWithin(engine, sendOptions.executor, projectId, raw, sendOptions)
  } else {
    // One connection for the read and the write (no transaction): under load a request then
    // waits for the pool once, not twice, as the baseline's transaction does.
    const fast = () => db.connection().execute((connection) => sendIfUnchanged(engine, connection, projectId, raw, sendOptions))
    sent = await fast()
    if (sent === DEADLINE_PASSED) {
      // The passed deadlines commit on their own, whatever becomes of the event: they are the sweep's work, done early.
      engine.logTransitions(await db.transaction().execute((trx) => fireDueTimersOfProject(engine, trx, projectId)))
      sent = await fast()
    }
    if (sent === undefined || sent === DEADLINE_PASSED) {
      try {
        sent = await db.transaction().execute((trx) => sendWithin(engine, trx, projectId, raw, sendOptions))
      } catch (error) {
        if (error instanceof Refusal && error.afterRollback) await error.afterRollback()
        throw error
      }
    }
  }
  const { plan, timers } = sent
  engine.logTransitions([plan])
  return { project: plan.project, timers, from: plan.from!, to: plan.to, event: plan.event.type }
}
