import type { Selectable } from 'kysely'
import type { OrganizationCategory } from '../../../machines/index.js'

/** A published version of the Town Party-Building Project Management Handbook (R1). */
export interface HandbookVersionTable {
  version: string
  title: string
  published_by: string
  published_at: Date
}

/** One item of a version, for one organization category. */
export interface HandbookItemTable {
  version: string
  category: OrganizationCategory
  code: string
  requirement: string
  standard: string
  frequency: string
  required: boolean
  position: number
}

export type HandbookVersionRow = Selectable<HandbookVersionTable>
export type HandbookItemRow = Selectable<HandbookItemTable>
