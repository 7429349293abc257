import type { Executor } from '../db/database.js'
import type { PrincipalRow } from '../db/tables/principal.js'
import type { ProjectRow } from '../db/tables/project.js'
import type { PendingTimer } from '../db/tables/timer.js'
import { inTransaction } from '../db/transaction.js'
import { assertMayDeclare } from '../domain/access.js'
import { loadCalendars, lockCalendarsShared } from '../domain/calendars.js'
import { getOrganization } from '../domain/organizations.js'
import { getSystem } from '../domain/systems.js'
import type { EngineContext } from './engine.js'
import { pendingTimersAfter } from './effects.js'
import { loadFacts } from './facts.js'
import { creationNeeds, planStart, type StartProject } from './plan.js'
import { writeTransitions } from './write.js'
import { validationFailed } from '../errors.js'

/** Creates a project in its machine's initial state, after the machine's creation rules (I1, I7). */
export async function startProject(
  engine: EngineContext,
  input: StartProject,
  actor: string,
  principal?: PrincipalRow,
  executor: Executor = engine.db,
): Promise<{ project: ProjectRow; timers: PendingTimer[] }> {
  if (principal) assertMayDeclare(principal, input.organizationId)
  const plan = await inTransaction(executor, async (trx) => {
    // The year's calendar stays as read until this commits (a new draft's deadline comes from it).
    await lockCalendarsShared(trx, [input.year])
    // Locking the organization serializes its declarations, so "one foundation a year" holds under concurrency.
    const organization = await getOrganization(trx, input.organizationId, { forUpdate: true })
    const calendarOf = await loadCalendars(trx, [input.year], engine.calendarDefaults)
    const subject = { projectId: null, type: input.type, organizationId: input.organizationId, year: input.year, declaration: input.declaration, event: {} }
    const facts = (await loadFacts(trx, subject, creationNeeds(input.type))) ?? {}
    const planned = planStart(input, organization, { now: engine.clock.now(), actor, calendarOf, facts, minReviews: engine.minReviews })
    await writeTransitions(trx, [planned])
    return planned
  })
  engine.logTransitions([plan])
  return { project: plan.project, timers: pendingTimersAfter([], plan) }
}

/**
 * A system-promotion project (制度推广型, R3) seeded from a town system: a draft whose source
 * practice names the system and the project it came from, then started like any other.
 */
export async function startPromotionOfSystem(
  engine: EngineContext,
  systemId: string,
  input: { organizationId: string; year: number; title?: string | undefined; declaration?: Record<string, unknown> | undefined },
  actor: string,
  principal?: PrincipalRow,
  executor: Executor = engine.db,
) {
  const system = await getSystem(executor, systemId)
  const sourcePractice = { projectId: system.source_project_id, systemId: system.id, description: system.title }
  const title = input.title ?? (input.declaration?.title as string | undefined) ?? `${system.title}推广`
  // The source is the system: a declaration naming another source is refused rather than overwritten.
  if (input.declaration && 'sourcePractice' in input.declaration) {
    throw validationFailed('the source practice of a project seeded from a system is that system', [{ path: 'body.declaration.sourcePractice', message: 'not allowed here' }])
  }
  const declaration = Object.assign({}, input.declaration, { title, sourcePractice })
  const started = await startProject(engine, { type: 'promotion', organizationId: input.organizationId, year: input.year, declaration }, actor, principal, executor)
  return Object.assign(started, { sourcePractice })
}
