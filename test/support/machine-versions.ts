import { machineRegistry, type ProjectType } from '../../machines/index.js'

/**
 * Runs `work` as a service that had not yet been upgraded would: with an older version current,
 * so the projects it starts stand on that version — the database a real upgrade meets.
 */
export async function asBeforeUpgrade<T>(type: ProjectType, version: number, work: () => Promise<T>): Promise<T> {
  const entry = machineRegistry[type]
  const current = entry.current
  entry.current = version
  try {
    return await work()
  } finally {
    entry.current = current
  }
}
