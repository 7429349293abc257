import type { Executor } from '../db/database.js'
import type { ProjectRow } from '../db/tables/project.js'
import type { TimerRow } from '../db/tables/timer.js'

/**
 * What one sweep claims (I4): up to `limit` projects with due timers, earliest first, locked
 * with SKIP LOCKED so several processes share the work and never fire one timer twice; then
 * those projects' due timers, in due order. Both inside the sweep's transaction.
 */
export async function claimDueProjects(trx: Executor, now: Date, limit: number): Promise<ProjectRow[]> {
  return trx
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
}

export async function dueTimersOf(trx: Executor, projectIds: readonly string[], now: Date): Promise<TimerRow[]> {
  return trx
    .selectFrom('timer')
    .selectAll()
    .where('project_id', 'in', projectIds)
    .where('due_at', '<=', now)
    .orderBy('due_at')
    .orderBy('id')
    .execute()
}
