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
  404: errorBody.describe('unknown id'),
  409: errorBody,
  413: errorBody.describe('body over the size limit'),
  415: errorBody.describe('not application/json'),
  422: errorBody.describe('a business rule refused (details.rules names it)'),
} as const

export const idParams = z.object({ id: z.uuid() })

export const pageQuery = {
  cursor: z.string().max(500).optional().describe('opaque; nextCursor of the previous page'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
}

export const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() })

/** Until authentication exists, callers name themselves in X-Actor for the history. */
export const actorHeaders = z.object({
  'x-actor': z.string().trim().min(1).max(100).optional().describe('who acts, recorded in history'),
})

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Node hands header bytes over as latin1 characters; a client that sent a UTF-8 name (张书记)
 * gets it back intact. A value that is not UTF-8 is kept as it came.
 */
export function actorOf(headers: { 'x-actor'?: string | undefined }): string {
  const raw = headers['x-actor']
  if (raw === undefined) return 'anonymous'
  if (/[^\x00-\xff]/.test(raw)) return raw
  try {
    return utf8.decode(Buffer.from(raw, 'latin1'))
  } catch {
    return raw
  }
}
