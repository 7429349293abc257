import type { Selectable } from 'kysely'

/** A town-wide system (制度) a project's practice was solidified into (R15). */
export interface TownSystemTable {
  id: string
  title: string
  content: string
  /** A calendar date, YYYY-MM-DD. */
  effective_date: string
  source_project_id: string
  established_by: string
  established_at: Date
}

export type TownSystemRow = Selectable<TownSystemTable>
