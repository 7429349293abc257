import { loadCalendars, lockCalendarsShared } from '../domain/calendars.js'
import { Refusal } from '../errors.js'
import { claimDueProjects, dueTimersOf } from '../scheduler/claim.js'
import type { EngineContext } from './engine.js'
import { loadFacts } from './facts.js'
import { calendarYearsOf } from './load.js'
import { checkEvent, factSubject, planChecked, type PlannedTransition } from './plan.js'
import { writeTransitions, type ConsumedTimer } from './write.js'

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

function insertByDue(queue: DueTimer[], timer: DueTimer) {
  const at = queue.findIndex((q) => q.dueAt > timer.dueAt)
  queue.splice(at < 0 ? queue.length : at, 0, timer)
}

/**
 * Fires a batch of due timers, set-based: projects are claimed first (claim.ts), then their due
 * timers; every transition and the deletion of its timer commit together (I4).
 */
export async function fireDueTimers(engine: EngineContext, limit: number): Promise<FireResult> {
  const { db, clock, calendarDefaults, logger } = engine
  const now = clock.now()
  const { plans, result } = await db.transaction().execute(async (trx) => {
    const projects = await claimDueProjects(trx, now, limit)
    if (projects.length === 0) return { plans: [], result: { claimed: 0, fired: 0, skipped: 0 } }
    const timers = await dueTimersOf(trx, projects.map((p) => p.id), now)
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
        const checked = checkEvent(project, timer.event)
        // Deadline rules need no facts today; one that did would get them here as from a request.
        const facts = await loadFacts(trx, factSubject(project, checked), checked.needs)
        const plan = planChecked(project, checked, { now, actor: 'scheduler', calendarOf, facts })
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
  engine.logTransitions(plans)
  return result
}
