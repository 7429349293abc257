import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { freeFormAsAny, RawJson, responseSerializer } from '../../src/http/serializer.js'

const compile = (schema: z.ZodType, checked: boolean) =>
  responseSerializer({ checked })({ schema, method: 'GET', url: '/x', httpStatus: '200' } as never) as (data: unknown) => string

describe('the response serializer', () => {
  const view = z.object({ id: z.string(), note: z.string().nullable(), tags: z.array(z.object({ name: z.string() })), context: z.record(z.string(), z.unknown()) })

  it('writes only declared fields: a stray field never leaks', () => {
    const written = compile(view, false)({ id: 'p1', note: null, tags: [{ name: 'a', secret: 1 }], context: { any: { thing: [1] } }, token_hash: 'h' })
    expect(JSON.parse(written)).toEqual({ id: 'p1', note: null, tags: [{ name: 'a' }], context: { any: { thing: [1] } } })
  })

  it('checked, refuses an answer zod would refuse', () => {
    expect(() => compile(view, true)({ id: 5, note: null, tags: [], context: {} })).toThrow()
    expect(() => compile(view, true)({ id: 'p1', note: null, tags: [], context: {} })).not.toThrow()
  })

  it('falls back to zod for a schema JSON Schema cannot express', () => {
    const withDate = z.object({ at: z.date() })
    expect(compile(withDate, false)({ at: new Date('2026-01-01T00:00:00Z') })).toBe('{"at":"2026-01-01T00:00:00.000Z"}')
  })

  // fast-json-stringify writes a schema that says nothing with one JSON.stringify, an object with
  // additional properties key by key: free-form objects are handed to it as the former.
  it('hands free-form objects to fast-json-stringify as schemas that say nothing, and nothing else', () => {
    const schema = z.toJSONSchema(
      z.object({
        context: z.record(z.string(), z.unknown()).describe('everything recorded'),
        strict: z.object({ a: z.string() }),
        map: z.record(z.string(), z.number()),
        example: z.string().meta({ examples: [{ type: 'object', additionalProperties: {} }] }),
      }),
      { io: 'output' },
    ) as { properties: Record<string, unknown> }
    const properties = (freeFormAsAny(schema) as typeof schema).properties
    expect(properties.context).toEqual({ description: 'everything recorded' })
    expect(properties.strict).toEqual(schema.properties.strict)
    expect(properties.map).toEqual(schema.properties.map)
    expect(properties.example).toEqual(schema.properties.example)
    const written = compile(view, false)({ id: 'p1', note: null, tags: [], context: { when: new Date('2026-01-01T00:00:00Z'), gone: undefined, list: [{ a: null }] } })
    expect(written).toBe('{"id":"p1","note":null,"tags":[],"context":{"when":"2026-01-01T00:00:00.000Z","list":[{"a":null}]}}')
  })
})

describe('raw JSON in an answer', () => {
  const view = z.object({ id: z.string(), context: z.record(z.string(), z.unknown()), after: z.number() })

  it('writes a RawJson field’s text in its place, as it is', () => {
    const text = '{"title": "流动党员云支部", "quote": "say \\"$&\\" and $1", "n": [1, 2]}'
    for (const checked of [false, true]) {
      const written = compile(view, checked)({ id: 'p1', context: new RawJson(text), after: 3 })
      expect(written).toBe(`{"id":"p1","context":${text},"after":3}`)
      expect(JSON.parse(written).context).toEqual(JSON.parse(text))
    }
  })

  it('finds the field in a schema with an id (written as a reference to its definition)', () => {
    const named = view.meta({ id: 'Named' })
    expect(compile(named, false)({ id: 'p1', context: new RawJson('{"a": 1}'), after: 3 })).toBe('{"id":"p1","context":{"a": 1},"after":3}')
  })

  it('checked, compares the parsed text with what zod writes', () => {
    const strict = z.object({ id: z.string(), context: z.object({ a: z.number() }).loose() })
    expect(() => compile(strict, true)({ id: 'p1', context: new RawJson('{"a": "not a number"}') })).toThrow()
  })

  it('leaves answers without one alone, and refuses two', () => {
    expect(compile(view, false)({ id: 'p1', context: { a: 1 }, after: 3 })).toBe('{"id":"p1","context":{"a":1},"after":3}')
    const two = z.object({ a: z.record(z.string(), z.unknown()), b: z.record(z.string(), z.unknown()) })
    expect(() => compile(two, false)({ a: new RawJson('{}'), b: new RawJson('{}') })).toThrow(/one RawJson/)
  })
})
