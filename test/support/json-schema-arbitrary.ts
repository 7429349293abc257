import fc from 'fast-check'

/**
 * Values a JSON Schema of the OpenAPI document accepts, as a fast-check arbitrary: what a
 * schema-driven fuzzer sends. Covers the keywords the document uses ($ref, oneOf/anyOf, const,
 * enum, object with required and additionalProperties, array bounds and uniqueness, string
 * bounds, patterns and formats, number bounds, if/then on a constant) and refuses any other, so
 * a keyword the generator does not know fails the test instead of being ignored.
 *
 * Strings hold no NUL or lone surrogate: the service refuses them in every field, as the
 * document's description says.
 */
type Schema = Record<string, unknown>

const known = new Set([
  '$ref', 'oneOf', 'anyOf', 'discriminator', 'const', 'enum', 'type', 'properties', 'required', 'additionalProperties',
  'items', 'minItems', 'maxItems', 'uniqueItems', 'minLength', 'maxLength', 'pattern', 'format', 'minimum', 'maximum',
  'exclusiveMinimum', 'exclusiveMaximum', 'description', 'title', 'default', 'examples', 'if', 'then', 'propertyNames', 'maxProperties', 'x-unique-by',
])

const text = (min: number, max: number) =>
  fc
    .string({ unit: fc.oneof(fc.constantFrom('a', 'Z', '7', ' ', '党', '建', '-', '\n'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), minLength: min, maxLength: max })
    .filter((s) => !s.includes('\u0000') && s.isWellFormed())

function formatted(format: string, schema: Schema): fc.Arbitrary<string> | undefined {
  switch (format) {
    case 'uuid':
      return fc.uuid({ version: [4] })
    case 'date':
      return fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10))
    case 'date-time':
      return fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString())
    case 'uri':
      return fc.webUrl({ validSchemes: ['https', 'http'] }).filter((u) => u.length <= Number(schema.maxLength ?? 2000))
    case 'email':
      return fc.emailAddress()
    default:
      return undefined
  }
}

export function arbitraryOf(root: { components: { schemas: Record<string, Schema> } }, schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  for (const key of Object.keys(schema)) if (!known.has(key)) throw new Error(`the generator does not know ${key} (in ${JSON.stringify(schema).slice(0, 200)})`)
  if (schema.$ref) return arbitraryOf(root, root.components.schemas[String(schema.$ref).split('/').pop()!]!, depth)
  const branches = (schema.oneOf ?? schema.anyOf) as Schema[] | undefined
  if (branches) return fc.oneof(...branches.map((b) => arbitraryOf(root, b, depth + 1)))
  if ('const' in schema) return fc.constant(schema.const)
  if (schema.enum) return fc.constantFrom(...(schema.enum as unknown[]))
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string]
  if (types.length > 1) return fc.oneof(...types.map((type) => arbitraryOf(root, { ...schema, type }, depth)))
  switch (types[0]) {
    case 'null':
      return fc.constant(null)
    case 'boolean':
      return fc.boolean()
    case 'integer':
    case 'number': {
      const integer = types[0] === 'integer'
      const min = Number(schema.minimum ?? schema.exclusiveMinimum ?? -1e6)
      const max = Number(schema.maximum ?? schema.exclusiveMaximum ?? 1e6)
      const value = integer
        ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) })
        : fc.double({ min, max, noNaN: true, noDefaultInfinity: true })
      return value.filter((n) => (schema.exclusiveMinimum === undefined || n > Number(schema.exclusiveMinimum)) && (schema.exclusiveMaximum === undefined || n < Number(schema.exclusiveMaximum)))
    }
    case 'string': {
      const byFormat = schema.format ? formatted(String(schema.format), schema) : undefined
      if (byFormat) return byFormat
      if (schema.pattern) return fc.stringMatching(new RegExp(String(schema.pattern))).filter((s) => s.length <= 2000 && s.isWellFormed() && !s.includes('\u0000'))
      return text(Number(schema.minLength ?? 0), Math.min(Number(schema.maxLength ?? 40), 40)).filter((s) => s.length >= Number(schema.minLength ?? 0))
    }
    case 'array': {
      const item = arbitraryOf(root, (schema.items ?? {}) as Schema, depth + 1)
      const minLength = Number(schema.minItems ?? 0)
      const maxLength = Math.min(Number(schema.maxItems ?? 3), Math.max(minLength, 3))
      const uniqueBy = schema['x-unique-by'] as string | undefined
      // The server trims strings before it compares them ("z" and "z " are one handbook item), which
      // JSON Schema's uniqueItems cannot say: docs/openapi.md says it in words, and it is not generated.
      return schema.uniqueItems || uniqueBy
        ? fc.uniqueArray(item, { minLength, maxLength, selector: (v) => JSON.stringify(uniqueBy ? String((v as Record<string, unknown>)[uniqueBy]).trim() : typeof v === 'string' ? v.trim() : v) })
        : fc.array(item, { minLength, maxLength })
    }
    case 'object': {
      // A map: keys by propertyNames, values by additionalProperties.
      if (!schema.properties && typeof schema.additionalProperties === 'object') {
        return fc.dictionary(
          arbitraryOf(root, { type: 'string', ...((schema.propertyNames ?? {}) as Schema) }, depth + 1) as fc.Arbitrary<string>,
          arbitraryOf(root, schema.additionalProperties as Schema, depth + 1),
          { maxKeys: Math.min(Number(schema.maxProperties ?? 4), 4) },
        )
      }
      const properties = (schema.properties ?? {}) as Record<string, Schema>
      const required = new Set((schema.required ?? []) as string[])
      const record = fc.record(
        Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, arbitraryOf(root, property, depth + 1)])),
        { requiredKeys: [...required].filter((name) => name in properties) },
      )
      if (!schema.if) return record
      // if/then on a constant: a value meeting the `if` also has the `then`'s required fields.
      const condition = schema.if as { properties: Record<string, { const: unknown }> }
      const then = ((schema.then as Schema).required ?? []) as string[]
      return fc.tuple(record, fc.record(Object.fromEntries(then.map((name) => [name, arbitraryOf(root, properties[name]!, depth + 1)])))).map(([value, extra]) => {
        const v = value as Record<string, unknown>
        const meets = Object.entries(condition.properties).every(([name, p]) => v[name] === p.const)
        return meets ? { ...extra, ...v } : v
      })
    }
    case undefined:
      if (Object.keys(schema).every((k) => k === 'description' || k === 'title')) return fc.jsonValue({ maxDepth: 2 })
      throw new Error(`a schema without a type: ${JSON.stringify(schema).slice(0, 200)}`)
    default:
      throw new Error(`the generator does not know type ${String(types[0])}`)
  }
}
