import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp } from '../support/app.js'
import { openTestDatabase, type TestDatabase } from '../support/databases.js'
import { pathsOf } from '../support/fixtures.js'
import { client } from '../support/http.js'
import { arbitraryOf } from '../support/json-schema-arbitrary.js'
import { seedProgramme } from '../support/programme.js'

/**
 * The document against the server, as a schema-driven fuzzer tries it: for every operation,
 * requests built from its documented parameters and body are never refused as malformed (400),
 * requests the document calls invalid (a field missing, of the wrong type, or unknown) always are,
 * and every answer matches the schema documented for its status.
 */
type Schema = Record<string, unknown>
type Parameter = { in: 'path' | 'query' | 'header'; name: string; required?: boolean; schema: Schema }
type Operation = { operationId: string; parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: Schema }> }; responses: Record<string, { content?: Record<string, { schema: Schema }> }> }
type Document = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } }

const runs = Number(process.env.FUZZ_RUNS ?? 25)

describe('the OpenAPI document against the server', () => {
  let database: TestDatabase
  let app: FastifyInstance
  let doc: Document
  let ajv: Ajv2020
  const projects: Record<string, string> = {}

  /** A schema of the document, checkable on its own: its references point into the document. */
  const validator = (schema: Schema) => ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/')))

  beforeAll(async () => {
    database = await openTestDatabase('pglite')
    await seedProgramme(database.db)
    ;({ app } = await createTestApp(database, { start: '2026-02-01T02:00:00.000Z' }))
    doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json()
    ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true })
    addFormats.default(ajv)
    ajv.addSchema({ $id: 'openapi', components: doc.components })
    const api = client(app)
    const organization = await api.organization('模糊测试党支部')
    // Projects in states where many events are taken: a draft of each type and one in implementation.
    for (const type of ['foundation', 'innovation', 'promotion'] as const) projects[type] = await api.project(type, organization, 2026)
    projects.implementing = await api.project('innovation', organization, 2026, pathsOf('innovation').pathTo.implementing)
  }, 120_000)
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  /** Every operation, but the manual clock's move (valid moves would carry the test's time off to 2100). */
  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method: method.toUpperCase() as 'GET', operation })),
    )

  function requestOf(path: string, operation: Operation, values: { path: Record<string, unknown>; query: Record<string, unknown>; body?: unknown }) {
    let url = path
    for (const [name, value] of Object.entries(values.path)) url = url.replace(`{${name}}`, encodeURIComponent(String(value)))
    const query = new URLSearchParams(Object.entries(values.query).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)])).toString()
    return { url: query ? `${url}?${query}` : url, body: values.body, json: Boolean(operation.requestBody) }
  }

  // A cursor is opaque: only one the service issued is valid, as the document says (400 INVALID_CURSOR
  // otherwise, attacked in malformed.test.ts); the fuzzer leaves cursors out.
  const issuedByTheService = (p: Parameter) => p.name === 'cursor' || p.name === 'after'

  const parametersArbitrary = (operation: Operation, where: 'path' | 'query') => {
    const params = (operation.parameters ?? []).filter((p) => p.in === where && !issuedByTheService(p))
    return fc.record(Object.fromEntries(params.map((p) => [p.name, arbitraryOf(doc, p.schema)])), { requiredKeys: params.filter((p) => p.required).map((p) => p.name) })
  }

  async function send(method: string, request: ReturnType<typeof requestOf>) {
    return app.inject({ method: method as 'GET', url: request.url, ...(request.json ? { payload: JSON.stringify(request.body ?? {}), headers: { 'content-type': 'application/json' } } : {}) })
  }

  function checkAnswer(label: string, operation: Operation, answer: Awaited<ReturnType<typeof send>>) {
    const documented = operation.responses[String(answer.statusCode)]
    expect(documented, `${label}: ${answer.statusCode} is not documented (${answer.body.slice(0, 200)})`).toBeDefined()
    const json = documented!.content?.['application/json']?.schema
    if (json && String(answer.headers['content-type']).startsWith('application/json')) {
      const validate = validator(json)
      expect(validate(answer.json()), `${label}: ${answer.statusCode} answer off its schema: ${JSON.stringify(validate.errors)}`).toBe(true)
    }
  }

  it('never refuses as malformed a request the document calls valid, and every answer matches its documented schema', async () => {
    let sent = 0
    for (const { path, method, operation } of operations()) {
      if (operation.operationId === 'advanceClock' || operation.operationId === 'sendProjectEvent') continue
      const body = operation.requestBody?.content['application/json']?.schema
      const arbitrary = fc.record({ path: parametersArbitrary(operation, 'path'), query: parametersArbitrary(operation, 'query'), body: body ? arbitraryOf(doc, body) : fc.constant(undefined) })
      const validBody = body ? validator(body) : () => true
      await fc.assert(
        fc.asyncProperty(arbitrary, async (values) => {
          fc.pre(validBody(values.body) === true)
          const answer = await send(method, requestOf(path, operation, values))
          sent++
          expect(answer.statusCode, `${method} ${path} ${JSON.stringify(values).slice(0, 300)} → ${answer.body.slice(0, 300)}`).not.toBe(400)
          expect(answer.statusCode).toBeLessThan(500)
          checkAnswer(`${method} ${path}`, operation, answer)
        }),
        { numRuns: runs, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) },
      )
    }
    expect(sent).toBeGreaterThan(40 * runs)
  }, 300_000)

  it('never refuses as malformed an event the document calls valid, sent to a project whose machine takes it', async () => {
    const operation = doc.paths['/api/v1/projects/{id}/events']!.post!
    const union = doc.components.schemas.ProjectEvent as { discriminator: { mapping: Record<string, string> } }
    const machines = Object.fromEntries(
      await Promise.all(['foundation', 'innovation', 'promotion'].map(async (type) => [type, (await app.inject({ method: 'GET', url: `/api/v1/machines/${type}` })).json() as { events: Array<{ type: string }> }])),
    )
    const targets = [...Object.keys(machines).map((type) => [type, projects[type]!] as const), ['innovation', projects.implementing!] as const]
    for (const [eventType, ref] of Object.entries(union.discriminator.mapping)) {
      const schema = { $ref: ref }
      const validEvent = validator(schema)
      for (const [type, projectId] of targets) {
        if (!machines[type]!.events.some((e: { type: string }) => e.type === eventType)) continue
        // UPDATE_DECLARATION's draft depends on the project's type: the type's own draft is the valid one.
        const ownDraft = validator({ $ref: `#/components/schemas/${type[0]!.toUpperCase()}${type.slice(1)}DeclarationUpdate` })
        await fc.assert(
          fc.asyncProperty(arbitraryOf(doc, schema), async (event) => {
            fc.pre(validEvent(event) === true)
            if (eventType === 'UPDATE_DECLARATION') fc.pre(ownDraft((event as { declaration: unknown }).declaration) === true)
            const answer = await app.inject({ method: 'POST', url: `/api/v1/projects/${projectId}/events`, payload: event as object })
            expect(answer.statusCode, `${eventType} to ${type}: ${JSON.stringify(event).slice(0, 300)} → ${answer.body.slice(0, 300)}`).not.toBe(400)
            checkAnswer(`${eventType} to ${type}`, operation, answer)
          }),
          { numRuns: Math.max(5, Math.floor(runs / 3)) },
        )
      }
    }
  }, 300_000)

  /** How much has been written: history, feed, organizations, principals. */
  const written = async () =>
    Promise.all((['project_history', 'outbox', 'organization', 'principal'] as const).map(async (table) =>
      Number((await database.db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n)))

  /** A value the document calls invalid, made from a valid one: a required field dropped, one of the wrong type, one unknown. */
  const broken = (schema: Schema) =>
    fc.tuple(arbitraryOf(doc, schema), fc.constantFrom('drop', 'wrongType', 'unknown'), fc.nat()).map(([value, how, pick]) => {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return { how, value: 12345 }
      const copy = { ...(value as Record<string, unknown>) }
      const keys = Object.keys(copy).filter((k) => k !== 'type')
      if (how === 'unknown' || !keys.length) copy.notAField = 1
      else if (how === 'drop') delete copy[keys[pick % keys.length]!]
      else {
        const key = keys[pick % keys.length]!
        copy[key] = typeof copy[key] === 'string' ? { not: 'a string' } : 'not this type'
      }
      return { how, value: copy as unknown }
    })

  it('refuses (400) every body and query the document calls invalid, before anything is written', async () => {
    let refused = 0
    const foundation = (await app.inject({ method: 'GET', url: '/api/v1/machines/foundation' })).json() as { events: Array<{ type: string; roles: string[] }> }
    const adminEvents = new Set(foundation.events.filter((e) => e.roles.includes('admin')).map((e) => e.type))
    const foundationEvents = new Set(foundation.events.map((e) => e.type))
    for (const { path, method, operation } of operations()) {
      const body = operation.requestBody?.content['application/json']?.schema
      if (!body) continue
      const validBody = validator(body)
      const params = operation.operationId === 'sendProjectEvent' ? fc.constant({ id: projects.foundation }) : parametersArbitrary(operation, 'path')
      await fc.assert(
        fc.asyncProperty(params, broken(body), async (pathValues, { value }) => {
          fc.pre(validBody(value) === false)
          const before = await written()
          const answer = await send(method, requestOf(path, operation, { path: pathValues, query: {}, body: value }))
          // Who may send an event is checked before its payload: the test's admin token meets 403 on another role's event.
          const type = (value as { type?: string } | null)?.type
          const expected = operation.operationId === 'sendProjectEvent' && type && foundationEvents.has(type) && !adminEvents.has(type) ? 403 : 400
          expect(answer.statusCode, `${method} ${path} ${JSON.stringify(value).slice(0, 300)} → ${answer.body.slice(0, 200)}`).toBe(expected)
          refused++
          expect(await written()).toEqual(before)
        }),
        { numRuns: runs },
      )
    }
    // A query parameter the document does not name is refused as an unknown body field is.
    for (const { path, method, operation } of operations().filter((o) => o.method === 'GET' && !o.path.includes('{') && o.path.startsWith('/api/'))) {
      const answer = await send(method, requestOf(path, operation, { path: {}, query: { notAParameter: 1 } }))
      expect(answer.statusCode, path).toBe(400)
      refused++
    }
    expect(refused).toBeGreaterThan(15 * runs)
  }, 300_000)
})
