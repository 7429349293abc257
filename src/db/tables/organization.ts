import type { Insertable, Selectable } from 'kysely'
import type { OrganizationCategory } from '../../../machines/index.js'

export interface OrganizationTable {
  id: string
  name: string
  category: OrganizationCategory
  secretary: string
  leader_in_charge: string
  parent_id: string | null
  created_at: Date
  updated_at: Date
}

export type OrganizationRow = Selectable<OrganizationTable>
export type NewOrganizationRow = Insertable<OrganizationTable>
