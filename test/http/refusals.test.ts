import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp } from '../support/app.js'
import { seedProgramme } from '../support/programme.js'
import { databaseKinds, openTestDatabase, type TestDatabase } from '../support/databases.js'
import { declarations, pathTo } from '../support/fixtures.js'

const unknownId = '00000000-0000-4000-8000-000000000000'

describe.each(databaseKinds)('HTTP refusals on %s (I7)', (kind) => {
  let database: TestDatabase
  let app: FastifyInstance
  let organizationId: string
  let draftId: string
  let reviewId: string

  const send = (id: string, payload: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: `/api/v1/projects/${id}/events`, payload: payload as object, headers })

  /** Rows that any refused request must leave as they were. */
  const footprint = async () => {
    const counts = await Promise.all(
      (['project', 'project_history', 'outbox', 'timer', 'organization'] as const).map(async (table) =>
        Number((await database.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
      ),
    )
    const versions = await database.db.selectFrom('project').select(['id', 'version', 'state']).orderBy('id').execute()
    return { counts, versions }
  }

  beforeAll(async () => {
    database = await openTestDatabase(kind)
    await seedProgramme(database.db, [2026, 2027, 2028])
    app = (await createTestApp(database, { bodyLimit: 64 * 1024 })).app
    organizationId = (
      await app.inject({
        method: 'POST',
        url: '/api/v1/organizations',
        payload: { name: '社区社会组织联合党支部', category: 'social', secretary: '孙书记', leaderInCharge: '钱委员' },
      })
    ).json().id
    const create = async (type: 'foundation' | 'innovation') =>
      (
        await app.inject({
          method: 'POST',
          url: '/api/v1/projects',
          payload: { type, organizationId, year: 2026, declaration: declarations[type] },
        })
      ).json().id as string
    draftId = await create('foundation')
    reviewId = await create('innovation')
    for (const step of pathTo.underReview!) expect((await send(reviewId, step)).statusCode).toBe(200)
  })
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  const expectRefusal = (response: { statusCode: number; json: () => any; headers: Record<string, unknown> }, statusCode: number, code: string) => {
    expect(response.statusCode).toBe(statusCode)
    const body = response.json()
    expect(body).toMatchObject({ statusCode, code, requestId: response.headers['x-request-id'] })
    expect(typeof body.message).toBe('string')
    expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+/)
    return body
  }

  it('400 MALFORMED_JSON for a body that is not JSON, and for an empty one', async () => {
    const before = await footprint()
    for (const payload of ['{"type": "SUBMIT"', '']) {
      const response = await app.inject({
        method: 'POST',
        url: `/api/v1/projects/${draftId}/events`,
        headers: { 'content-type': 'application/json' },
        payload,
      })
      expectRefusal(response, 400, 'MALFORMED_JSON')
    }
    expect(await footprint()).toEqual(before)
  })

  it('400 VALIDATION_FAILED naming the fields, for wrong types in bodies, params and queries', async () => {
    const before = await footprint()
    const org = await app.inject({
      method: 'POST',
      url: '/api/v1/organizations',
      payload: { name: '', category: 'army', secretary: 3, leaderInCharge: '某' },
    })
    const fields = expectRefusal(org, 400, 'VALIDATION_FAILED').details.fields.map((f: { path: string }) => f.path)
    expect(fields).toEqual(expect.arrayContaining(['body.name', 'body.category', 'body.secretary']))

    const project = await app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      payload: { type: 'foundation', organizationId, year: '2026', declaration: { title: '标题', targets: 'many' } },
    })
    expect(expectRefusal(project, 400, 'VALIDATION_FAILED').details.fields.map((f: { path: string }) => f.path)).toContain('body.year')

    const declaration = await app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      payload: { type: 'foundation', organizationId, year: 2026, declaration: { title: '标题', targets: 'many' } },
    })
    expect(expectRefusal(declaration, 400, 'VALIDATION_FAILED').details.fields).toEqual([
      expect.objectContaining({ path: 'body.declaration.targets' }),
    ])

    const untitled = await app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      payload: { type: 'innovation', organizationId, year: 2026, declaration: {} },
    })
    expect(expectRefusal(untitled, 400, 'VALIDATION_FAILED').details.fields[0].path).toBe('body.declaration.title')

    const payload = await send(reviewId, { type: 'RECORD_REVIEW', reviewer: '甲', score: 101, opinion: '' })
    const paths = expectRefusal(payload, 400, 'VALIDATION_FAILED').details.fields.map((f: { path: string }) => f.path)
    expect(paths).toEqual(['score', 'opinion'])

    expectRefusal(await app.inject({ method: 'GET', url: '/api/v1/projects/not-a-uuid' }), 400, 'VALIDATION_FAILED')
    expectRefusal(await app.inject({ method: 'GET', url: '/api/v1/projects?limit=0' }), 400, 'VALIDATION_FAILED')
    expectRefusal(await app.inject({ method: 'GET', url: '/api/v1/projects?cursor=garbage' }), 400, 'INVALID_CURSOR')
    expectRefusal(await send(draftId, { type: 'SUBMIT' }, { 'if-match': 'yesterday' }), 400, 'INVALID_IF_MATCH')
    expectRefusal(await send(draftId, { type: 'FLY' }), 400, 'UNKNOWN_EVENT')
    expectRefusal(await send(draftId, { reason: 'no type' }), 400, 'VALIDATION_FAILED')
    expect(await footprint()).toEqual(before)
  })

  it('404 for unknown ids and routes', async () => {
    const before = await footprint()
    expectRefusal(await app.inject({ method: 'GET', url: `/api/v1/projects/${unknownId}` }), 404, 'PROJECT_NOT_FOUND')
    expectRefusal(await app.inject({ method: 'GET', url: `/api/v1/projects/${unknownId}/history` }), 404, 'PROJECT_NOT_FOUND')
    expectRefusal(await send(unknownId, { type: 'SUBMIT' }), 404, 'PROJECT_NOT_FOUND')
    expectRefusal(await app.inject({ method: 'GET', url: `/api/v1/organizations/${unknownId}` }), 404, 'ORGANIZATION_NOT_FOUND')
    const orphan = await app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      payload: { type: 'innovation', organizationId: unknownId, year: 2026, declaration: { title: '无主项目' } },
    })
    expectRefusal(orphan, 404, 'ORGANIZATION_NOT_FOUND')
    expectRefusal(await app.inject({ method: 'GET', url: '/api/v1/nothing-here' }), 404, 'ROUTE_NOT_FOUND')
    expectRefusal(await app.inject({ method: 'GET', url: '/api/v1/machines/army' }), 400, 'VALIDATION_FAILED')
    expect(await footprint()).toEqual(before)
  })

  it('409 EVENT_NOT_ALLOWED listing what the state allows', async () => {
    const before = await footprint()
    const body = expectRefusal(await send(draftId, { type: 'CLOSE', note: '结项' }), 409, 'EVENT_NOT_ALLOWED')
    expect(body.details).toEqual({
      state: 'draft',
      allowedEvents: ['UPDATE_DECLARATION', 'SUBMIT', 'WITHDRAW', 'DECLARATION_DEADLINE'],
    })
    expect(await footprint()).toEqual(before)
  })

  it('400 UNKNOWN_EVENT for an event of another version of the machine (a review for a filed foundation project)', async () => {
    const before = await footprint()
    const body = expectRefusal(await send(draftId, { type: 'APPROVE' }), 400, 'UNKNOWN_EVENT')
    expect(body.details.events).toContain('FILE_DECLARATION')
    expect(body.details.events).not.toContain('APPROVE')
    expect(await footprint()).toEqual(before)
  })

  it('403 SCHEDULER_ONLY for a deadline event sent over HTTP', async () => {
    const before = await footprint()
    expectRefusal(await send(draftId, { type: 'DECLARATION_DEADLINE' }), 403, 'SCHEDULER_ONLY')
    expect(await footprint()).toEqual(before)
  })

  it('409 VERSION_CONFLICT for a stale If-Match, and the current version in the ETag otherwise', async () => {
    const before = await footprint()
    const current = await app.inject({ method: 'GET', url: `/api/v1/projects/${draftId}` })
    expect(current.headers.etag).toBe('"1"')
    const stale = await send(draftId, { type: 'WITHDRAW', reason: '撤回' }, { 'if-match': '"0"' })
    expect(expectRefusal(stale, 409, 'VERSION_CONFLICT').details).toEqual({ expectedVersion: 0, currentVersion: 1 })
    expect(await footprint()).toEqual(before)
  })

  it('409 ORGANIZATION_EXISTS for a second organization of the same name', async () => {
    const before = await footprint()
    const again = await app.inject({
      method: 'POST',
      url: '/api/v1/organizations',
      payload: { name: '社区社会组织联合党支部', category: 'social', secretary: '孙书记', leaderInCharge: '钱委员' },
    })
    expectRefusal(again, 409, 'ORGANIZATION_EXISTS')
    expect(await footprint()).toEqual(before)
  })

  it('422 RULE_FAILED naming the rule and what it found', async () => {
    const before = await footprint()
    const approve = expectRefusal(await send(reviewId, { type: 'APPROVE' }), 422, 'RULE_FAILED')
    expect(approve.details.rules).toEqual([
      { rule: 'enoughReviews', label: '本轮评审意见达到规定人数', round: 1, reviews: 0, required: 3 },
    ])
    const untitledDraft = (
      await app.inject({
        method: 'POST',
        url: '/api/v1/projects',
        payload: { type: 'innovation', organizationId, year: 2026, declaration: { title: '只有标题的草稿' } },
      })
    ).json().id
    const after = await footprint()
    const submit = expectRefusal(await send(untitledDraft, { type: 'SUBMIT' }), 422, 'RULE_FAILED')
    expect(submit.details.rules[0].rule).toBe('declarationComplete')
    expect(submit.details.rules[0].fields.map((f: { path: string }) => f.path)).toEqual(
      expect.arrayContaining(['declaration.background', 'declaration.problem', 'declaration.requirements']),
    )
    expect(await footprint()).toEqual(after)
    expect(before.counts[0]).toBe(after.counts[0]! - 1)
  })

  it('413 BODY_TOO_LARGE over the body limit, 415 for a body that is not JSON', async () => {
    const before = await footprint()
    const huge = await send(draftId, {
      type: 'UPDATE_DECLARATION',
      declaration: { background: 'x'.repeat(70 * 1024) },
    })
    expectRefusal(huge, 413, 'BODY_TOO_LARGE')
    const form = await app.inject({
      method: 'POST',
      url: `/api/v1/projects/${draftId}/events`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'type=SUBMIT',
    })
    expectRefusal(form, 415, 'UNSUPPORTED_MEDIA_TYPE')
    expect(await footprint()).toEqual(before)
  })

  it('echoes a caller-supplied request id', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/v1/nope', headers: { 'x-request-id': 'office-42' } })
    expect(response.headers['x-request-id']).toBe('office-42')
    expect(response.json().requestId).toBe('office-42')
  })
})
