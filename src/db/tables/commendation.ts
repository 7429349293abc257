import type { Selectable } from 'kysely'

export const commendationKinds = ['commendation', 'materialReward', 'furtherCommendation'] as const
export type CommendationKind = (typeof commendationKinds)[number]
export const commendationLevels = ['town', 'county', 'city', 'province', 'national'] as const
export type CommendationLevel = (typeof commendationLevels)[number]
export const recipientTypes = ['organization', 'worker', 'project'] as const
export type RecipientType = (typeof recipientTypes)[number]

/** A commendation or material reward (R18), with the assessment it rests on. */
export interface CommendationTable {
  id: string
  year: number
  kind: CommendationKind
  level: CommendationLevel
  recipient_type: RecipientType
  organization_id: string
  project_id: string | null
  worker_name: string | null
  title: string
  reason: string
  basis: unknown
  /** For a further commendation: the county-or-higher commendation it follows. */
  follows_id: string | null
  awarded_by: string
  awarded_at: Date
  created_at: Date
}

export type CommendationRow = Selectable<CommendationTable>
