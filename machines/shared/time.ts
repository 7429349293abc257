/**
 * Dates people say are read in Asia/Shanghai. China has kept UTC+8 without daylight saving
 * since 1992, so the offset is fixed rather than looked up. Pure: no clock here.
 */
export const SHANGHAI_OFFSET_MS = 8 * 60 * 60 * 1000

/** 23:59:59.999 of a YYYY-MM-DD date in Asia/Shanghai, as a UTC instant (a date past its month's end clamps). */
export function endOfShanghaiDay(year: number, month: number, day: number): Date {
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate()
  return new Date(Date.UTC(year, month - 1, Math.min(day, lastDay), 23, 59, 59, 999) - SHANGHAI_OFFSET_MS)
}

export function endOfShanghaiDate(date: string): Date {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number]
  return endOfShanghaiDay(year, month, day)
}

/** The local calendar date (YYYY-MM-DD) of an instant, in Asia/Shanghai. */
export function shanghaiDate(instant: Date): string {
  return new Date(instant.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10)
}

/** The end (Asia/Shanghai) of the day `days` days after the local date of an instant. */
export function endOfShanghaiDayAfter(instant: Date, days: number): Date {
  const date = new Date(Date.parse(`${shanghaiDate(instant)}T00:00:00Z`) + days * 86_400_000)
  return endOfShanghaiDay(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate())
}
