import type { EventFacts, FactName, ProjectType } from '../../machines/index.js'
import { definitionAt, stateTagsOf, typesCountingAs } from '../../machines/index.js'
import type { Executor } from '../db/database.js'
import { gradingPolicy } from '../domain/grading.js'
import { groupMembers } from '../domain/groups.js'
import { handbookFacts } from '../domain/handbooks.js'
import { getOrganization } from '../domain/organizations.js'
import { findSpotCheck } from '../domain/spot-checks.js'
import { inStatesTagged } from '../domain/state-tags.js'

/**
 * The registry of facts (I5: rules stay pure in the machine; the engine hands them what they
 * read of other records). A rule names the facts it needs (`needs` in rules.ts); the engine
 * loads, inside its transaction and after the payload is valid, the facts of the rules the
 * event can reach — one loader per fact, no branching on event names or project types.
 */
export interface FactSubject {
  /** Null while the project is being created. */
  projectId: string | null
  type: ProjectType
  organizationId: string
  year: number
  /** The declaration as the rules will see it (the draft being created, or the project's). */
  declaration: Record<string, unknown>
  /** The event's validated payload (empty at creation). */
  event: Record<string, unknown>
}

type Loader<K extends FactName> = (db: Executor, subject: FactSubject) => Promise<NonNullable<EventFacts[K]> | null>

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

const loaders: { [K in FactName]-?: Loader<K> } = {
  async handbook(db, { organizationId, declaration }) {
    const organization = await getOrganization(db, organizationId)
    return handbookFacts(db, String(declaration.handbookVersion ?? ''), organization.category)
  },
  // The same organization's foundation project of the year before, if it declared one (R9: raised year by year).
  async previousTargets(db, { organizationId, year }) {
    const previous = await db
      .selectFrom('project')
      .select('snapshot')
      .where('organization_id', '=', organizationId)
      .where('year', '=', year - 1)
      .where('type', 'in', typesCountingAs('one'))
      .where(inStatesTagged('declared'))
      .orderBy('created_at', 'desc')
      .executeTakeFirst()
    if (!previous) return null
    const targets = (previous.snapshot as { context: { declaration: { targets?: EventFacts['previousTargets'] } } }).context.declaration.targets
    return targets ?? null
  },
  async liveFoundations(db, { organizationId, year }) {
    return db
      .selectFrom('project')
      .select(['id', 'state'])
      .where('organization_id', '=', organizationId)
      .where('year', '=', year)
      .where('type', 'in', typesCountingAs('one'))
      .where(inStatesTagged('live'))
      .orderBy('created_at')
      .execute()
  },
  reviewGroup: (db, { year }) => groupMembers(db, year, 'review'),
  acceptanceGroup: (db, { year }) => groupMembers(db, year, 'acceptance'),
  async grading(db, { year, type }) {
    const { stored: _stored, ...policy } = await gradingPolicy(db, year, type)
    return policy
  },
  async spotCheck(db, { event, projectId }) {
    const id = String(event.spotCheckId ?? '')
    const check = uuid.test(id) ? await findSpotCheck(db, id) : undefined
    return { id, exists: !!check, selected: ((check?.selected as string[] | undefined) ?? []).includes(projectId ?? '') }
  },
  async sourcePractice(db, { declaration }) {
    const named = (declaration.sourcePractice as { projectId?: string; systemId?: string } | undefined) ?? {}
    const project =
      named.projectId && uuid.test(named.projectId)
        ? await db.selectFrom('project').select(['id', 'type', 'machine_version', 'state']).where('id', '=', named.projectId).executeTakeFirst()
        : undefined
    const system =
      named.systemId && uuid.test(named.systemId)
        ? await db.selectFrom('town_system').select('id').where('id', '=', named.systemId).executeTakeFirst()
        : undefined
    const definition = project && definitionAt(project.type, project.machine_version)
    return {
      project: named.projectId
        ? { id: named.projectId, exists: !!project, passedAcceptance: !!definition && stateTagsOf(definition, project!.state).includes('passedAcceptance') }
        : null,
      system: named.systemId ? { id: named.systemId, exists: !!system } : null,
    }
  },
}

/** The facts these rules need, read for this subject; undefined when they need none. */
export async function loadFacts(db: Executor, subject: FactSubject, needs: readonly FactName[]): Promise<EventFacts | undefined> {
  if (needs.length === 0) return undefined
  const facts: Record<string, unknown> = {}
  for (const name of needs) {
    const value = await (loaders[name] as Loader<FactName>)(db, subject)
    facts[name] = value
  }
  return facts as EventFacts
}
