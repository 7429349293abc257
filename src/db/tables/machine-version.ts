import type { Selectable } from 'kysely'

/** When each machine version became the one new projects of its type start on, in this database (I6). */
export interface MachineVersionTable {
  type: string
  version: number
  current_since: Date
}

export type MachineVersionRow = Selectable<MachineVersionTable>
