import type { Generated, Insertable, Selectable } from 'kysely'

/** One row per transition (I1), written in the transaction that made it. */
export interface ProjectHistoryTable {
  id: Generated<string>
  project_id: string
  version: number
  from_state: string | null
  event_type: string
  event: unknown
  to_state: string
  actor: string
  at: Date
}

export type ProjectHistoryRow = Selectable<ProjectHistoryTable>
export type NewProjectHistoryRow = Insertable<ProjectHistoryTable>
