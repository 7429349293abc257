import { phases, programmeYears, stateNames } from '../../machines/index.js'
import { z } from 'zod'
import { errorCodes, type ErrorCode } from '../errors.js'

/** Shapes several route plugins share; each resource's own shapes live with its routes. */

export const errorBody = z
  .object({
    statusCode: z.number().int(),
    code: z.enum(Object.keys(errorCodes) as [ErrorCode, ...ErrorCode[]]).describe('stable, machine-readable; each status’s codes are listed with it'),
    message: z.string(),
    requestId: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'Error' })


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

/** A state of some machine (every version's states: machines/index.ts `stateNames`). */
export const stateName = z.enum(stateNames as [string, ...string[]])

export const phaseName = z.enum(phases)
