import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance, onSendHookHandler, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import { createJsonSchemaTransform, createJsonSchemaTransformObject } from 'fastify-type-provider-zod'
import type { z } from 'zod'
import { codesOf } from '../errors.js'
import { apiPrefix } from './auth.js'
import { errorBody } from './schemas.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the OpenAPI document says of a route beyond its validating schema (docs/openapi.md). */
    documented?: {
      /** The body as a client should build it, where the engine checks it per machine after the route. */
      body?: z.ZodType
      /** Other media types the 200 answer comes in, each with what it holds. */
      alsoAnswers?: Record<string, string>
      /** The request body's media types, where it is not JSON (an upload). */
      requestBody?: Record<string, { schema: Record<string, unknown> }>
      /** The 200 answer is bytes, not JSON: what they are. */
      binaryAnswer?: string
      /** Operations to follow from the answer (OpenAPI links), by the status they follow. */
      links?: Record<number, Record<string, { operationId: string; parameters: Record<string, string> }>>
    }
  }
}

const refusalText: Record<number, string> = {
  400: 'malformed JSON, URL or text, or a schema violation (details.fields names them)',
  401: 'no valid bearer token',
  403: 'the role or scope may not do this (details says which may)',
  404: 'an unknown id, or one of another organization',
  409: 'the state, the version (If-Match) or another request is in the way',
  413: 'the body is over the size limit',
  414: 'a path parameter is longer than any this API takes',
  415: 'the body is not JSON in UTF-8',
  422: 'a rule refused (details.rules names it)',
  429: 'too many requests, or too many failed authentications from the address',
  503: 'the database cannot be reached just now; nothing was written',
}

/**
 * The refusals a route can answer, from what it is: every route can meet a malformed query or
 * the rate limit; an API route, authentication, access control and an unreachable database; a
 * path parameter, an unknown id; a write, a body too large or not JSON, a state or version
 * conflict and a rule. The test suite checks every answer it provokes against this list
 * (test/support/app.ts), so a route cannot answer a status its document does not name.
 */
export function refusalsOf(route: Pick<RouteOptions, 'method' | 'url' | 'schema'>): number[] {
  const methods = Array.isArray(route.method) ? route.method : [route.method]
  const write = methods.some((m) => m !== 'GET' && m !== 'HEAD')
  const api = route.url.startsWith(apiPrefix)
  // A query naming another record by id (organizationId, projectId…) can name an unknown one.
  const query = (route.schema?.querystring as { shape?: Record<string, unknown> } | undefined)?.shape ?? {}
  const namesIds = Object.keys(query).some((name) => name.endsWith('Id'))
  const statuses = [400, 429]
  if (api) statuses.push(401, 403, 503)
  if (api && (write || route.url.includes(':') || namesIds)) statuses.push(404)
  // A path parameter longer than any this API takes is refused before routing (URI_TOO_LONG).
  if (route.url.includes(':')) statuses.push(414)
  if (write) statuses.push(409, 413, 415, 422)
  return statuses.sort()
}

type OverrideContext = { zodSchema: unknown; jsonSchema: Record<string, unknown> }

/** zod trims such a string before it checks its length: `.trim()` is an overwrite that trims. */
function isTrimmed(zodSchema: unknown): boolean {
  const checks = (zodSchema as { _zod?: { def?: { type?: string; checks?: Array<{ _zod: { def: { check?: string; tx?: (v: string) => string } } }> } } })._zod?.def
  if (checks?.type !== 'string') return false
  return (checks.checks ?? []).some((c) => c._zod.def.check === 'overwrite' && c._zod.def.tx?.(' x ') === 'x')
}

/**
 * A trimmed string's length bounds, as JSON Schema can say them: its length is counted after the
 * surrounding white space is cut, so `"  a  "` meets minLength 1 and maxLength 1. `\s` is exactly
 * what String.prototype.trim cuts.
 */
function trimmedPattern(min: number, max: number | undefined): string {
  const middle = (low: number) => `[\\s\\S]{${low},${max === undefined ? '' : max - 2}}`
  const core =
    min >= 2 ? `\\S${middle(min - 2)}\\S` : max === 1 ? '\\S' : `\\S(?:${middle(0)}\\S)?`
  return `^\\s*${min === 0 ? `(?:${core})?` : core}\\s*$`
}

/**
 * How zod's schemas become the document's: as fastify-type-provider-zod writes them for 3.1
 * (no empty branches, a Date as date-time text), with each trimmed string's bounds as a pattern, so that the document is as
 * strict as the server, no more and no less.
 */
