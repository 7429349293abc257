import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { allDefinitions, stateIds, stateMetaOf, stateTagsOf, type ProjectType, type StateTag } from '../../machines/index.js'
import { initialContext } from '../../machines/shared/context.js'
import { createTestApp } from '../support/app.js'
import { databaseKinds, openTestDatabase, type TestDatabase } from '../support/databases.js'
import { declarations } from '../support/fixtures.js'
import { client } from '../support/http.js'
import { seedProgramme } from '../support/programme.js'

/**
 * Every view that selects projects by what their state means — the overdue list, "1+X"
 * counting, the one-foundation rule, the spot-check population, the annual report — agrees,
 * for every state of every machine and version, with the tags the machine gives that state.
 * One organization per (type, version, state), each with one project standing there.
 */
describe.each(databaseKinds)('views read the machines’ tags, on %s', (kind) => {
  let database: TestDatabase
  let app: FastifyInstance
  let api: ReturnType<typeof client>
  const stands: Array<{ type: ProjectType; version: number; state: string; tags: readonly StateTag[]; organizationId: string; projectId: string }> = []

  beforeAll(async () => {
    database = await openTestDatabase(kind)
    await seedProgramme(database.db)
    ;({ app } = await createTestApp(database, { start: '2026-05-01T00:00:00.000Z' }))
    api = client(app)
    const now = new Date('2026-05-01T00:00:00.000Z')
    for (const definition of allDefinitions()) {
      const { type, version } = definition.spec
      for (const state of stateIds(definition)) {
        const organizationId = await api.organization(`标签-${type}-v${version}-${state}`)
        const context = initialContext(
          {
            type,
            declaration: declarations[type],
            organization: { secretary: '书记', leaderInCharge: '委员' },
            startedAt: now.toISOString(),
            declarationDeadline: '2026-03-31T15:59:59.999Z',
            policy: { minReviews: 3, grading: definition.spec.grading },
          },
          definition.spec,
        )
        const snapshot = definition.machine.resolveState({ value: state, context })
        const projectId = randomUUID()
        await database.db
          .insertInto('project')
          .values({
            id: projectId,
            type,
            machine_version: version,
            organization_id: organizationId,
            year: 2026,
            title: `${type} ${state}`,
            state,
            phase: stateMetaOf(definition, state)!.phase,
            status: snapshot.status,
            snapshot: JSON.stringify(definition.machine.getPersistedSnapshot(snapshot)),
            version: 1,
            created_at: now,
            updated_at: now,
          })
          .execute()
        stands.push({ type, version, state, tags: stateTagsOf(definition, state), organizationId, projectId })
      }
    }
  })
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  const tagged = (tag: StateTag) => stands.filter((s) => s.tags.includes(tag)).map((s) => s.projectId).sort()

  it('gives every state at least one tag, and `final` exactly to the final states', () => {
    for (const definition of allDefinitions()) {
      for (const state of stateIds(definition)) {
        expect(stateTagsOf(definition, state).length, state).toBeGreaterThan(0)
        expect(stateTagsOf(definition, state).includes('final'), state).toBe(stateMetaOf(definition, state)!.final)
      }
    }
  })

  it('lists as overdue exactly the projects whose state is tagged overdue', async () => {
    const listed = await api.ok('GET', '/api/v1/projects?year=2026&overdue=true&limit=200')
    expect(listed.items.map((p: { id: string }) => p.id).sort()).toEqual(tagged('overdue'))
  })

  it('counts towards "1+X" exactly the projects whose state is tagged declared', async () => {
    const { items } = await api.ok('GET', '/api/v1/compliance?year=2026')
    for (const stand of stands) {
      const row = items.find((r: { organizationId: string }) => r.organizationId === stand.organizationId)
      const declared = stand.tags.includes('declared') ? 1 : 0
      const countsAs = allDefinitions().find((d) => d.spec.type === stand.type)!.spec.countsAs
      expect([row.foundation, row.elective], `${stand.type} ${stand.state}`).toEqual(countsAs === 'one' ? [declared, 0] : [0, declared])
    }
  })

  it('lets an organization declare a second foundation project exactly when its first is not live', async () => {
    for (const stand of stands.filter((s) => s.type === 'foundation')) {
      const response = await app.inject({
        method: 'POST',
        url: '/api/v1/projects',
        payload: { type: 'foundation', organizationId: stand.organizationId, year: 2026, declaration: { title: '第二个基础项目' } },
      })
      expect(response.statusCode, `${stand.state}: ${response.body}`).toBe(stand.tags.includes('live') ? 422 : 201)
      if (response.statusCode === 201) await api.send(response.json().id, { type: 'WITHDRAW', reason: '测试后撤回' })
    }
  })

  it('draws spot checks from exactly the projects whose state is tagged inImplementation', async () => {
    const drawn = await api.ok('POST', '/api/v1/spot-checks', { year: 2026, percentage: 100, seed: 'tags' })
    expect([...drawn.population].sort()).toEqual(tagged('inImplementation'))
  })

  it('reports each project with its state’s tags, and counts the overdue ones by the tag', async () => {
    const report = await api.ok('GET', '/api/v1/reports/annual?year=2026')
    const projects = report.organizations.flatMap((o: { projects: unknown[] }) => o.projects) as Array<{ id: string; stateTags: string[] }>
    for (const stand of stands) expect(projects.find((p) => p.id === stand.projectId)?.stateTags, stand.state).toEqual([...stand.tags])
    const listed = await api.ok('GET', '/api/v1/projects?year=2026&limit=200')
    for (const stand of stands) expect(listed.items.find((p: { id: string }) => p.id === stand.projectId)?.stateTags, stand.state).toEqual([...stand.tags])
    expect(report.totals.overdue).toBe(tagged('overdue').length)
  })

  it('serves the tags with the machine definitions', async () => {
    for (const stand of stands) {
      // Each project's own version of its machine, the current one or an older one (I6).
      const machine = await api.ok('GET', `/api/v1/machines/${stand.type}?version=${stand.version}`)
      expect(machine.version).toBe(stand.version)
      expect(machine.states.find((s: { id: string }) => s.id === stand.state).tags).toEqual([...stand.tags])
    }
  })
})
