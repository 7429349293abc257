import type { Selectable } from 'kysely'

/** Members of a year's review group (评审组, R8) or acceptance group (验收组, R14). */
export type GroupKind = 'review' | 'acceptance'

export interface GroupMemberTable {
  year: number
  group: GroupKind
  member: string
  /** The order the organization section listed the members in. */
  position: number
  added_by: string
  added_at: Date
}

export type GroupMemberRow = Selectable<GroupMemberTable>
