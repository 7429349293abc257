import type { Selectable } from 'kysely'
import type { ProjectType } from '../../../machines/index.js'

/** A year's weights and thresholds for one project type (R14 分类分级). */
export interface GradingPolicyTable {
  year: number
  type: ProjectType
  weights: unknown
  thresholds: unknown
  updated_by: string
  updated_at: Date
}

export type GradingPolicyRow = Selectable<GradingPolicyTable>
