import type { Generated, Selectable } from 'kysely'

/** A request, left by a migration that changed when deadlines fall, to re-plan every running project's timers once. */
export interface ReplanRequestTable {
  id: Generated<string>
  reason: string
  requested_at: Generated<Date>
}

export type ReplanRequestRow = Selectable<ReplanRequestTable>
