/** One row: the sandbox's manual clock (CLOCK=manual), shared by every process on the database. */
export interface ServiceClockTable {
  singleton: boolean
  now: Date
  updated_at: Date
}
