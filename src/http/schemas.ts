import { programmeYears } from '../../machines/index.js'
import { z } from 'zod'

/** Shapes several route plugins share; each resource's own shapes live with its routes. */

export const errorBody = z
  .object({
    statusCode: z.number().int(),
    code: z.string().describe('stable, machine-readable'),
    message: z.string(),
    requestId: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'Error' })

export const errorResponses = {
  400: errorBody.describe('malformed JSON or a schema violation (details.fields names them)'),
  401: errorBody.describe('no valid bearer token'),
  403: errorBody.describe('the role or scope may not do this'),
  404: errorBody.describe('unknown id'),
  409: errorBody,
  413: errorBody.describe('body over the size limit'),
  415: errorBody.describe('not application/json'),
  422: errorBody.describe('a business rule refused (details.rules names it)'),
  429: errorBody.describe('rate limit exceeded'),
} as const

/**
 * A number in a query or a path, written as decimal digits only: `0x10`, `1e3` and ` 7` are not
 * numbers a client meant (z.coerce would read them as 16, 1000 and 7). The documented type stays an integer.
 */
export const decimal = <T extends z.ZodType>(number: T) =>
  z.preprocess((value) => (typeof value === 'string' && /^-?(?:0|[1-9]\d{0,15})$/.test(value) ? Number(value) : value), number)

export const idParams = z.object({ id: z.uuid() })

/** A machine version (machines/index.ts): a positive int4, as the project table keeps it. */
export const machineVersion = z.number().int().min(1).max(2_147_483_647)

export const pageQuery = {
  cursor: z.string().optional().describe('opaque; nextCursor of the previous page (anything else is 400 INVALID_CURSOR)'),
  limit: decimal(z.number().int().min(1).max(200)).default(50),
}

export const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() })

/** A programme year (vocabulary.ts `programmeYears`), in a body. */
export const programmeYear = z.number().int().min(programmeYears.first).max(programmeYears.last)

/** A programme year in a path or query string: decimal digits only. */
export const programmeYearParam = () => decimal(programmeYear)
