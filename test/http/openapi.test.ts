import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deadlineKinds, phases, projectTypes, stateNames } from '../../machines/index.js'
import { clientTypes, clientTypesPath, documentPath, documentText, openapiDocument } from '../../scripts/write-openapi.js'
import { errorCodes } from '../../src/errors.js'
import { clientEventTypes } from '../../src/http/event-schemas.js'
import { refusalsOf, undocumentedStatusRefused } from '../../src/http/openapi.js'
import { declareAndSubmit, dangjianClient } from '../../examples/client/declare-a-project.js'
import { ADMIN_TOKEN, createTestApp } from '../support/app.js'
import { openTestDatabase, type TestDatabase } from '../support/databases.js'

/**
 * The OpenAPI document as a typed client and a linter read it (docs/openapi.md): every
 * operation named and summarised, every answer documented, the event union from the machines,
 * enums from the registries, nothing unused, the committed copy and client types current, and
 * Redocly's lint clean. The fuzzing of the document against the server is openapi-fuzz.test.ts.
 */
type Operation = {
  operationId?: string
  summary?: string
  parameters?: Array<{ in: string; name: string }>
  requestBody?: unknown
  responses: Record<string, { content?: Record<string, unknown> }>
}
type Document = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Record<string, unknown>> } }

const run = promisify(execFile)

