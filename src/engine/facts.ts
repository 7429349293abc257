import type { EventFacts, ProjectType } from '../../machines/index.js'
import type { Executor } from '../db/database.js'
import type { ProjectRow } from '../db/tables/project.js'
import { gradingPolicy } from '../domain/grading.js'
import { groupMembers } from '../domain/groups.js'
import { handbookFacts } from '../domain/handbooks.js'
import { getOrganization } from '../domain/organizations.js'
import { findSpotCheck } from '../domain/spot-checks.js'

/**
 * Reads, inside the engine's transaction, the other records a rule needs (I5: rules stay pure
 * in the machine; the engine hands them the facts with the event).
 */

/** States in which a project no longer counts: withdrawn or not approved. */
const dead = ['withdrawn', 'rejected'] as const
/** States in which a declaration has not (yet) been made. */
const undeclared = ['draft', 'overdueDeclaration', ...dead] as const

export async function creationFacts(db: Executor, input: { type: ProjectType; organizationId: string; year: number }): Promise<EventFacts> {
  if (input.type !== 'foundation') return {}
  const live = await db
    .selectFrom('project')
    .select(['id', 'state'])
    .where('organization_id', '=', input.organizationId)
    .where('year', '=', input.year)
    .where('type', '=', 'foundation')
    .where('state', 'not in', [...dead])
    .orderBy('created_at')
    .execute()
  return { liveFoundations: live }
}

async function previousTargets(db: Executor, organizationId: string, year: number): Promise<EventFacts['previousTargets']> {
  const previous = await db
    .selectFrom('project')
    .select('snapshot')
    .where('organization_id', '=', organizationId)
    .where('year', '=', year - 1)
    .where('type', '=', 'foundation')
    .where('state', 'not in', [...undeclared])
    .orderBy('created_at', 'desc')
    .executeTakeFirst()
  if (!previous) return null
  const targets = (previous.snapshot as { context: { declaration: { targets?: EventFacts['previousTargets'] } } }).context.declaration.targets
  return targets ?? null
}

export async function eventFacts(
  db: Executor,
  project: ProjectRow,
  event: { type: string } & Record<string, unknown>,
): Promise<EventFacts | undefined> {
  switch (event.type) {
    case 'SUBMIT':
    case 'RESUBMIT': {
      if (project.type !== 'foundation') return undefined
      const organization = await getOrganization(db, project.organization_id)
      const declaration = (project.snapshot as { context: { declaration: Record<string, unknown> } }).context.declaration
      return {
        handbook: await handbookFacts(db, String(declaration.handbookVersion ?? ''), organization.category),
        previousTargets: await previousTargets(db, project.organization_id, project.year),
      }
    }
    case 'RECORD_REVIEW':
      return { reviewGroup: await groupMembers(db, project.year, 'review') }
    case 'RECORD_ASSESSMENT':
      return { acceptanceGroup: await groupMembers(db, project.year, 'acceptance') }
    case 'EVALUATE': {
      const { stored: _stored, ...policy } = await gradingPolicy(db, project.year, project.type)
      return { grading: policy }
    }
    case 'RECORD_SPOT_CHECK_FINDING': {
      const id = String(event.spotCheckId ?? '')
      const check = /^[0-9a-f-]{36}$/i.test(id) ? await findSpotCheck(db, id) : undefined
      return { spotCheck: { id, exists: !!check, selected: ((check?.selected as string[] | undefined) ?? []).includes(project.id) } }
    }
    default:
      return undefined
  }
}
