import type { Selectable } from 'kysely'

/** A random draw of projects in implementation (随机抽查, R12), with all it needs to be re-drawn. */
export interface SpotCheckTable {
  id: string
  year: number
  category: string | null
  method: 'count' | 'percentage'
  amount: number
  seed: string
  /** The project ids drawn from, sorted. */
  population: unknown
  /** The project ids drawn, in draw order. */
  selected: unknown
  drawn_by: string
  drawn_at: Date
}

export type SpotCheckRow = Selectable<SpotCheckTable>
