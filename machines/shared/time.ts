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
