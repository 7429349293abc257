import { sql } from 'kysely'
import { typesCountingAs, type OrganizationCategory } from '../../machines/index.js'
import type { Executor } from '../db/database.js'
import { inStatesTagged } from './state-tags.js'

/**
 * "1+X" (R5): each organization declares, every year, exactly one foundation project and at
 * least one innovation or promotion project. A project counts once it is declared — submitted,
 * and neither withdrawn nor refused approval: its state carries the machines' `declared` tag.
 */
export type ComplianceStatus = 'compliant' | 'missingFoundation' | 'missingElective' | 'missingBoth'

export interface OrganizationCompliance {
  organizationId: string
  name: string
  category: OrganizationCategory
  foundation: number
  elective: number
  status: ComplianceStatus
}

const statusOf = (foundation: number, elective: number): ComplianceStatus =>
  foundation >= 1 && elective >= 1
    ? 'compliant'
    : foundation === 0 && elective === 0
      ? 'missingBoth'
      : foundation === 0
        ? 'missingFoundation'
        : 'missingElective'

export async function compliance(db: Executor, year: number, organizationId?: string): Promise<OrganizationCompliance[]> {
  const declared = inStatesTagged('declared')
  // Which types are the "1" and which the X: each machine says (`countsAs`).
  const [one, x] = (['one', 'x'] as const).map((role) => sql.join(typesCountingAs(role).map((t) => sql.lit(t))))
  let query = db
    .selectFrom('organization')
    .leftJoin('project', (join) =>
      join.onRef('project.organization_id', '=', 'organization.id').on('project.year', '=', year),
    )
    .select([
      'organization.id',
      'organization.name',
      'organization.category',
      sql<string>`count(*) filter (where project.type in (${one}) and ${declared})`.as('foundation'),
      sql<string>`count(*) filter (where project.type in (${x}) and ${declared})`.as(
        'elective',
      ),
    ])
    .groupBy(['organization.id', 'organization.name', 'organization.category', 'organization.created_at'])
    .orderBy('organization.created_at')
    .orderBy('organization.id')
  if (organizationId) query = query.where('organization.id', '=', organizationId)
  const rows = await query.execute()
  return rows.map((r) => {
    const foundation = Number(r.foundation)
    const elective = Number(r.elective)
    return { organizationId: r.id, name: r.name, category: r.category, foundation, elective, status: statusOf(foundation, elective) }
  })
}

export function complianceTotals(rows: readonly OrganizationCompliance[]) {
  const byStatus: Record<ComplianceStatus, number> = { compliant: 0, missingFoundation: 0, missingElective: 0, missingBoth: 0 }
  for (const row of rows) byStatus[row.status] += 1
  return { organizations: rows.length, ...byStatus }
}
