import { machineRegistry, type ProjectType } from '../machines/index.js'

/**
 * Every code a refusal can carry, with the one status it is sent with: the OpenAPI document's
 * enum of error codes and the README's table come from here, and a Refusal cannot be built
 * with a code missing from it or with another status (the constructor's types say so).
 */
export const errorCodes = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  INVALID_UTF8: 400,
  MALFORMED_URL: 400,
  MALFORMED_REQUEST: 400,
  INVALID_CONTENT_LENGTH: 400,
  UNKNOWN_EVENT: 400,
  INVALID_CURSOR: 400,
  INVALID_IF_MATCH: 400,
  INVALID_IDEMPOTENCY_KEY: 400,
  BAD_REQUEST: 400,
  FILE_MISSING: 400,
  UPLOAD_INCOMPLETE: 400,
  TOKEN_MISSING: 401,
  TOKEN_UNKNOWN: 401,
  TOKEN_EXPIRED: 401,
  TOKEN_REVOKED: 401,
  FORBIDDEN: 403,
  SCHEDULER_ONLY: 403,
  NOT_FOUND: 404,
  PROJECT_NOT_FOUND: 404,
  ORGANIZATION_NOT_FOUND: 404,
  HANDBOOK_VERSION_NOT_FOUND: 404,
  SPOT_CHECK_NOT_FOUND: 404,
  SYSTEM_NOT_FOUND: 404,
  MACHINE_VERSION_NOT_FOUND: 404,
  MIGRATION_NOT_FOUND: 404,
  PRINCIPAL_NOT_FOUND: 404,
  WEBHOOK_NOT_FOUND: 404,
  FILE_NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  REQUEST_TIMEOUT: 408,
  EVENT_NOT_ALLOWED: 409,
  VERSION_CONFLICT: 409,
  ORGANIZATION_EXISTS: 409,
  HANDBOOK_VERSION_EXISTS: 409,
  MIGRATION_IN_PROGRESS: 409,
  CONCURRENT_CHANGE: 409,
  CLOCK_NOT_MANUAL: 409,
  IDEMPOTENCY_IN_PROGRESS: 409,
  IDEMPOTENT_ANSWER_NOT_KEPT: 409,
  FILE_REFERENCED: 409,
  BODY_TOO_LARGE: 413,
  FILE_TOO_LARGE: 413,
  FILE_QUOTA_EXCEEDED: 413,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  FILE_TYPE_REFUSED: 415,
  RULE_FAILED: 422,
  CALENDAR_OUT_OF_ORDER: 422,
  CLOCK_BACKWARDS: 422,
  MIGRATION_MAP_REFUSED: 422,
  MIGRATION_REFUSED: 422,
  IDEMPOTENCY_KEY_REUSED: 422,
  WEBHOOK_URL_REFUSED: 422,
  GRADING_INVALID: 422,
  EMPTY_POPULATION: 422,
  PROJECT_NOT_OF_ORGANIZATION: 422,
  FILE_NOT_OF_PROJECT: 422,
  RATE_LIMITED: 429,
  HEADERS_TOO_LARGE: 431,
  INTERNAL_ERROR: 500,
  DATABASE_UNAVAILABLE: 503,
} as const satisfies Record<string, number>

export type ErrorCode = keyof typeof errorCodes
export type ErrorStatus = (typeof errorCodes)[ErrorCode]

/** The codes sent with a status, in the registry's order. */
export const codesOf = (status: number): ErrorCode[] =>
  (Object.keys(errorCodes) as ErrorCode[]).filter((code) => errorCodes[code] === status)

/**
 * Refusals (I7): every one has an HTTP status, a stable machine-readable code and a
 * human message; the central error handler adds the request id.
 */
export class Refusal<C extends ErrorCode = ErrorCode> extends Error {
  constructor(
    readonly statusCode: (typeof errorCodes)[C],
    readonly code: C,
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

export const notFound = (what: string, id: string, code: { [C in ErrorCode]: (typeof errorCodes)[C] extends 404 ? C : never }[ErrorCode] = 'NOT_FOUND') =>
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
