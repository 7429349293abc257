import { machineRegistry, type ProjectType } from '../machines/index.js'

/**
 * Refusals (I7): every one has an HTTP status, a stable machine-readable code and a
 * human message; the central error handler adds the request id.
 */
export class Refusal extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message)
    this.name = 'Refusal'
  }

  /**
   * Work the refused request did that must stand although the refusal rolls its transaction back
   * (a deadline that had passed, fired first): whoever rolls back runs it afterwards.
   */
  afterRollback?: () => Promise<unknown>
}

export const notFound = (what: string, id: string, code = 'NOT_FOUND') =>
  new Refusal(404, code, `${what} ${id} does not exist`, { id })

export const validationFailed = (message: string, fields: Array<{ path: string; message: string }>) =>
  new Refusal(400, 'VALIDATION_FAILED', message, { fields })

export const versionConflict = (expected: number, actual: number) =>
  new Refusal(409, 'VERSION_CONFLICT', `the project is at version ${actual}, not ${expected} (If-Match)`, {
    expectedVersion: expected,
    currentVersion: actual,
  })

/** A machine version the registry does not have (machines/index.ts); says which it has. */
export function machineVersionNotFound(type: ProjectType, version: number): Refusal {
  return new Refusal(404, 'MACHINE_VERSION_NOT_FOUND', `the ${type} machine has no version ${version}`, {
    versions: Object.keys(machineRegistry[type].versions).map(Number),
  })
}
