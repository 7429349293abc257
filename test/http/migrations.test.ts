import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { definitionAt } from '../../machines/index.js'
import { standardDefaults } from '../../src/calendar/year-calendar.js'
import { calendarLookup, findCalendars } from '../../src/domain/calendars.js'
import type { ManualClock } from '../../src/engine/clock.js'
import { desiredTimers } from '../../src/engine/deadlines.js'
import type { MigrationRunner } from '../../src/engine/migration-runner.js'
import { restoreSnapshot } from '../../src/engine/snapshot.js'
import { createTestApp } from '../support/app.js'
import { databaseKinds, openTestDatabase, type TestDatabase } from '../support/databases.js'
import { declarations, pathsOf, payloads, type Step } from '../support/fixtures.js'
import { client } from '../support/http.js'
import { asBeforeUpgrade } from '../support/machine-versions.js'
import { seedProgramme } from '../support/programme.js'

/**
 * Versions side by side and explicit migration (I6, docs/versions.md): a database whose
 * foundation projects started on version 1 (reviewed) meets version 2 (filed); each project
 * keeps its version until an operator migrates it, previewed first, then applied in batches.
 */
const v1 = pathsOf('foundation', 1).pathTo
const v2 = pathsOf('foundation', 2).pathTo

describe.each(databaseKinds)('machine versions and migrations on %s', (kind) => {
  let database: TestDatabase
  let app: FastifyInstance
  let clock: ManualClock
  let migrations: MigrationRunner
  let api: ReturnType<typeof client>
  /** v1 projects by the state they were driven to. */
  const old: Record<string, string> = {}
  let lowered: string
  let filed: string

  const project = async (name: string, steps: Step[], year = 2026, declaration = declarations.foundation) =>
    api.project('foundation', await api.organization(name), year, steps, declaration)
  const row = (id: string) => database.db.selectFrom('project').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
  const timersOf = async (id: string) =>
    (await database.db.selectFrom('timer').select(['key', 'due_at', 'event']).where('project_id', '=', id).orderBy('key').execute()).map((t) => ({
      key: t.key,
      dueAt: t.due_at.toISOString(),
      event: t.event,
    }))
  const post = (payload: object, headers: Record<string, string> = {}) => app.inject({ method: 'POST', url: '/api/v1/migrations', payload, headers })
  const footprint = async () => ({
    migrations: (await database.db.selectFrom('migration').select('id').execute()).length,
    history: (await database.db.selectFrom('project_history').select('id').execute()).length,
    versions: (await database.db.selectFrom('project').select(['id', 'machine_version', 'version']).orderBy('id').execute()),
  })

  beforeAll(async () => {
    database = await openTestDatabase(kind)
    await seedProgramme(database.db, [2026, 2027])
    ;({ app, clock, migrations } = await createTestApp(database))
    api = client(app)
    // The town ran version 1 until now: its foundation projects were reviewed.
    await asBeforeUpgrade('foundation', 1, async () => {
      for (const state of ['draft', 'underReview', 'returned', 'rejected', 'planning', 'implementing', 'acceptanceRequested', 'accepted', 'closed']) {
        old[state] = await project(`旧版-${state}`, v1[state]!)
      }
      // Submitted for 2027 with last year's targets, before the 2026 project raised them: version 2's
      // filing re-checks 逐年提高, so this one cannot move into filingReview.
      const org = await api.organization('旧版-目标降低')
      lowered = await api.project('foundation', org, 2027, v1.underReview!)
      const raised = { ...declarations.foundation, targets: [{ indicator: '党员组织生活参与率', value: 99, unit: '%' }, { indicator: '为民办实事', value: 20, unit: '件' }] }
      await api.project('foundation', org, 2026, v1.underReview!, raised)
    })
    filed = await project('新版-待备案', v2.filingReview!)
  })
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  it('lists every version with since when it is current and where its projects stand', async () => {
    const { current, items } = await api.ok('GET', '/api/v1/machines/foundation/versions')
    expect(current).toBe(2)
    expect(items.map((v: { version: number; current: boolean }) => [v.version, v.current])).toEqual([[1, false], [2, true]])
    // Recorded when a service with the version current starts: this database's first start already had v2
    // (its v1 projects were started as if before the upgrade), so v1 was never current here.
    expect(items.map((v: { currentSince: string | null }) => v.currentSince === null)).toEqual([true, false])
    const v1Standing = items[0]
    expect(v1Standing.projects).toBe(Object.keys(old).length + 2)
    expect(v1Standing.states).toContainEqual({ state: 'underReview', projects: 3 })
    expect(items[1].states).toEqual([{ state: 'filingReview', projects: 1 }])
    // A machine with one version lists that one.
    const { items: innovation } = await api.ok('GET', '/api/v1/machines/innovation/versions')
    expect(innovation.map((v: { version: number }) => v.version)).toEqual([1])
  })

  it('serves an old version by ?version=N, and its diff to the new one', async () => {
    const first = await api.ok('GET', '/api/v1/machines/foundation?version=1')
    const now = await api.ok('GET', '/api/v1/machines/foundation')
    expect(first.version).toBe(1)
    expect(first.states.map((s: { id: string }) => s.id)).toContain('underReview')
    expect(now.version).toBe(2)
    expect(now.states.map((s: { id: string }) => s.id)).toContain('filingReview')
    const mermaid = await app.inject({ method: 'GET', url: '/api/v1/machines/foundation?version=1&format=mermaid' })
    expect(mermaid.body).toContain('underReview')
    expect((await api.refused(404, 'GET', '/api/v1/machines/foundation?version=3')).code).toBe('MACHINE_VERSION_NOT_FOUND')
    for (const bad of ['0', 'abc', '1.5', '2147483648', '-1', '']) {
      expect((await app.inject({ method: 'GET', url: `/api/v1/machines/foundation?version=${bad}` })).statusCode, bad).toBe(400)
    }

    const diff = await api.ok('GET', '/api/v1/machines/foundation/diff?from=1&to=2')
    expect(diff.states.added.map((s: { id: string }) => s.id)).toEqual(['filingReview'])
    expect(diff.states.removed.map((s: { id: string }) => s.id).sort()).toEqual(['rejected', 'underReview'])
    expect(diff.events).toEqual({ added: ['FILE_DECLARATION'], removed: ['RECORD_REVIEW', 'APPROVE', 'REJECT'] })
    const key = (t: { from: string; event: string; to: string | null }) => `${t.from} ${t.event} ${t.to}`
    expect(diff.transitions.added.map(key)).toEqual(
      expect.arrayContaining(['draft SUBMIT filingReview', 'filingReview FILE_DECLARATION planning', 'returned RESUBMIT filingReview']),
    )
    expect(diff.transitions.removed.map(key)).toEqual(expect.arrayContaining(['underReview APPROVE planning', 'underReview REJECT rejected']))
    expect(diff.transitions.changed).toEqual([])
    const same = await api.ok('GET', '/api/v1/machines/foundation/diff?from=2')
    expect([same.states.added, same.states.removed, same.transitions.added, same.transitions.removed]).toEqual([[], [], [], []])
    expect((await api.refused(404, 'GET', '/api/v1/machines/foundation/diff?from=1&to=7')).code).toBe('MACHINE_VERSION_NOT_FOUND')
    expect((await app.inject({ method: 'GET', url: '/api/v1/machines/foundation/diff' })).statusCode).toBe(400)
  })

  it('runs each project on its own version: next events, guards and labels', async () => {
    const reviewed = await api.get(old.underReview!)
    expect(reviewed.machineVersion).toBe(1)
    expect(reviewed.nextEvents.map((e: { type: string }) => e.type)).toContain('RECORD_REVIEW')
    const toFile = await api.get(filed)
    expect(toFile.machineVersion).toBe(2)
    expect(toFile.nextEvents.map((e: { type: string }) => e.type)).toEqual(['FILE_DECLARATION', 'RETURN_FOR_REVISION', 'WITHDRAW'])
    expect(toFile.stateLabel).toBe('待审核备案')
    expect(reviewed.stateLabel).toBe('评审中')
    // Each version refuses the other's events as unknown, not as not-now.
    expect((await api.refused(400, 'POST', `/api/v1/projects/${filed}/events`, { type: 'APPROVE' })).code).toBe('UNKNOWN_EVENT')
    expect((await api.refused(400, 'POST', `/api/v1/projects/${old.underReview}/events`, { type: 'FILE_DECLARATION' })).code).toBe('UNKNOWN_EVENT')
    // A v1 project goes on through review to approval and stays on v1; a new one starts on v2.
    const reviewedOn = await asBeforeUpgrade('foundation', 1, () => project('旧版-继续评审', v1.underReview!))
    for (const step of pathsOf('foundation', 1).toPlanning.slice(1)) await api.send(reviewedOn, step)
    expect([(await row(reviewedOn)).machine_version, await api.state(reviewedOn)]).toEqual([1, 'planning'])
    expect((await row(await project('新版-新建', []))).machine_version).toBe(2)
  })

  it('refuses a mapping that cannot be applied, writing nothing', async () => {
    const before = await footprint()
    const refusals: Array<[object, number, string, string?]> = [
      [{ stateMap: { underReview: 'withdrawn' } }, 422, 'MIGRATION_MAP_REFUSED', 'finalityChanged'],
      [{ stateMap: { closed: 'planning' } }, 422, 'MIGRATION_MAP_REFUSED', 'finalityChanged'],
      [{ stateMap: { nowhere: 'draft' } }, 422, 'MIGRATION_MAP_REFUSED', 'unknownSourceState'],
      [{ stateMap: { underReview: 'underReview' } }, 422, 'MIGRATION_MAP_REFUSED', 'unknownTargetState'],
      [{ filter: { states: ['filingReview'] } }, 422, 'MIGRATION_MAP_REFUSED'],
      [{ toVersion: 1 }, 422, 'MIGRATION_REFUSED'],
      [{ toVersion: 9 }, 404, 'MACHINE_VERSION_NOT_FOUND'],
      [{ fromVersion: 2 ** 31 }, 400, 'VALIDATION_FAILED'],
      [{ fromVersion: '1' }, 400, 'VALIDATION_FAILED'],
      [{ type: 'nope' }, 400, 'VALIDATION_FAILED'],
      [{ stateMap: { underReview: 'filing\u0000Review' } }, 400, 'VALIDATION_FAILED'],
      [{ filter: { year: 1999 } }, 400, 'VALIDATION_FAILED'],
      [{ filter: { organizationId: 'x' } }, 400, 'VALIDATION_FAILED'],
      [{ unknown: true }, 400, 'VALIDATION_FAILED'],
      [{ stateMap: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`s${i}`, 'draft'])) }, 400, 'VALIDATION_FAILED'],
    ]
    for (const [change, status, code, problem] of refusals) {
      for (const dryRun of [true, false]) {
        const response = await post({ type: 'foundation', fromVersion: 1, toVersion: 2, dryRun, ...change })
        expect(response.statusCode, `${JSON.stringify(change)}: ${response.body}`).toBe(status)
        expect(response.json().code).toBe(code)
        if (problem) expect(response.json().details.problems.map((p: { problem: string }) => p.problem)).toContain(problem)
      }
    }
    // Applying is never what an omitted dryRun means; a huge key is not echoed back whole.
    const omitted = await post({ type: 'foundation', fromVersion: 1, toVersion: 2 })
    expect([omitted.statusCode, omitted.json().details.fields[0].path]).toEqual([400, 'body.dryRun'])
    const huge = await post({ type: 'foundation', fromVersion: 1, toVersion: 2, dryRun: true, stateMap: { ['x'.repeat(500_000)]: 'draft' } })
    expect(huge.statusCode).toBe(400)
    expect(huge.body.length).toBeLessThan(2_000)
    // A key named like the prototype is refused as JSON the service does not take (no prototype pollution).
    const proto = await app.inject({
      method: 'POST',
      url: '/api/v1/migrations',
      headers: { 'content-type': 'application/json' },
      payload: '{"type":"foundation","fromVersion":1,"toVersion":2,"dryRun":true,"stateMap":{"__proto__":"draft"}}',
    })
    expect([proto.statusCode, proto.json().code]).toEqual([400, 'MALFORMED_JSON'])
    expect(await footprint()).toEqual(before)
  })

  it('previews state by state what would move where and what cannot and why, writing nothing', async () => {
    const before = await footprint()
    const plain = (await post({ type: 'foundation', fromVersion: 1, toVersion: 2, dryRun: true })).json()
    expect(plain).toMatchObject({ dryRun: true, projects: 12 })
    const underReview = plain.states.find((s: { from: string }) => s.from === 'underReview')
    expect(plain).toMatchObject({ movable: 8, blocked: 4, timersChanged: 0 })
    expect(underReview).toMatchObject({ to: null, projects: 3, movable: 0, blocked: [{ reason: 'unmappedState', projects: 3 }] })
    expect(plain.states.find((s: { from: string }) => s.from === 'rejected')).toMatchObject({ to: null, blocked: [{ reason: 'unmappedState', projects: 1 }] })
    expect(plain.states.find((s: { from: string }) => s.from === 'planning')).toMatchObject({ to: 'planning', projects: 2, movable: 2 })

    const mapped = (await post({ type: 'foundation', fromVersion: 1, toVersion: 2, dryRun: true, stateMap: { underReview: 'filingReview' } })).json()
    const review = mapped.states.find((s: { from: string }) => s.from === 'underReview')
    expect(review).toMatchObject({ to: 'filingReview', projects: 3, movable: 2, blocked: [{ reason: 'contextRefused', rules: ['targetsNotLowered'], projects: 1, sample: [lowered] }] })
    expect(mapped).toMatchObject({ movable: 10, blocked: 2 })
    // A returned declaration sent back to draft would trade its resubmission window for the March deadline.
    const redrafted = (await post({ type: 'foundation', fromVersion: 1, toVersion: 2, dryRun: true, stateMap: { returned: 'draft' } })).json()
    expect(redrafted.states.find((s: { from: string }) => s.from === 'returned')).toMatchObject({ to: 'draft', movable: 1, timersChanged: 1 })
    expect(redrafted.timersChanged).toBe(1)
    const filtered = (await post({ type: 'foundation', fromVersion: 1, toVersion: 2, dryRun: true, filter: { states: ['draft', 'planning'], year: 2026 } })).json()
    expect(filtered.states.map((s: { from: string }) => s.from)).toEqual(['draft', 'planning'])
    expect(await footprint()).toEqual(before)
  })

  it('migrates as the preview said: one MIGRATE history row each, timers re-planned from the new version, the feed told', async () => {
    const stateMap = { underReview: 'filingReview' }
    const preview = (await post({ type: 'foundation', fromVersion: 1, toVersion: 2, dryRun: true, stateMap })).json()
    const historyBefore = new Map<string, unknown[]>()
    for (const id of [...Object.values(old), lowered]) historyBefore.set(id, await api.history(id))
    const rowsBefore = new Map(await Promise.all([...Object.values(old), lowered].map(async (id) => [id, await row(id)] as const)))

    const accepted = await post({ type: 'foundation', fromVersion: 1, toVersion: 2, stateMap, dryRun: false }, { 'idempotency-key': 'migrate-foundation-1-2' })
    expect(accepted.statusCode, accepted.body).toBe(202)
    const started = accepted.json()
    expect(accepted.headers.location).toBe(`/api/v1/migrations/${started.id}`)
    expect(started).toMatchObject({ status: 'running', planned: 12, fromVersion: 1, toVersion: 2, requestedBy: '组织科' })
    // One running migration per type.
    expect((await api.refused(409, 'POST', '/api/v1/migrations', { type: 'foundation', fromVersion: 1, toVersion: 2, dryRun: false })).code).toBe('MIGRATION_IN_PROGRESS')

    await migrations.runPending()
    const done = await api.ok('GET', `/api/v1/migrations/${started.id}`)
    expect(done).toMatchObject({ status: 'completed', moved: preview.movable, blocked: preview.blocked, remaining: 0 })
    expect(typeof done.completedAt).toBe('string')
    // The same key answers the same, without a second migration.
    const replay = await post({ type: 'foundation', fromVersion: 1, toVersion: 2, stateMap, dryRun: false }, { 'idempotency-key': 'migrate-foundation-1-2' })
    expect(replay.json().id).toBe(started.id)

    const calendars = calendarLookup(await findCalendars(database.db, [2026, 2027]), standardDefaults)
    const v2Definition = definitionAt('foundation', 2)!
    for (const [state, id] of Object.entries(old)) {
      const before = rowsBefore.get(id)!
      const after = await row(id)
      const to = state === 'underReview' ? 'filingReview' : state === 'rejected' ? null : state
      if (to === null) {
        expect(after).toEqual(before)
        continue
      }
      expect([after.machine_version, after.state, after.version], state).toEqual([2, to, before.version + 1])
      const history = await api.history(id)
      expect(history.slice(0, -1), state).toEqual(historyBefore.get(id))
      expect(history.at(-1)).toMatchObject({ event: 'MIGRATE', from: state, to, version: before.version + 1, actor: '组织科' })
      // The timers a fresh plan of version 2 gives for the project as it now stands.
      const fresh = desiredTimers(v2Definition, restoreSnapshot(v2Definition, after), after.year, calendars)
      expect(await timersOf(id), state).toEqual(
        fresh.map((t) => ({ key: t.kind, dueAt: t.dueAt.toISOString(), event: t.event })).sort((a, b) => (a.key < b.key ? -1 : 1)),
      )
    }
    expect(await row(lowered)).toEqual(rowsBefore.get(lowered))

    const blocked = await api.ok('GET', `/api/v1/migrations/${started.id}/projects?outcome=blocked`)
    expect(blocked.items.map((o: { projectId: string; reason: string }) => [o.projectId, o.reason]).sort()).toEqual(
      [[lowered, 'contextRefused'], [old.rejected, 'unmappedState']].sort(),
    )
    expect(blocked.items.find((o: { projectId: string }) => o.projectId === lowered).details.rules[0]).toMatchObject({ rule: 'targetsNotLowered' })
    const all = await api.ok('GET', `/api/v1/migrations/${started.id}/projects?limit=3`)
    expect(all.items).toHaveLength(3)
    const rest = await api.ok('GET', `/api/v1/migrations/${started.id}/projects?limit=500&cursor=${all.nextCursor}`)
    expect(all.items.length + rest.items.length).toBe(12)
    for (const garbage of ['x', 'AAAA', '%00', 'eyJ9']) {
      expect((await app.inject({ method: 'GET', url: `/api/v1/migrations/${started.id}/projects?cursor=${garbage}` })).statusCode, garbage).toBe(400)
    }
    expect((await api.refused(404, 'GET', '/api/v1/migrations/00000000-0000-4000-8000-000000000000')).code).toBe('MIGRATION_NOT_FOUND')

    // The migrated declaration is now filed, as version 2 does.
    expect((await api.send(old.underReview!, { type: 'FILE_DECLARATION', ...payloads.FILE_DECLARATION })).state).toBe('planning')
    // Applied again: nothing left to move, the blocked ones judged again.
    const again = (await post({ type: 'foundation', fromVersion: 1, toVersion: 2, stateMap, dryRun: false })).json()
    await migrations.runPending()
    expect(await api.ok('GET', `/api/v1/migrations/${again.id}`)).toMatchObject({ status: 'completed', moved: 0, blocked: 2 })
  })

  it('tells the feed, so a consumer replaying it ends where the database is, version included', async () => {
    const items: Array<{ topic: string; projectId: string | null; payload: Record<string, unknown> }> = []
    let after = ''
    for (;;) {
      const page = await api.ok('GET', `/api/v1/events?limit=500${after ? `&after=${after}` : ''}`)
      items.push(...page.items)
      if (page.items.length < 500) break
      after = page.nextCursor
    }
    const replayed = new Map<string, { state: unknown; version: unknown; machineVersion: unknown }>()
    for (const item of items) {
      if (item.topic !== 'project.created' && item.topic !== 'project.transitioned') continue
      const before = replayed.get(item.projectId!)
      expect(item.payload.version).toBe(((before?.version as number) ?? 0) + 1)
      replayed.set(item.projectId!, {
        state: item.payload.to,
        version: item.payload.version,
        // Every project message says the version the project runs on from then on.
        machineVersion: item.payload.machineVersion,
      })
    }
    for (const project of await database.db.selectFrom('project').select(['id', 'state', 'version', 'machine_version']).execute()) {
      const seen = replayed.get(project.id)!
      expect([seen.state, seen.version], project.id).toEqual([project.state, project.version])
      expect(seen.machineVersion, project.id).toBe(project.machine_version)
    }
  })

  it('fires the timers of both versions in one sweep', async () => {
    const onV1 = await asBeforeUpgrade('foundation', 1, () => project('两版-旧草稿', [], 2027))
    const onV2 = await project('两版-新草稿', [], 2027)
    const elective = await api.project('innovation', await api.organization('两版-创新'), 2027)
    expect([(await row(onV1)).machine_version, (await row(onV2)).machine_version]).toEqual([1, 2])
    const result = await api.advance('2027-04-01T00:00:00+08:00')
    expect(result.fired).toBeGreaterThanOrEqual(3)
    for (const id of [onV1, onV2, elective]) expect(await api.state(id)).toBe('overdueDeclaration')
    expect(clock.now().toISOString()).toBe('2027-03-31T16:00:00.000Z')
  })
})