describe('the OpenAPI document', () => {
  let database: TestDatabase
  let app: FastifyInstance
  let doc: Document
  const operations: Array<[string, string, Operation]> = []

  beforeAll(async () => {
    database = await openTestDatabase('pglite')
    ;({ app } = await createTestApp(database))
    doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json()
    for (const [path, methods] of Object.entries(doc.paths)) for (const [method, operation] of Object.entries(methods)) operations.push([method, path, operation])
  })
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  it('names and summarises every operation, each name once', () => {
    expect(operations.length).toBeGreaterThan(50)
    const ids = operations.map(([, , o]) => o.operationId)
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z]+$/.test(id!))).toBe(true)
    expect(new Set(ids).size).toBe(ids.length)
    expect(operations.filter(([, , o]) => !o.summary).map(([m, p]) => `${m} ${p}`)).toEqual([])
  })

  it('documents every refusal an operation can give, with the error schema, and the headers it reads', () => {
    for (const [method, path, operation] of operations) {
      const url = path.replace(/\{(\w+)\}/g, ':$1')
      const expected = refusalsOf({ method: method.toUpperCase() as never, url })
      for (const status of expected) {
        const answer = operation.responses[String(status)]
        expect(answer, `${method} ${path} ${status}`).toBeDefined()
        expect(answer!.content!['application/json']).toEqual({ schema: { $ref: '#/components/schemas/Error' } })
      }
      if (path.startsWith('/api/v1/')) for (const status of [401, 403, 429]) expect(operation.responses[status], `${method} ${path}`).toBeDefined()
      if (method === 'post' || method === 'put') for (const status of [409, 413, 415, 422]) expect(operation.responses[status], `${method} ${path}`).toBeDefined()
      if (method === 'post' && path.startsWith('/api/v1/')) expect(operation.parameters?.some((p) => p.in === 'header' && p.name === 'idempotency-key'), `${method} ${path}`).toBe(true)
    }
    const events = doc.paths['/api/v1/projects/{id}/events']!.post!
    expect(events.parameters?.some((p) => p.in === 'header' && p.name === 'if-match')).toBe(true)
  })

  it('lists each status’s error codes, and the codes as an enum from the registry', () => {
    const error = doc.components.schemas.Error as { properties: { code: { enum: string[] } } }
    expect(error.properties.code.enum).toEqual(Object.keys(errorCodes))
    const description = (doc.paths['/api/v1/projects/{id}/events']!.post!.responses['409'] as { description: string }).description
    for (const code of ['EVENT_NOT_ALLOWED', 'VERSION_CONFLICT', 'IDEMPOTENCY_IN_PROGRESS']) expect(description).toContain(code)
  })

  it('gives the events body as a union of the machines’ events told apart by type; deadline events are not offered', () => {
    const body = (doc.paths['/api/v1/projects/{id}/events']!.post!.requestBody as { content: Record<string, { schema: { $ref: string } }> }).content['application/json']!.schema
    expect(body).toEqual({ $ref: '#/components/schemas/ProjectEvent' })
    const union = doc.components.schemas.ProjectEvent as { oneOf: Array<{ $ref: string }>; discriminator: { propertyName: string; mapping: Record<string, string> } }
    expect(union.discriminator.propertyName).toBe('type')
    expect(Object.keys(union.discriminator.mapping).sort()).toEqual([...clientEventTypes].sort())
    expect(union.oneOf).toHaveLength(clientEventTypes.length)
    for (const kind of deadlineKinds) expect(JSON.stringify(union)).not.toContain(kind.toUpperCase())
    expect(Object.keys(union.discriminator.mapping)).not.toContain('DECLARATION_DEADLINE')
    const review = doc.components.schemas.RecordReviewEvent as { properties: Record<string, { type?: string; const?: string }>; required: string[]; additionalProperties: boolean }
    expect(review.properties.type).toMatchObject({ const: 'RECORD_REVIEW' })
    expect(review.properties.score!.type).toBe('number')
    expect([...review.required].sort()).toEqual(['opinion', 'score', 'type'])
    // A reviewer records in their own name: the field may be left out.
    expect(review.properties.reviewer).toBeDefined()
    expect(review.additionalProperties).toBe(false)
  })

  it('has enums for type, state and phase, and a draft that needs its title', () => {
    const project = doc.components.schemas.Project as { properties: Record<string, { enum?: string[] }> }
    expect(project.properties.type!.enum).toEqual([...projectTypes])
    expect(project.properties.state!.enum).toEqual([...stateNames])
    expect(project.properties.phase!.enum).toEqual([...phases])
    for (const type of projectTypes) {
      const name = `${type[0]!.toUpperCase()}${type.slice(1)}DraftDeclaration`
      expect((doc.components.schemas[name] as { required: string[] }).required).toEqual(['title'])
    }
  })

  it('documents the CSV, workbook and Mermaid answers beside JSON, and a file upload’s and download’s bytes', () => {
    const report = doc.paths['/api/v1/reports/annual']!.get!.responses['200']!.content!
    expect(Object.keys(report)).toEqual(['application/json', 'text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'])
    expect((report['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'] as any).schema.format).toBe('binary')
    const upload = (doc.paths['/api/v1/projects/{id}/files'] as any).post
    expect(Object.keys(upload.requestBody.content)).toEqual(['multipart/form-data', 'application/octet-stream'])
    expect(upload.requestBody.content['multipart/form-data'].schema.properties.file.format).toBe('binary')
    const download = (doc.paths['/api/v1/projects/{id}/files/{sha256}'] as any).get.responses['200'].content
    expect(download['application/octet-stream'].schema.format).toBe('binary')
    expect(Object.keys(doc.paths['/api/v1/machines/{type}']!.get!.responses['200']!.content!)).toEqual(['application/json', 'text/plain'])
  })

  it('keeps no component nothing refers to', () => {
    const text = JSON.stringify(doc.paths)
    const referenced = new Set<string>()
    const queue = [...text.matchAll(/#\/components\/schemas\/(\w+)/g)].map((m) => m[1]!)
    while (queue.length) {
      const name = queue.pop()!
      if (referenced.has(name)) continue
      referenced.add(name)
      queue.push(...[...JSON.stringify(doc.components.schemas[name]).matchAll(/#\/components\/schemas\/(\w+)/g)].map((m) => m[1]!))
    }
    expect(Object.keys(doc.components.schemas).filter((name) => !referenced.has(name))).toEqual([])
    expect(Object.keys(doc.components.schemas).filter((name) => name.endsWith('Input'))).toEqual([])
  })

  it('is committed as docs/openapi.json, with the example client’s types, both current (npm run openapi)', async () => {
    const built = await openapiDocument()
    expect(built).toEqual(doc)
    expect(readFileSync(documentPath, 'utf8')).toBe(documentText(built))
    expect(readFileSync(clientTypesPath, 'utf8')).toBe(await clientTypes(JSON.parse(readFileSync(documentPath, 'utf8'))))
  })

  it('passes Redocly’s lint with the committed configuration, without an error or a warning', async () => {
    const { stdout, stderr } = await run('npx', ['redocly', 'lint', documentPath, '--config', 'redocly.yaml', '--format', 'json'], { cwd: new URL('../..', import.meta.url).pathname })
    const report = JSON.parse(stdout.slice(stdout.indexOf('{'))) as { totals: { errors: number; warnings: number } }
    expect(report.totals, stderr).toEqual(expect.objectContaining({ errors: 0, warnings: 0 }))
  }, 60_000)

  it('answers 405 with Allow for a method a path does not take, 404 for a path nothing serves', async () => {
    for (const method of ['TRACE', 'DELETE', 'PATCH', 'PUT'] as const) {
      const answer = await app.inject({ method, url: '/api/v1/projects' })
      expect(answer.statusCode, method).toBe(405)
      expect(answer.headers.allow).toBe('GET, HEAD, POST')
      expect(answer.json()).toMatchObject({ code: 'METHOD_NOT_ALLOWED', details: { allowed: ['GET', 'HEAD', 'POST'] } })
    }
    const project = await app.inject({ method: 'TRACE', url: '/api/v1/projects/3f1c2b9e-8d7a-4c6b-9e5f-1a2b3c4d5e6f' })
    expect(project.statusCode).toBe(405)
    expect(project.headers.allow).toBe('GET, HEAD')
    expect((await app.inject({ method: 'TRACE', url: '/api/v1/nothing-here' })).json()).toMatchObject({ code: 'ROUTE_NOT_FOUND' })
    expect((await app.inject({ method: 'GET', url: '/api/v1/nothing-here' })).statusCode).toBe(404)
  })

  it('agrees with the server where an outside fuzzer found them apart: checks in an order that gives 400 for what the document calls malformed', async () => {
    const organizationId = (await app.inject({ method: 'POST', url: '/api/v1/organizations', payload: { name: '次序党支部', category: 'village', secretary: '书记', leaderInCharge: '委员' } })).json().id
    // A malformed declaration is 400 even when the organization is unknown (the body is checked first).
    const unknownOrganization = await app.inject({ method: 'POST', url: '/api/v1/projects', payload: { type: 'innovation', organizationId: '11111111-1111-4111-8111-111111111111', year: 2026, declaration: { title: 123 } } })
    expect(unknownOrganization.json()).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' })
    const project = (await app.inject({ method: 'POST', url: '/api/v1/projects', payload: { type: 'innovation', organizationId, year: 2026, declaration: { title: '次序' } } })).json()
    // A malformed event is 400 whatever its If-Match says.
    const stale = await app.inject({ method: 'POST', url: `/api/v1/projects/${project.id}/events`, headers: { 'if-match': '"9"' }, payload: { type: 'SUBMIT', extra: 1 } })
    expect(stale.json()).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' })
    expect((await app.inject({ method: 'POST', url: `/api/v1/projects/${project.id}/events`, headers: { 'if-match': '"9"' }, payload: { type: 'SUBMIT' } })).statusCode).toBe(409)
    // A reviewer's name that is not a name is the payload's to refuse; another reviewer's name is 403.
    const reviewer = (await app.inject({ method: 'POST', url: '/api/v1/principals', payload: { name: '次序评审员', role: 'reviewer' } })).json().token
    await app.inject({ method: 'POST', url: `/api/v1/projects/${project.id}/events`, payload: { type: 'SUBMIT' } })
    const asReviewer = (payload: object) => app.inject({ method: 'POST', url: `/api/v1/projects/${project.id}/events`, headers: { authorization: `Bearer ${reviewer}` }, payload })
    for (const name of [42, '   ', 'x'.repeat(101)]) expect((await asReviewer({ type: 'RECORD_REVIEW', reviewer: name, score: 80, opinion: '好' })).statusCode, String(name)).toBe(400)
    expect((await asReviewer({ type: 'RECORD_REVIEW', reviewer: '别人', score: 80, opinion: '好' })).statusCode).toBe(403)
    // Links are http or https, in the document as on the server.
    expect(JSON.stringify(doc.components.schemas.RecordPublicityEvent)).toContain('^[Hh][Tt][Tt][Pp][Ss]?://')
    expect(JSON.stringify(doc.paths['/api/v1/webhooks']!.post!.requestBody)).toContain('^[Hh][Tt][Tt][Pp][Ss]?://')
    // A path parameter too long for any route is 414, documented on the operations with path parameters.
    const long = await app.inject({ method: 'GET', url: `/api/v1/projects/${'a'.repeat(300)}` })
    expect(long.statusCode).toBe(414)
    expect(doc.paths['/api/v1/projects/{id}']!.get!.responses['414']).toBeDefined()
    // A route that takes no query refuses one; a path nothing serves is 404 with or without a token.
    expect((await app.inject({ method: 'GET', url: '/health?zz=1' })).statusCode).toBe(400)
    expect((await app.inject({ method: 'GET', url: '/nope', headers: { authorization: '' } })).json()).toMatchObject({ statusCode: 404, code: 'ROUTE_NOT_FOUND' })
    expect((await app.inject({ method: 'GET', url: '/api/v1/nope', headers: { authorization: '' } })).statusCode).toBe(404)
    expect((await app.inject({ method: 'TRACE', url: '/api/v1/projects', headers: { authorization: '' } })).statusCode).toBe(405)
  })

  it('fails a request loudly (in the test suite) when a route answers a status its document does not name', () => {
    const request = { method: 'GET', routeOptions: { url: '/x', schema: { response: { 200: {}, 400: {} } } } }
    const outcomes: unknown[] = []
    const silence = console.error
    console.error = () => undefined
    try {
      for (const statusCode of [200, 400, 409]) undocumentedStatusRefused.call(app, request as never, { statusCode } as never, '{}', ((error: unknown) => void outcomes.push(error ?? 'ok')) as never)
    } finally {
      console.error = silence
    }
    expect(outcomes.slice(0, 2)).toEqual(['ok', 'ok'])
    expect(String(outcomes[2])).toMatch(/answered 409, which its OpenAPI responses do not document/)
  })

  it('lists every error code in the README with its one status, and no other', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    const table = new Map<string, number>()
    for (const row of readme.matchAll(/^\| (\d{3}) \| ([^|]+) \|/gm)) for (const code of row[2]!.matchAll(/`([A-Z0-9_]+)`/g)) table.set(code[1]!, Number(row[1]))
    expect(Object.fromEntries([...table].sort())).toEqual(Object.fromEntries(Object.entries(errorCodes).sort()))
  })

  it('the README’s typed client (examples/client) declares a project and submits it against the real service', async () => {
    const address = await app.listen({ host: '127.0.0.1', port: 0 })
    const client = dangjianClient(address, ADMIN_TOKEN)
    const { project } = await declareAndSubmit(client, '示例客户端党支部')
    expect(project).toMatchObject({ type: 'innovation', state: 'underReview', version: 2 })
    const refused = await client.POST('/api/v1/projects/{id}/events', { params: { path: { id: project.id } }, body: { type: 'APPROVE' } })
    expect(refused.response.status).toBe(422)
    expect(refused.error?.code).toBe('RULE_FAILED')
  })
})
