import { readdirSync, readFileSync } from 'node:fs'

/**
 * CPU time spent by processes on this machine, from /proc (Linux): the server under load, and
 * the local PostgreSQL's processes. Benchmarks divide the difference by the requests served to
 * show where each request's time goes. Undefined where /proc is not there to read.
 */
const ticksPerSecond = 100

function cpuOf(pid: number | string): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name (which may hold spaces) start at field 3; utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond
  } catch {
    return undefined
  }
}

export const processCpuSeconds = (pid: number) => cpuOf(pid)

/** CPU seconds of each PostgreSQL process now running, by pid. */
export function postgresCpu(): Map<string, number> | undefined {
  let entries: string[]
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name))
  } catch {
    return undefined
  }
  const cpu = new Map<string, number>()
  for (const pid of entries) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue
    } catch {
      continue
    }
    const seconds = cpuOf(pid)
    if (seconds !== undefined) cpu.set(pid, seconds)
  }
  return cpu
}

/**
 * PostgreSQL's CPU seconds between two readings. A backend that exited in between (an idle pool
 * connection closing) took its total with it, so only processes alive at the end count: their
 * time since the first reading, or all of it if they started after.
 */
export function postgresCpuBetween(before: Map<string, number> | undefined, after: Map<string, number> | undefined): number | undefined {
  if (!before || !after) return undefined
  let seconds = 0
  for (const [pid, total] of after) seconds += total - (before.get(pid) ?? 0)
  return seconds
}
