import type { Logger } from 'pino'
import type { CalendarOf } from '../calendar/year-calendar.js'
import type { Executor } from '../db/database.js'
import type { ProjectRow } from '../db/tables/project.js'
import { Refusal } from '../errors.js'
import { loadFacts } from './facts.js'
import { checkEvent, factSubject, planChecked, type PlannedTransition } from './plan.js'
import type { ConsumedTimer } from './write.js'

/** A timer to fire: a stored one (with its id), or one a firing in this batch set that is itself already due. */
export interface DueTimer {
  id?: string
  projectId: string
  key: string
  event: { type: string } & Record<string, unknown>
  dueAt: Date
}

export interface DueFirings {
  planned: PlannedTransition[]
  /** Stored timers fired, skipped or replaced; the rest stay. */
  consumed: ConsumedTimer[]
  skipped: number
  /** Each project as the firings leave it. */
  current: Map<string, ProjectRow>
}

function insertByDue(queue: DueTimer[], timer: DueTimer) {
  const at = queue.findIndex((q) => q.dueAt > timer.dueAt)
  queue.splice(at < 0 ? queue.length : at, 0, timer)
}

/**
 * Plans the firing of locked projects' due timers in due order — also of timers a firing sets
 * that are themselves already due (after downtime, the second half-year report falls due before
 * the acceptance deadline that ends it). Used by the sweep, and by an event sent to a project
 * whose deadline has passed before the sweep came: the deadline is applied first, so nothing
 * sent after a deadline is taken as on time.
 */
export async function planDueTimers(
  trx: Executor,
  projects: readonly ProjectRow[],
  timers: readonly DueTimer[],
  options: { now: Date; calendarOf: CalendarOf; logger: Logger; maxSteps: number },
): Promise<DueFirings> {
  const { now, calendarOf, logger } = options
  const current = new Map(projects.map((p) => [p.id, p]))
  const queue = [...timers].sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime())
  const planned: PlannedTransition[] = []
  const lastPlanOf = new Map<string, PlannedTransition>()
  const consumed: ConsumedTimer[] = []
  let skipped = 0
  for (let steps = 0; queue.length > 0 && steps < options.maxSteps; steps++) {
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
  return { planned, consumed, skipped, current }
}
