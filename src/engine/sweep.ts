import { loadCalendars, lockCalendarsShared } from '../domain/calendars.js'
import { claimDueProjects, dueTimersOf } from '../scheduler/claim.js'
import { planDueTimers, type DueTimer } from './due-timers.js'
import type { EngineContext } from './engine.js'
import { calendarYearsOf } from './load.js'
import { writeTransitions } from './write.js'
import type { Executor } from '../db/database.js'
import type { TimerRow } from '../db/tables/timer.js'
import type { PlannedTransition } from './plan.js'

const dueTimerOf = (t: TimerRow): DueTimer => ({ id: t.id, projectId: t.project_id, key: t.key, event: t.event as DueTimer['event'], dueAt: t.due_at })

export interface FireResult {
  /** Timers claimed and deleted in this batch. */
  claimed: number
  /** Of those, the ones whose event the machine took. */
  fired: number
  /** The ones the machine refused (no longer applicable); dropped. */
  skipped: number
}

/**
 * Fires a batch of due timers, set-based: projects are claimed first (claim.ts), then their due
 * timers, planned in due order (due-timers.ts); every transition and the deletion of its timer
 * commit together (I4).
 */
export async function fireDueTimers(engine: EngineContext, limit: number): Promise<FireResult> {
  const { db, clock, calendarDefaults, logger } = engine
  const now = clock.now()
  const { plans, result, dueAt } = await db.transaction().execute(async (trx) => {
    const projects = await claimDueProjects(trx, now, limit)
    if (projects.length === 0) return { plans: [], result: { claimed: 0, fired: 0, skipped: 0 }, dueAt: [] }
    const timers = await dueTimersOf(trx, projects.map((p) => p.id), now)
    const years = projects.flatMap(calendarYearsOf)
    // Firings set the next deadlines (the second half-year's report…) from the calendar: held as read until commit.
    await lockCalendarsShared(trx, years)
    const calendarOf = await loadCalendars(trx, years, calendarDefaults)
    const queue = timers.map(dueTimerOf)
    const { planned, consumed, skipped } = await planDueTimers(trx, projects, queue, { now, calendarOf, logger, maxSteps: limit * 10 })
    await writeTransitions(trx, planned, { consumedTimers: consumed })
    return { plans: planned, result: { claimed: consumed.length, fired: planned.length, skipped }, dueAt: timers.map((t) => t.due_at) }
  })
  engine.logTransitions(plans)
  if (dueAt.length) engine.observer?.timersFired(dueAt.map((due) => (now.getTime() - due.getTime()) / 1000), result.skipped)
  return result
}

/**
 * Fires one project's due timers inside the caller's transaction, under the project's row lock:
 * what the sweep would do, done first when an event reaches a project whose deadline passed
 * before the sweep came (send.ts), so the event meets the project as the deadline left it.
 * Returns the transitions written.
 */
export async function fireDueTimersOfProject(engine: EngineContext, trx: Executor, projectId: string): Promise<PlannedTransition[]> {
  const now = engine.clock.now()
  const project = await trx.selectFrom('project').selectAll().where('id', '=', projectId).forUpdate().executeTakeFirst()
  if (!project) return []
  const timers = await dueTimersOf(trx, [projectId], now)
  if (timers.length === 0) return []
  const years = calendarYearsOf(project)
  await lockCalendarsShared(trx, years)
  const calendarOf = await loadCalendars(trx, years, engine.calendarDefaults)
  const queue = timers.map(dueTimerOf)
  const { planned, consumed } = await planDueTimers(trx, [project], queue, { now, calendarOf, logger: engine.logger, maxSteps: 100 })
  await writeTransitions(trx, planned, { consumedTimers: consumed })
  return planned
}