function documentedSchema({ zodSchema, jsonSchema }: OverrideContext) {
  const def = (zodSchema as { _zod?: { def?: { type?: string } } })._zod?.def
  // A Date goes out as its ISO text (the serializer writes toJSON).
  if (def?.type === 'date') Object.assign(jsonSchema, { type: 'string', format: 'date-time' })
  if (def?.type === 'union' && Array.isArray(jsonSchema.anyOf)) jsonSchema.anyOf = (jsonSchema.anyOf as object[]).filter((branch) => Object.keys(branch).length > 0)
  if (isTrimmed(zodSchema) && jsonSchema.pattern === undefined && (jsonSchema.minLength !== undefined || jsonSchema.maxLength !== undefined)) {
    jsonSchema.pattern = trimmedPattern(Number(jsonSchema.minLength ?? 0), jsonSchema.maxLength === undefined ? undefined : Number(jsonSchema.maxLength))
    delete jsonSchema.minLength
    delete jsonSchema.maxLength
  }
}

const zodToJsonConfig = { override: documentedSchema as never }
const jsonSchemaTransform = createJsonSchemaTransform({ zodToJsonConfig })
const jsonSchemaTransformObject = createJsonSchemaTransformObject({ zodToJsonConfig })

const errorResponse = (status: number) => errorBody.describe(`${refusalText[status]} — ${codesOf(status).join(', ')}`)

/**
 * The test suite's check (AppOptions.checkResponses) that every answer a route gives has its
 * status in the route's documented responses: an undocumented one fails the request loudly.
 */
export const undocumentedStatusRefused: onSendHookHandler = (request, reply, payload, done) => {
  const documented = (request.routeOptions.schema as { response?: Record<string, unknown> } | undefined)?.response
  if (!documented || String(reply.statusCode) in documented || reply.statusCode === 500) return done(null, payload)
  const message = `${request.method} ${request.routeOptions.url} answered ${reply.statusCode}, which its OpenAPI responses do not document: ${String(payload).slice(0, 300)}`
  console.error(message)
  done(new Error(message))
}

/** The OpenAPI document, generated from the same zod schemas that validate requests. */
export const openapi = fp(async (app: FastifyInstance) => {
  // Before any route is registered: each gets the error answers it can give, for the serializer and the document.
  app.addHook('onRoute', (route) => {
    const schema = route.schema as { hide?: boolean; response?: Record<string, unknown> } | undefined
    if (!schema || schema.hide || route.url.startsWith('/admin') || route.url.startsWith('/docs')) return
    const response = (schema.response ??= {})
    for (const status of refusalsOf(route)) response[status] ??= errorResponse(status)
  })

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'dangjian-flow',
        version: '1',
        description:
          '基层党建项目化管理 — project-based management of grassroots Party-building work. ' +
          'Each project type is an explicit state machine (GET /api/v1/machines); send events to move a project.',
        license: { name: 'UNLICENSED', identifier: 'UNLICENSED' },
      },
      servers: [{ url: '/', description: 'this service' }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'an API token from POST /api/v1/principals (or the first start’s admin token)' },
        },
      },
      security: [{ bearer: [] }],
      tags: [
        { name: 'principals', description: 'API tokens and roles (admin)' },
        { name: 'events', description: 'the event feed and webhooks' },
        { name: 'machines', description: 'machine definitions (I5)' },
        { name: 'organizations', description: '基层党组织' },
        { name: 'projects', description: '项目：申报 → 立项 → 实施 → 验收 → 推广' },
        { name: 'programme', description: 'handbook, groups, grading, 1+X, spot checks, systems, commendations, year-end report' },
        { name: 'calendar', description: 'the year’s calendar and the scheduled transitions it drives' },
        { name: 'admin', description: 'the service’s clock (manual in sandboxes)' },
        { name: 'health', description: 'liveness' },
      ],
    },
    transform: (input) => {
      const documented = input.route.config?.documented
      const schema = documented?.body ? { ...input.schema, body: documented.body } : input.schema
      const out = jsonSchemaTransform({ ...input, schema } as never) as { schema: Record<string, unknown> & { hide?: boolean }; url: string }
      if (out.schema.hide) return out
      const methods = Array.isArray(input.route.method) ? input.route.method : [input.route.method]
      if (methods.includes('POST') && input.url.startsWith(apiPrefix)) {
        const headers = (out.schema.headers ?? { type: 'object', properties: {} }) as { properties: Record<string, unknown> }
        headers.properties['idempotency-key'] = {
          type: 'string',
          pattern: '^[\\x21-\\x7e]{1,200}$',
          description: 'a retry with the same key and body gets the first answer without the work being done twice (kept 48 hours, per token)',
        }
        out.schema.headers = headers
      }
      const response = out.schema.response as Record<string, Record<string, unknown>> | undefined
      if (response && documented?.alsoAnswers) {
        const json = response[200]!
        response[200] = {
          description: (json.description as string | undefined) ?? 'OK',
          content: {
            'application/json': { schema: json },
            // Text is a string; anything else (a workbook) is bytes.
            ...Object.fromEntries(Object.entries(documented.alsoAnswers).map(([type, description]) => [type, { schema: { type: 'string', ...(type.startsWith('text/') ? {} : { format: 'binary' }), description } }])),
          },
        }
      }
      // @fastify/swagger writes a body given as `content` by media type as it stands.
      if (documented?.requestBody) out.schema.body = { required: true, content: documented.requestBody }
      if (response && documented?.binaryAnswer) {
        response[200] = { description: documented.binaryAnswer, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } }
      }
      for (const [status, links] of Object.entries(documented?.links ?? {})) {
        const answer = response?.[status]
        if (answer) response![status] = { description: (answer.description as string | undefined) ?? 'OK', content: { 'application/json': { schema: answer } }, links }
      }
      return out
    },
    transformObject: (input) => finishedDocument(jsonSchemaTransformObject(input) as OpenApiDocument) as never,
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
})

