import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp } from '../support/app.js'
import { seedProgramme } from '../support/programme.js'
import { databaseKinds, openTestDatabase, type TestDatabase } from '../support/databases.js'
import { pathTo, payloads, pathsOf } from '../support/fixtures.js'
import { client } from '../support/http.js'

/** Foundation projects start on the current machine, which files declarations instead of reviewing them (docs/versions.md). */
const foundationPathTo = pathsOf('foundation').pathTo

/**
 * A manual clock walks a whole programme year; every deadline fires through the scheduler,
 * exactly when the calendar says (R7, R9, R11, R13, R24; I4, I8).
 */
describe.each(databaseKinds)('a year on the calendar, on %s', (kind) => {
  let database: TestDatabase
  let app: FastifyInstance
  let api: ReturnType<typeof client>
  let org: string
  const ids: Record<string, string> = {}

  beforeAll(async () => {
    database = await openTestDatabase(kind)
    await seedProgramme(database.db, [2026, 2027, 2028])
    ;({ app } = await createTestApp(database, { start: '2026-01-05T00:00:00.000Z', batchSize: 3 }))
    api = client(app)
    org = await api.organization('南湖村党支部')
  })
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  it('tells the time and mode of the clock', async () => {
    expect(await api.ok('GET', '/api/v1/admin/clock')).toEqual({
      mode: 'manual',
      now: '2026-01-05T00:00:00.000Z',
      nowInShanghai: '2026-01-05 08:00:00.000 +08:00',
    })
  })

  it('declares the annual round: drafts, returned and submitted declarations', async () => {
    ids.draftFoundation = await api.project('foundation', org, 2026)
    ids.draftInnovation = await api.project('innovation', org, 2026)
    ids.returned = await api.project('innovation', org, 2026, pathTo.returned)
    ids.submitted = await api.project('foundation', await api.organization('北湖村党支部'), 2026, foundationPathTo.filingReview)
    ids.implementing = await api.project('innovation', org, 2026, pathTo.implementing)
    ids.reported = await api.project('promotion', org, 2026, [
      ...pathTo.implementing!,
      { type: 'SUBMIT_PROGRESS_REPORT', ...payloads.SUBMIT_PROGRESS_REPORT },
    ])
    ids.lateRequester = await api.project('foundation', await api.organization('西湖村党支部'), 2026, [...foundationPathTo.implementing!, { type: 'RECORD_LEDGER_ENTRY', ...payloads.RECORD_LEDGER_ENTRY }])
    const draft = await api.get(ids.draftFoundation)
    expect(draft.timers).toEqual([
      {
        projectId: ids.draftFoundation,
        kind: 'declarationDeadline',
        dueAt: '2026-03-31T16:00:00.000Z',
        dueInShanghai: '2026-04-01 00:00:00.000 +08:00',
        event: { type: 'DECLARATION_DEADLINE' },
      },
    ])
    expect((await api.get(ids.submitted)).timers).toEqual([])
  })

  it('does not expire drafts at 23:59:59.999 on 31 March (Asia/Shanghai)', async () => {
    const result = await api.advance('2026-03-31T15:59:59.999Z')
    expect(result).toMatchObject({ now: '2026-03-31T15:59:59.999Z', fired: 0 })
    expect(await api.state(ids.draftFoundation!)).toBe('draft')
    expect(await api.state(ids.returned!)).toBe('returned')
  })

  it('expires drafts and returned declarations at 00:00 on 1 April, and nothing else', async () => {
    const result = await api.advance('2026-04-01T00:00:00.000+08:00')
    expect(result.fired).toBe(3)
    // Returned in January, its resubmission window (15 days) ended before the March deadline: the later one binds it.
    for (const [id, deadline, event] of [
      [ids.draftFoundation, 'declarationDeadline', 'DECLARATION_DEADLINE'],
      [ids.draftInnovation, 'declarationDeadline', 'DECLARATION_DEADLINE'],
      [ids.returned, 'resubmissionDeadline', 'RESUBMISSION_DEADLINE'],
    ] as const) {
      const project = await api.get(id!)
      expect(project).toMatchObject({ state: 'overdueDeclaration', stateLabel: '逾期未申报', timers: [] })
      expect(project.context.overdue).toEqual([{ deadline, at: '2026-03-31T16:00:00.000Z' }])
      const last = (await api.history(id!)).at(-1)
      expect(last).toMatchObject({ event, actor: 'scheduler', at: '2026-03-31T16:00:00.000Z' })
    }
    expect(await api.state(ids.submitted!)).toBe('filingReview')
    const overdue = await api.ok('GET', '/api/v1/projects?overdue=true&year=2026')
    expect(overdue.items.map((p: { id: string }) => p.id).sort()).toEqual([ids.draftFoundation, ids.draftInnovation, ids.returned].sort())
    const inDeclaration = await api.ok('GET', '/api/v1/projects?phase=declaration&year=2026')
    expect(inDeclaration.items.map((p: { state: string }) => p.state)).toEqual(['overdueDeclaration', 'overdueDeclaration', 'overdueDeclaration'])
  })

  it('lets supplementary declarations (动态增补) made after the round survive its deadline', async () => {
    await api.advance('2026-04-10T02:00:00.000Z')
    ids.supplementary = await api.project('innovation', org, 2026)
    const project = await api.get(ids.supplementary!)
    expect(project.context.supplementary).toBe(true)
    expect(project.timers).toEqual([])
    await api.advance('2026-05-01T00:00:00.000Z')
    expect(await api.state(ids.supplementary!)).toBe('draft')
  })

  it('lets the organization section allow a late declaration (准予补报), which the deadline then spares', async () => {
    await api.send(ids.draftInnovation!, { type: 'ALLOW_LATE_DECLARATION', ...payloads.ALLOW_LATE_DECLARATION })
    const project = await api.get(ids.draftInnovation!)
    expect(project).toMatchObject({ state: 'draft', timers: [] })
    await api.advance('2026-05-02T00:00:00.000Z')
    expect(await api.state(ids.draftInnovation!)).toBe('draft')
  })

  it('flags projects missing their half-year report when it falls due, and lists them (R11)', async () => {
    const before = await api.get(ids.implementing!)
    expect(before.timers.map((t: { kind: string; dueInShanghai: string }) => [t.kind, t.dueInShanghai])).toEqual([
      ['progressReportDue', '2026-06-24 00:00:00.000 +08:00'],
      ['acceptanceDeadline', '2027-01-01 00:00:00.000 +08:00'],
    ])
    // The project that reported early waits for the second half.
    expect((await api.get(ids.reported!)).timers[0].event).toEqual({ type: 'PROGRESS_REPORT_DUE', period: '2026-H2' })

    await api.advance('2026-06-24T00:00:00.000+08:00')
    const flagged = await api.get(ids.implementing!)
    expect(flagged.context.missingReports).toEqual([{ period: '2026-H1', at: '2026-06-23T16:00:00.000Z' }])
    expect(flagged.timers[0].event).toEqual({ type: 'PROGRESS_REPORT_DUE', period: '2026-H2' })
    expect((await api.get(ids.reported!)).context.missingReports).toEqual([])

    const missing = await api.ok('GET', '/api/v1/projects?missingReport=2026-H1')
    expect(missing.items.map((p: { id: string }) => p.id).sort()).toEqual([ids.implementing, ids.lateRequester].sort())
  })

  it('records the meeting’s guidance and a late report, which clears the list', async () => {
    await api.advance('2026-06-30T09:30:00.000+08:00')
    await api.send(ids.implementing!, { type: 'RECORD_MEETING_GUIDANCE', period: '2026-H1', guidance: '尽快补报进展' })
    await api.send(ids.implementing!, { type: 'SUBMIT_PROGRESS_REPORT', ...payloads.SUBMIT_PROGRESS_REPORT })
    const project = await api.get(ids.implementing!)
    expect(project.context.meetingGuidance).toMatchObject([{ period: '2026-H1', guidance: '尽快补报进展' }])
    expect(project.context.progressReports).toMatchObject([{ period: '2026-H1', late: true }])
    const missing = await api.ok('GET', '/api/v1/projects?missingReport=2026-H1')
    expect(missing.items.map((p: { id: string }) => p.id)).toEqual([ids.lateRequester])
  })

  it('makes projects still in implementation overdue for acceptance at 00:00 on 1 January', async () => {
    ids.accepted = await api.project('innovation', org, 2026, pathTo.acceptanceRequested)
    await api.advance('2026-12-31T23:59:59.999+08:00')
    expect(await api.state(ids.implementing!)).toBe('implementing')
    const result = await api.advance('2027-01-01T00:00:00.000+08:00')
    expect(result.fired).toBeGreaterThanOrEqual(3)
    for (const id of [ids.implementing, ids.reported, ids.lateRequester]) {
      expect(await api.get(id!)).toMatchObject({ state: 'overdueAcceptance', stateLabel: '逾期未验收', timers: [] })
    }
    expect(await api.state(ids.accepted!)).toBe('acceptanceRequested')
    // The second half's reports fell due on 13 December and were flagged in passing, in due order.
    const history = await api.history(ids.lateRequester!)
    expect(history.slice(-3).map((h) => [h.event, h.at])).toEqual([
      ['PROGRESS_REPORT_DUE', '2026-06-23T16:00:00.000Z'],
      ['PROGRESS_REPORT_DUE', '2026-12-13T16:00:00.000Z'],
      ['ACCEPTANCE_DEADLINE', '2026-12-31T16:00:00.000Z'],
    ])
  })

  it('still takes a late acceptance request, marked late', async () => {
    await api.send(ids.lateRequester!, { type: 'REQUEST_ACCEPTANCE', ...payloads.REQUEST_ACCEPTANCE })
    const project = await api.get(ids.lateRequester!)
    expect(project.state).toBe('acceptanceRequested')
    expect(project.context.acceptanceRequests).toMatchObject([{ late: true }])
  })

  it('reschedules on an extension (滚动实施) into the next year', async () => {
    const refused = await app.inject({
      method: 'POST',
      url: `/api/v1/projects/${ids.implementing}/events`,
      payload: { type: 'GRANT_EXTENSION', until: '2026-12-31T15:59:59.999Z', reason: '已过期' },
    })
    expect(refused.statusCode).toBe(422)
    expect(refused.json().details.rules[0].rule).toBe('extensionInFuture')

    await api.send(ids.implementing!, { type: 'GRANT_EXTENSION', until: '2027-06-30', reason: '跨年度实施' })
    const project = await api.get(ids.implementing!)
    expect(project.state).toBe('implementing')
    expect(project.context.extension).toMatchObject({ until: '2027-06-30T15:59:59.999Z' })
    expect(project.timers.map((t: { kind: string; dueInShanghai: string }) => [t.kind, t.dueInShanghai])).toEqual([
      ['progressReportDue', '2027-06-24 00:00:00.000 +08:00'],
      ['acceptanceDeadline', '2027-07-01 00:00:00.000 +08:00'],
    ])
    await api.advance('2027-07-01T00:00:00.000+08:00')
    expect(await api.get(ids.implementing!)).toMatchObject({
      state: 'overdueAcceptance',
      context: { missingReports: [{ period: '2026-H1' }, { period: '2026-H2' }, { period: '2027-H1' }] },
    })
  })

  it('lists pending timers by project, kind and due time', async () => {
    const projectId = await api.project('foundation', org, 2028)
    const timers = await api.ok('GET', `/api/v1/timers?kind=declarationDeadline&dueBefore=2029-01-01T00:00:00Z`)
    expect(timers.items.map((t: { projectId: string }) => t.projectId)).toEqual([projectId])
    const none = await api.ok('GET', `/api/v1/timers?projectId=${projectId}&kind=acceptanceDeadline`)
    expect(none.items).toEqual([])
  })

  it('moves pending timers when the calendar changes, and records the change', async () => {
    const projectId = (await api.ok('GET', '/api/v1/projects?year=2028')).items[0].id
    const changed = await api.ok('PUT', '/api/v1/calendars/2028', { declarationDeadline: '2028-02-29' }, { 'x-actor': '组织科' })
    expect(changed).toMatchObject({
      year: 2028,
      stored: true,
      declarationDeadline: { at: '2028-02-29T15:59:59.999Z', inShanghai: '2028-02-29 23:59:59.999 +08:00' },
      rescheduledTimers: 1,
    })
    expect((await api.get(projectId)).timers[0].dueAt).toBe('2028-02-29T16:00:00.000Z')
    const changes = await api.ok('GET', '/api/v1/calendars/2028/changes')
    expect(changes.items).toMatchObject([
      { actor: '组织科', rescheduledTimers: 1, before: { stored: false }, after: { stored: true } },
    ])

    const outOfOrder = await app.inject({
      method: 'PUT',
      url: '/api/v1/calendars/2028',
      payload: { declarationDeadline: '2028-07-01' },
    })
    expect(outOfOrder.statusCode).toBe(422)
    expect(outOfOrder.json().code).toBe('CALENDAR_OUT_OF_ORDER')
    expect((await api.get(projectId)).timers[0].dueAt).toBe('2028-02-29T16:00:00.000Z')
  })

  // An event reads the calendars it needs together with its project; a stored calendar must be
  // the one a transition sets its deadline timer from.
  it('sets a returned declaration’s deadline from the stored calendar', async () => {
    const other = await api.organization('日历测试党支部')
    const returned = await api.project('innovation', other, 2028, pathTo.returned)
    const timers = (await api.get(returned)).timers as Array<{ kind: string; dueAt: string }>
    expect(timers.find((t) => t.kind === 'resubmissionDeadline')?.dueAt).toBe('2028-02-29T16:00:00.000Z')
  })

  it('expires a leap year’s 29 February deadline at 00:00 on 1 March, not before', async () => {
    const projectId = (await api.ok('GET', '/api/v1/projects?year=2028&type=foundation')).items[0].id
    await api.advance('2028-02-29T23:59:59.999+08:00')
    expect(await api.state(projectId)).toBe('draft')
    await api.advance('2028-03-01T00:00:00.000+08:00')
    expect(await api.state(projectId)).toBe('overdueDeclaration')
  })

  it('refuses to move the clock backwards', async () => {
    const response = await app.inject({ method: 'POST', url: '/api/v1/admin/clock', payload: { to: '2026-01-01T00:00:00Z' } })
    expect(response.statusCode).toBe(422)
    expect(response.json().code).toBe('CLOCK_BACKWARDS')
  })
})
