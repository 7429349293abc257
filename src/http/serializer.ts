import { randomUUID } from 'node:crypto'
import { isDeepStrictEqual } from 'node:util'
import fastJson from 'fast-json-stringify'
import type { FastifySerializerCompiler } from 'fastify/types/schema.js'
import { serializerCompiler as zodSerializerCompiler } from 'fastify-type-provider-zod'
import { z } from 'zod'

/**
 * Answers are written by fast-json-stringify from the route's zod schema turned into JSON Schema:
 * only declared fields go out, so a stray field never leaks, and no value is re-validated on
 * every response (zod's encoding took ~5 % of the service's CPU under load). Where a schema has
 * no JSON Schema form, zod's serializer writes it.
 *
 * `checked` (the test suite) writes every answer both ways and refuses one where they differ, so
 * every response the tests produce is proven to be what zod would have written.
 */
export function responseSerializer(options: { checked: boolean }): FastifySerializerCompiler<z.ZodType> {
  return (route) => {
    const byZod = () => zodSerializerCompiler(route as never) as (data: unknown) => string
    let fast: (data: unknown) => string
    let rawKeys: string[] | undefined
    try {
      const schema = freeFormAsAny(z.toJSONSchema(route.schema, { io: 'output', unrepresentable: 'throw', reused: 'inline' }))
      rawKeys = freeFormKeys(schema)
      fast = fastJson(schema as never)
    } catch {
      return withRawJson(byZod())
    }
    if (!options.checked) return withRawJson(fast, rawKeys)
    const zod = byZod()
    const written = withRawJson(fast, rawKeys)
    return (data) => {
      const expected = zod(parsedRawJson(data))
      const answer = written(data)
      if (!isDeepStrictEqual(JSON.parse(answer), JSON.parse(expected))) {
        throw new Error(`${route.method} ${route.url}: fast-json-stringify wrote ${answer.slice(0, 500)} where zod wrote ${expected.slice(0, 500)}`)
      }
      return answer
    }
  }
}

/** Top-level fields that may hold anything: where a RawJson may stand. */
function freeFormKeys(schema: unknown): string[] {
  type Node = { $ref?: string; $defs?: Record<string, Node>; properties?: Record<string, Record<string, unknown>> }
  const root = schema as Node
  // A schema with an id comes out as a reference to its definition.
  const top = root.$ref?.startsWith('#/$defs/') ? root.$defs?.[root.$ref.slice('#/$defs/'.length)] : root
  const properties = top?.properties
  if (!properties) return []
  return Object.entries(properties)
    .filter(([, property]) => Object.keys(property).every((k) => k === 'description'))
    .map(([key]) => key)
}

/**
 * JSON text that goes into an answer as it is: a project's context as PostgreSQL wrote it, which
 * a GET would otherwise parse only to write again (a tenth of a GET's CPU). Only as the value
 * of a top-level field whose schema is free-form: its text is not checked against the schema
 * (except in the checked mode of the tests, which parses it).
 */
export class RawJson {
  constructor(readonly text: string) {}
}

// Written in the raw text's place, then replaced by it: a string no answer holds by chance.
const placeholder = `djf-raw-json-${randomUUID()}`
const quotedPlaceholder = JSON.stringify(placeholder)

/** `keys`: the fields where a RawJson may stand (all, when the schema is not known). */
function withRawJson(write: (data: unknown) => string, keys?: readonly string[]): (data: unknown) => string {
  if (keys && keys.length === 0) return write
  return (data) => {
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return write(data)
    const fields = data as Record<string, unknown>
    let rawKey: string | undefined
    for (const key of keys ?? Object.keys(fields)) {
      if (fields[key] instanceof RawJson) {
        if (rawKey !== undefined) throw new Error('an answer holds one RawJson at most')
        rawKey = key
      }
    }
    if (rawKey === undefined) return write(data)
    const raw = fields[rawKey] as RawJson
    const copy: Record<string, unknown> = Object.assign({}, fields)
    copy[rawKey] = placeholder
    const written = write(copy)
    const at = written.indexOf(quotedPlaceholder)
    if (at < 0) throw new Error(`the answer's serializer dropped ${rawKey}`)
    return written.slice(0, at) + raw.text + written.slice(at + quotedPlaceholder.length)
  }
}

function parsedRawJson(data: unknown): unknown {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return data
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v instanceof RawJson ? JSON.parse(v.text) : v]))
}

type JsonSchemaNode = { [key: string]: unknown }
const isNode = (value: unknown): value is JsonSchemaNode => typeof value === 'object' && value !== null

/**
 * A free-form object (a record of anything: a project's context, an event's payload) is written
 * whole by JSON.stringify, which is what fast-json-stringify does for a schema that says nothing;
 * left as an object with additional properties, it writes key by key, a third slower on a
 * project's answer. The output is the same.
 */
export function freeFormAsAny<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map(freeFormAsAny) as T
  if (!isNode(schema)) return schema
  const keys = Object.keys(schema).filter((k) => k !== 'propertyNames' && k !== 'description' && k !== 'id' && k !== '$id')
  const anything = schema.additionalProperties === true || (isNode(schema.additionalProperties) && Object.keys(schema.additionalProperties).length === 0)
  if (schema.type === 'object' && anything && keys.every((k) => k === 'type' || k === 'additionalProperties')) {
    return (typeof schema.description === 'string' ? { description: schema.description } : {}) as T
  }
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, values.has(k) ? v : freeFormAsAny(v)])) as T
}

/** Keywords whose values are data, not schemas. */
const values = new Set(['const', 'default', 'enum', 'examples', 'example'])