type OpenApiDocument = { paths?: unknown; components?: { schemas?: Record<string, unknown> } & Record<string, unknown> }

/** The generated document, tidied for the tools that read it: only used components, plain names, discriminators. */
export function finishedDocument(document: OpenApiDocument): OpenApiDocument {
  return withDiscriminators(withPlainNames(withoutUnusedComponents(document)))
}

const schemaRef = '#/components/schemas/'

/** zod names a schema's input form `<id>Input`; where the schema has no output form in use, it keeps its own name. */
function withPlainNames(document: OpenApiDocument): OpenApiDocument {
  const schemas = document.components?.schemas ?? {}
  const renamed = new Map(
    Object.keys(schemas)
      .filter((name) => name.endsWith('Input') && !(name.slice(0, -'Input'.length) in schemas))
      .map((name) => [name, name.slice(0, -'Input'.length)]),
  )
  const text = JSON.stringify(document).replace(/"#\/components\/schemas\/([A-Za-z0-9_]+)"/g, (whole, name: string) =>
    renamed.has(name) ? `"${schemaRef}${renamed.get(name)}"` : whole,
  )
  const result = JSON.parse(text) as OpenApiDocument
  result.components!.schemas = Object.fromEntries(Object.entries(result.components!.schemas!).map(([name, schema]) => [renamed.get(name) ?? name, schema]))
  return result
}

/**
 * A oneOf whose every branch is a named object with a constant of the same property (an event's
 * `type`, a project's `type`) gets the discriminator that lets generators and validators pick the branch.
 */
function withDiscriminators(document: OpenApiDocument): OpenApiDocument {
  const schemas = (document.components?.schemas ?? {}) as Record<string, { oneOf?: Array<{ $ref?: string }>; discriminator?: unknown }>
  const constantsOf = (ref: string | undefined) => {
    const target = ref?.startsWith(schemaRef) ? (schemas[ref.slice(schemaRef.length)] as { properties?: Record<string, { const?: unknown }> }) : undefined
    return Object.entries(target?.properties ?? {}).filter(([, p]) => typeof p.const === 'string') as Array<[string, { const: string }]>
  }
  for (const schema of Object.values(schemas)) {
    const branches = schema.oneOf
    if (!branches?.length || !branches.every((b) => b.$ref)) continue
    const first = constantsOf(branches[0]!.$ref).map(([name]) => name)
    const property = first.find((name) => branches.every((b) => constantsOf(b.$ref).some(([n]) => n === name)))
    if (!property) continue
    schema.discriminator = {
      propertyName: property,
      mapping: Object.fromEntries(branches.map((b) => [constantsOf(b.$ref).find(([n]) => n === property)![1].const, b.$ref!])),
    }
  }
  return document
}

/**
 * zod's registry gives every named schema an input and an output form, used or not: the
 * document keeps only the components something refers to.
 */
export function withoutUnusedComponents(document: OpenApiDocument): OpenApiDocument {
  const schemas = document.components?.schemas ?? {}
  const used = new Set<string>()
  const visit = (value: unknown) => {
    if (Array.isArray(value)) return value.forEach(visit)
    if (value === null || typeof value !== 'object') return
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string' && child.startsWith(schemaRef)) {
        const name = child.slice(schemaRef.length)
        if (!used.has(name)) {
          used.add(name)
          visit(schemas[name])
        }
      } else visit(child)
    }
  }
  visit(document.paths)
  return { ...document, components: { ...document.components, schemas: Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name))) } }
}
