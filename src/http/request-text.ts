import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { z } from 'zod'
import { Refusal, validationFailed } from '../errors.js'
import { apiPrefix } from './auth.js'

/**
 * What text the API takes, refused with a 4xx rather than stored altered or failing in the
 * database: bodies are JSON in UTF-8 only, at most MAX_DEPTH levels deep (another charset is 415; bytes that are not UTF-8,
 * overlong forms included, are 400 — never turned into U+FFFD); no string or key anywhere in a
 * body, query or path holds a NUL (PostgreSQL cannot store it in text or jsonb) or a lone UTF-16
 * surrogate (not a character at all); and a query parameter a route does not know is refused, as
 * an unknown body field is.
 */
const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Nesting no request needs: every form of this API is a few levels deep. Deeper ones are refused
 * before anything recursive (validation, hashing, the database's jsonb) can run out of stack.
 */
export const MAX_DEPTH = 32

/** The first string (or key) in a parsed value that holds a NUL or a lone surrogate, or nests too deep, with its path. */
export function badText(value: unknown, root: string): { path: string; message: string } | undefined {
  const stack: Array<[unknown, string, number]> = [[value, root, 0]]
  const check = (text: string, path: string) =>
    text.includes('\u0000')
      ? { path, message: 'contains a NUL character (U+0000)' }
      : !text.isWellFormed()
        ? { path, message: 'contains a lone UTF-16 surrogate, which is not a character' }
        : undefined
  // Iterative: a body may nest thousands of levels deep.
  while (stack.length) {
    const [item, path, depth] = stack.pop()!
    if (depth > MAX_DEPTH && item !== null && typeof item === 'object') return { path, message: `nests deeper than ${MAX_DEPTH} levels` }
    if (typeof item === 'string') {
      const bad = check(item, path)
      if (bad) return bad
    } else if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) stack.push([item[i], `${path}.${i}`, depth + 1])
    } else if (item && typeof item === 'object') {
      for (const key of Object.keys(item)) {
        const bad = check(key, `${path}.${key}`)
        if (bad) return bad
        stack.push([(item as Record<string, unknown>)[key], `${path}.${key}`, depth + 1])
      }
    }
  }
  return undefined
}

const charsetOf = (contentType: string) => /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType)?.[1]?.toLowerCase()

export const requestText = fp(async (app: FastifyInstance) => {
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  // JSON is the only body there is: plain text is not parsed as anything (415).
  app.removeContentTypeParser('text/plain')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request: FastifyRequest, body: Buffer, done) => {
    const encoding = request.headers['content-encoding']
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
      return done(new Refusal(415, 'UNSUPPORTED_MEDIA_TYPE', `send the body unencoded, not ${encoding}`), undefined)
    }
    // No body is no body on a route that takes none, whatever the content type says (clients that
    // always send it, on a DELETE); where a body is expected, an empty one is malformed JSON.
    if (body.length === 0 && !request.routeOptions.schema?.body) return done(null, undefined)
    const charset = charsetOf(request.headers['content-type'] ?? '')
    if (charset && charset !== 'utf-8' && charset !== 'utf8') {
      return done(new Refusal(415, 'UNSUPPORTED_MEDIA_TYPE', `send JSON in UTF-8, not ${charset}`), undefined)
    }
    let text: string
    try {
      text = utf8.decode(body)
    } catch {
      return done(new Refusal(400, 'INVALID_UTF8', 'the body is not valid UTF-8'), undefined)
    }
    parseJson(request, text, (error, parsed) => {
      if (error) return done(error, undefined)
      const bad = badText(parsed, 'body')
      if (bad) return done(validationFailed(`invalid body: ${bad.path} ${bad.message}`, [bad]), undefined)
      done(null, parsed)
    })
  })

  const hasBadText = (text: string) => text.includes('\u0000') || !text.isWellFormed()

  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith(apiPrefix)) return
    const schema = (route.schema ??= {})
    const query = schema.querystring
    // Unknown query parameters are refused: an integrator's typo must not pass for a missing filter.
    if (query instanceof z.ZodObject) schema.querystring = query.strict()
    const takesQuery = query !== undefined
    // Query and path parameters, checked before validation and after the access check. A path's
    // parameters are few and short; the general walk is for queries, which are rarer (GET /projects/:id has none).
    const checkParameters = (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void) => {
      const params = request.params as Record<string, string>
      for (const key in params) {
        if (hasBadText(params[key]!)) {
          const bad = badText(params, 'params')!
          return done(validationFailed(`invalid params: ${bad.path} ${bad.message}`, [bad]))
        }
      }
      const at = request.url.indexOf('?')
      if (at < 0) return done()
      // The query parser would turn bytes that are not UTF-8 into U+FFFD: refuse them instead.
      try {
        decodeURIComponent(request.url.slice(at + 1))
      } catch {
        return done(new Refusal(400, 'INVALID_UTF8', 'the query string is not percent-encoded UTF-8'))
      }
      if (!takesQuery) {
        const names = Object.keys(request.query as object)
        if (names.length) {
          const fields = names.map((name) => ({ path: `querystring.${name}`, message: 'this route takes no query parameters' }))
          return done(validationFailed(`invalid querystring: ${names.join(', ')}`, fields))
        }
        return done()
      }
      const bad = badText(request.query, 'querystring')
      done(bad ? validationFailed(`invalid querystring: ${bad.path} ${bad.message}`, [bad]) : undefined)
    }
    route.preValidation = [...(route.preValidation === undefined ? [] : Array.isArray(route.preValidation) ? route.preValidation : [route.preValidation]), checkParameters]
  })
})
