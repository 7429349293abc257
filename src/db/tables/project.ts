import type { Insertable, Selectable } from 'kysely'
import type { Phase, ProjectType } from '../../../machines/index.js'

export interface ProjectTable {
  id: string
  type: ProjectType
  machine_version: number
  organization_id: string
  year: number
  title: string
  /** Denormalized from the snapshot so lists and counts need not read it. */
  state: string
  phase: Phase
  /** XState snapshot status: active or done. */
  status: string
  snapshot: unknown
  version: number
  created_at: Date
  updated_at: Date
}

export type ProjectRow = Selectable<ProjectTable>
export type NewProjectRow = Insertable<ProjectTable>
