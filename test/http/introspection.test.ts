import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { currentDefinition, projectTypes } from '../../machines/index.js'
import { createTestApp } from '../support/app.js'
import { openTestDatabase, type TestDatabase } from '../support/databases.js'

describe('HTTP: machine definitions, OpenAPI, docs and health', () => {
  let database: TestDatabase
  let app: FastifyInstance

  beforeAll(async () => {
    database = await openTestDatabase('pglite')
    app = (await createTestApp(database)).app
  })
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  it('lists each machine as the machine file defines it (I5)', async () => {
    const { items } = (await app.inject({ method: 'GET', url: '/api/v1/machines' })).json()
    expect(items.map((m: { type: string }) => m.type)).toEqual([...projectTypes])
    for (const described of items) {
      const { machine, spec, events } = currentDefinition(described.type)
      const nodes = Object.values(machine.root.states)
      expect(described.version).toBe(spec.version)
      expect(described.states.map((s: { id: string }) => s.id)).toEqual(nodes.map((n) => n.key))
      for (const node of nodes) {
        const state = described.states.find((s: { id: string }) => s.id === node.key)
        expect(state).toMatchObject({ label: (node.meta as { label: string }).label, final: node.type === 'final', tags: node.tags })
        const fromHere = described.transitions.filter((t: { from: string }) => t.from === node.key)
        expect(fromHere.map((t: { event: string }) => t.event)).toEqual(
          [...node.transitions.entries()].flatMap(([event, ts]) => ts.map(() => event)),
        )
      }
      expect(described.events.map((e: { type: string }) => e.type)).toEqual(Object.keys(events))
      const review = described.events.find((e: { type: string }) => e.type === 'RECORD_REVIEW')
      if (spec.approval === 'review') {
        expect(review).toMatchObject({ label: '评审打分', roles: ['reviewer'] })
        expect(review.payloadSchema.required).toEqual(['reviewer', 'score', 'opinion'])
      } else {
        // A filed declaration is not scored: the machine does not know the event (docs/versions.md).
        expect(review).toBeUndefined()
        expect(described.events.find((e: { type: string }) => e.type === 'FILE_DECLARATION')).toMatchObject({ roles: ['admin'] })
      }
    }
    for (const described of items) {
      const timed = described.transitions.filter((t: { timer: unknown }) => t.timer !== null)
      expect(timed.map((t: { from: string; event: string; to: string | null; timer: { deadline: string } }) => [t.from, t.event, t.to, t.timer.deadline])).toEqual([
        ['draft', 'DECLARATION_DEADLINE', 'overdueDeclaration', 'declarationDeadline'],
        ['returned', 'RESUBMISSION_DEADLINE', 'overdueDeclaration', 'resubmissionDeadline'],
        ['planning', 'PROGRESS_REPORT_DUE', null, 'progressReportDue'],
        ['planning', 'ACCEPTANCE_DEADLINE', 'overdueAcceptance', 'acceptanceDeadline'],
        ['implementing', 'PROGRESS_REPORT_DUE', null, 'progressReportDue'],
        ['implementing', 'ACCEPTANCE_DEADLINE', 'overdueAcceptance', 'acceptanceDeadline'],
        ['rectifying', 'ACCEPTANCE_DEADLINE', 'overdueAcceptance', 'acceptanceDeadline'],
      ])
      expect(described.events.find((e: { type: string }) => e.type === 'ACCEPTANCE_DEADLINE').roles).toEqual(['system'])
    }
    const one = (await app.inject({ method: 'GET', url: '/api/v1/machines/promotion' })).json()
    expect(one).toEqual(items[2])
  })

  it('draws a machine as a Mermaid state diagram', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/v1/machines/innovation?format=mermaid' })
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toMatch(/^text\/plain/)
    expect(response.body).toMatch(/^stateDiagram-v2\n/)
    expect(response.body).toContain('underReview --> planning: 批准立项 [本轮评审意见达到规定人数]')
  })

  it('serves an OpenAPI document of every route, and a docs page', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json()
    expect(doc.openapi).toMatch(/^3\./)
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/health',
        '/api/v1/machines',
        '/api/v1/machines/{type}',
        '/api/v1/organizations',
        '/api/v1/organizations/{id}',
        '/api/v1/projects',
        '/api/v1/projects/{id}',
        '/api/v1/projects/{id}/events',
        '/api/v1/projects/{id}/history',
      ]),
    )
    const events = doc.paths['/api/v1/projects/{id}/events'].post
    expect(Object.keys(events.responses)).toEqual(expect.arrayContaining(['200', '400', '404', '409', '413', '422']))
    expect(events.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['id', 'if-match']))
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' })
    expect(doc.security).toEqual([{ bearer: [] }])
    expect(doc.paths['/health'].get.security).toEqual([])
    const declare = doc.paths['/api/v1/projects'].post
    expect(declare.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/NewProject' })
    expect(JSON.stringify(doc.components.schemas.NewProject)).toContain('流动党员云支部')
    expect(Object.keys(declare.responses)).toEqual(expect.arrayContaining(['201', '400', '404', '422']))
    const docs = await app.inject({ method: 'GET', url: '/docs/' })
    expect(docs.statusCode).toBe(200)
    expect(docs.body).toContain('swagger-ui')
  })

  it('reports liveness and the database in use', async () => {
    const health = await app.inject({ method: 'GET', url: '/health' })
    expect(health.statusCode).toBe(200)
    expect(health.json()).toMatchObject({ status: 'ok', database: 'pglite' })
  })
})
