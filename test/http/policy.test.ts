import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp } from '../support/app.js'
import { databaseKinds, openTestDatabase, type TestDatabase } from '../support/databases.js'
import { declarations, pathTo, payloads, type Step, pathsOf } from '../support/fixtures.js'
import { client } from '../support/http.js'
import { seedProgramme } from '../support/programme.js'

/** Foundation projects start on the current machine, which files declarations instead of reviewing them (docs/versions.md). */
const foundationPathTo = pathsOf('foundation').pathTo

/**
 * The six answers a programme year run from outside found contradicting the policy
 * (docs/programme.md), each tried on both sides of its rule, with the clock moving through
 * the year as the scheduler moves it.
 */
describe.each(databaseKinds)('the policy as written, on %s', (kind) => {
  let database: TestDatabase
  let app: FastifyInstance
  let api: ReturnType<typeof client>
  const ids: Record<string, string> = {}
  let org: string

  beforeAll(async () => {
    database = await openTestDatabase(kind)
    await seedProgramme(database.db, [2025, 2026, 2027])
    // 20 March, 08:00 in Shanghai: declarations still on time.
    ;({ app } = await createTestApp(database, { start: '2026-03-20T00:00:00.000Z' }))
    api = client(app)
    org = await api.organization('政策村党支部', 'village', '王书记', '赵委员')
  })
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  const rules = (body: { details?: { rules?: Array<{ rule: string }> } }) => body.details?.rules?.map((r) => r.rule)
  const post = (url: string, payload: object) => app.inject({ method: 'POST', url, payload })
  const event = (id: string, step: Step) => post(`/api/v1/projects/${id}/events`, step)
  const timersOf = async (id: string) => (await api.get(id)).timers as Array<{ kind: string; dueAt: string; event: { type: string } }>

  describe('1. a declaration submitted on time and returned for revision', () => {
    it('gets a resubmission window of 15 days from the return, not the March deadline that passed', async () => {
      ids.resubmits = await api.project('innovation', org, 2026, [])
      ids.lapses = await api.project('innovation', org, 2026, [])
      for (const id of [ids.resubmits, ids.lapses]) await api.send(id!, { type: 'SUBMIT' })
      // Returned on 25 March (Shanghai): the window ends at the end of 9 April, after 31 March.
      await api.advance('2026-03-25T02:00:00.000Z')
      for (const id of [ids.resubmits, ids.lapses]) await api.send(id!, { type: 'RETURN_FOR_REVISION', opinion: '目标需量化' })
      expect(await timersOf(ids.lapses!)).toEqual([
        expect.objectContaining({ kind: 'resubmissionDeadline', dueAt: '2026-04-09T16:00:00.000Z', event: { type: 'RESUBMISSION_DEADLINE', roundClosedAt: '2026-03-31T16:00:00.000Z' } }),
      ])
    })

    it('is not swept to 逾期未申报 when the March deadline passes', async () => {
      await api.advance('2026-04-01T00:00:00.000+08:00')
      expect(await api.state(ids.lapses!)).toBe('returned')
      expect(await api.state(ids.resubmits!)).toBe('returned')
    })

    it('resubmitted inside its window, it is reviewed as an on-time declaration', async () => {
      await api.advance('2026-04-05T02:00:00.000Z')
      await api.send(ids.resubmits!, { type: 'RESUBMIT' })
      const project = await api.get(ids.resubmits!)
      expect(project).toMatchObject({ state: 'underReview', timers: [] })
      expect(project.context).toMatchObject({ lateDeclaration: null, overdue: [] })
    })

    it('still returned at the last instant of the window, overdue at the first instant after it', async () => {
      await api.advance('2026-04-09T23:59:59.999+08:00')
      expect(await api.state(ids.lapses!)).toBe('returned')
      await api.advance('2026-04-10T00:00:00.000+08:00')
      const project = await api.get(ids.lapses!)
      expect(project.state).toBe('overdueDeclaration')
      expect(project.context.overdue).toEqual([{ deadline: 'resubmissionDeadline', at: '2026-04-09T16:00:00.000Z' }])
    })

    it('a supplementary declaration (after March) returned for revision has no deadline to miss (R9)', async () => {
      const id = await api.project('innovation', org, 2026, [{ type: 'SUBMIT' }, { type: 'RETURN_FOR_REVISION', opinion: '补充材料' }])
      expect(await timersOf(id)).toEqual([])
    })
  })

  describe('2. the first-responsible person is the secretary (R16)', () => {
    it('fills in the secretary and the leader in charge; the form may name another directly-responsible member', async () => {
      const project = await api.ok('POST', '/api/v1/projects', {
        type: 'innovation',
        organizationId: org,
        year: 2026,
        declaration: { title: '书记领办项目', directlyResponsible: { name: '钱委员', position: '组织委员' } },
      })
      expect(project.context.declaration).toMatchObject({
        firstResponsible: { name: '王书记', position: '书记' },
        directlyResponsible: { name: '钱委员', position: '组织委员' },
      })
      ids.r16 = project.id
    })

    it('refuses a form naming anyone else first-responsible, at creation, on update and so at submission', async () => {
      const created = await post('/api/v1/projects', {
        type: 'foundation',
        organizationId: org,
        year: 2026,
        declaration: { title: '他人担任第一责任人', firstResponsible: { name: '李主任' } },
      })
      expect(created.statusCode).toBe(422)
      expect(rules(created.json())).toEqual(['firstResponsibleIsSecretary'])
      expect(created.json().details.rules[0]).toMatchObject({ named: '李主任', secretary: '王书记' })
      const updated = await event(ids.r16!, { type: 'UPDATE_DECLARATION', declaration: { firstResponsible: { name: '李主任' } } })
      expect(updated.statusCode).toBe(422)
      expect(rules(updated.json())).toEqual(['firstResponsibleIsSecretary'])
      // The secretary, with a phone number, is accepted.
      await api.send(ids.r16!, { type: 'UPDATE_DECLARATION', declaration: { firstResponsible: { name: '王书记', phone: '13800000000' } } })
      expect((await api.get(ids.r16!)).context.declaration.firstResponsible).toEqual({ name: '王书记', phone: '13800000000' })
    })
  })

  describe('3. an approved project that never submitted its plan', () => {
    it('is overdue at the acceptance deadline like any project not accepted by then', async () => {
      ids.noPlan = await api.project('innovation', org, 2026, pathTo.planning)
      expect((await timersOf(ids.noPlan)).map((t) => t.kind)).toContain('acceptanceDeadline')
      ids.withPlan = await api.project('innovation', org, 2026, pathTo.implementing)
    })

    it('cannot request acceptance without a plan; may still submit one; an extension returns it to planning', async () => {
      await api.advance('2027-01-01T00:00:00.000+08:00')
      expect(await api.state(ids.noPlan!)).toBe('overdueAcceptance')
      const overdue = await api.ok('GET', '/api/v1/projects?year=2026&overdue=true&limit=200')
      expect(overdue.items.map((p: { id: string }) => p.id)).toEqual(expect.arrayContaining([ids.noPlan, ids.withPlan, ids.lapses]))
      const request = await event(ids.noPlan!, { type: 'REQUEST_ACCEPTANCE', summaryReport: '总结', explanations: [] })
      expect(request.statusCode).toBe(422)
      expect(rules(request.json())).toContain('planSubmitted')
      const extended = await api.send(ids.noPlan!, { type: 'GRANT_EXTENSION', until: '2027-06-30', reason: '方案滞后' })
      expect(extended.state).toBe('planning')
      // The other overdue project had a plan: its extension goes back to implementing.
      expect((await api.send(ids.withPlan!, { type: 'GRANT_EXTENSION', until: '2027-06-30', reason: '跨年度' })).state).toBe('implementing')
    })
  })

  describe('4. commendations rest on the assessment (R18)', () => {
    it('refuses to commend a project that failed its evaluation (整改中) or was never evaluated', async () => {
      // Projects of 2027, declared in January, before that year's deadline.
      const failing = await api.project('foundation', await api.organization('整改村党支部'), 2027, foundationPathTo.rectifying)
      const failingProject = await api.get(failing)
      for (const projectId of [failing, ids.withPlan!]) {
        const project = await api.get(projectId)
        const response = await post('/api/v1/commendations', {
          year: project.year,
          kind: 'commendation',
          level: 'town',
          recipientType: 'project',
          organizationId: project.organizationId,
          projectId,
          title: '优秀项目',
          reason: '成效明显',
          awardedAt: '2027-01-10',
        })
        expect(response.statusCode, response.body).toBe(422)
        expect(rules(response.json())).toEqual(['commendationRestsOnPassingEvaluation'])
      }
      expect(failingProject.context.evaluations.at(-1).grade).toBe('fail')
      // Nothing was written by the refusals.
      expect((await api.ok('GET', `/api/v1/commendations?organizationId=${failingProject.organizationId}`)).items).toEqual([])
    })

    it('commends an accepted project, and an organization only on its projects that passed', async () => {
      const passedOrg = await api.organization('先进村党支部')
      const accepted = await api.project('foundation', passedOrg, 2027, foundationPathTo.accepted)
      const base = { year: 2027, kind: 'commendation', level: 'town', title: '先进', reason: '考核优秀', awardedAt: '2027-01-10' }
      const project = await api.ok('POST', '/api/v1/commendations', { ...base, recipientType: 'project', organizationId: passedOrg, projectId: accepted })
      expect(project.items[0].basis).toMatchObject({ projectId: accepted, grade: 'excellent' })
      // awardedAt is the day in Shanghai.
      expect(project.items[0].awardedAt).toBe('2027-01-09T16:00:00.000Z')
      const organization = await api.ok('POST', '/api/v1/commendations', { ...base, recipientType: 'organization', organizationId: passedOrg })
      expect(organization.items[0].basis).toEqual({ organizationId: passedOrg, projects: [expect.objectContaining({ projectId: accepted, grade: 'excellent' })] })
      // The assessment of the year it is awarded for: the 2027 project does not carry a 2026 commendation.
      const otherYear = await post('/api/v1/commendations', { ...base, year: 2026, recipientType: 'project', organizationId: passedOrg, projectId: accepted })
      expect(otherYear.statusCode).toBe(422)
      expect(otherYear.json().details.rules[0]).toMatchObject({ rule: 'commendationRestsOnPassingEvaluation', projectYear: 2027, year: 2026 })
      const worker = await post('/api/v1/commendations', { ...base, recipientType: 'worker', workerName: '党务工作者甲', organizationId: org })
      expect(worker.statusCode).toBe(422)
      expect(rules(worker.json())).toEqual(['commendationRestsOnPassingEvaluation'])
    })
  })

  describe('5. a half-year report that came in late', () => {
    it('is late, not missing, in the report, its CSV and the missingReport filter; a report never sent is missing in all three', async () => {
      await api.advance('2027-01-02T00:00:00.000Z')
      const reportOrg = await api.organization('进展村党支部')
      // Approved on 2 January 2027: H1's report falls due in June 2027.
      const late = await api.project('innovation', reportOrg, 2027, pathTo.implementing)
      const missing = await api.project('innovation', reportOrg, 2027, pathTo.implementing)
      await api.advance('2027-06-24T00:00:00.000+08:00')
      for (const id of [late, missing]) expect((await api.get(id)).context.missingReports.map((m: { period: string }) => m.period)).toEqual(['2027-H1'])
      await api.send(late, { type: 'SUBMIT_PROGRESS_REPORT', period: '2027-H1', results: '补报进展' })

      const report = await api.ok('GET', '/api/v1/reports/annual?year=2027')
      const projects = report.organizations.find((o: { organizationId: string }) => o.organizationId === reportOrg).projects
      const byId = (id: string) => projects.find((p: { id: string }) => p.id === id)
      expect(byId(late)).toMatchObject({ missingReports: [], lateReports: ['2027-H1'] })
      expect(byId(missing)).toMatchObject({ missingReports: ['2027-H1'], lateReports: [] })
      const filtered = await api.ok('GET', '/api/v1/projects?year=2027&missingReport=2027-H1&limit=200')
      expect(filtered.items.map((p: { id: string }) => p.id)).toEqual([missing])

      const csv = (await app.inject({ method: 'GET', url: '/api/v1/reports/annual?year=2027&format=csv' })).body.replace(/^\uFEFF/, '').split('\r\n')
      const header = csv[0]!.split(',')
      const [missingColumn, lateColumn] = [header.indexOf('缺报进展'), header.indexOf('迟报进展')]
      const rows = csv.filter((l) => l.includes('进展村党支部')).map((l) => l.split(','))
      expect(rows.map((r) => [r[missingColumn], r[lateColumn]]).sort()).toEqual([
        ['', '2027-H1'],
        ['2027-H1', ''],
      ])
    })
  })

  describe('6. a system-promotion project names a source that exists', () => {
    const promotion = (sourcePractice: Record<string, unknown>) => ({
      type: 'promotion',
      organizationId: org,
      year: 2027,
      declaration: { ...declarations.promotion, sourcePractice: { description: '来源做法', ...sourcePractice } },
    })

    it('refuses an unknown project, a project not accepted, and an unknown town system, at creation', async () => {
      const unaccepted = ids.noPlan!
      for (const [source, problem] of [
        [{ projectId: '00000000-0000-4000-8000-000000000000' }, 'sourceProjectNotAccepted'],
        [{ projectId: unaccepted }, 'sourceProjectNotAccepted'],
        [{ systemId: '00000000-0000-4000-8000-000000000000' }, 'sourceSystemUnknown'],
      ] as const) {
        const response = await post('/api/v1/projects', promotion(source))
        expect(response.statusCode, response.body).toBe(422)
        expect(response.json().details.rules).toEqual([expect.objectContaining({ rule: 'sourcePracticeExists', problems: [problem] })])
      }
    })

    it('accepts an accepted project and an established system; refuses at submission a source changed to an unknown one', async () => {
      const sourceOrg = await api.organization('来源村党支部')
      const solidified = await api.project('innovation', sourceOrg, 2027, pathTo.institutionalized)
      const system = (await api.ok('GET', '/api/v1/systems')).items.find((s: { sourceProjectId: string }) => s.sourceProjectId === solidified)
      expect(system).toBeDefined()
      const created = await api.ok('POST', '/api/v1/projects', promotion({ projectId: solidified, systemId: system.id }))
      const changed = await event(created.id, {
        type: 'UPDATE_DECLARATION',
        declaration: { sourcePractice: { description: '来源做法', projectId: '00000000-0000-4000-8000-000000000001' } },
      })
      expect(changed.statusCode).toBe(200)
      const submitted = await event(created.id, { type: 'SUBMIT' })
      expect(submitted.statusCode).toBe(422)
      expect(rules(submitted.json())).toEqual(['sourcePracticeExists'])
      // Seeded from the system: its declaration's title is kept, and another source is refused, nothing created.
      const seeded = await api.ok('POST', `/api/v1/systems/${system.id}/projects`, { organizationId: org, year: 2027, declaration: { title: '自拟推广项目名称' } })
      expect((await api.get(seeded.id)).title).toBe('自拟推广项目名称')
      expect(seeded.sourcePractice).toMatchObject({ projectId: solidified, systemId: system.id })
      const before = (await api.ok('GET', `/api/v1/projects?organizationId=${org}&limit=200`)).items.length
      const otherSource = await post(`/api/v1/systems/${system.id}/projects`, { organizationId: org, year: 2027, declaration: { sourcePractice: { description: '别的', systemId: system.id } } })
      expect([otherSource.statusCode, otherSource.json().code]).toEqual([400, 'VALIDATION_FAILED'])
      expect((await api.ok('GET', `/api/v1/projects?organizationId=${org}&limit=200`)).items.length).toBe(before)
      await api.send(created.id, { type: 'UPDATE_DECLARATION', declaration: { sourcePractice: { description: '来源做法', projectId: solidified } } })
      expect((await api.send(created.id, { type: 'SUBMIT', ...payloads.SUBMIT })).state).toBe('underReview')
    })
  })

  describe('7. a deadline that passed before the sweep came', () => {
    it('applies first: an event sent after a deadline meets the project as the deadline leaves it', async () => {
      // 24 June 2027: a foundation project declared now for 2027 is past that year's March deadline, and no sweep ran since.
      const late = await api.ok('POST', '/api/v1/projects', { type: 'foundation', organizationId: await api.organization('迟到村党支部'), year: 2027, declaration: declarations.foundation })
      expect(late.state).toBe('draft')
      const submitted = await event(late.id, { type: 'SUBMIT' })
      expect(submitted.statusCode, submitted.body).toBe(409)
      expect(submitted.json()).toMatchObject({ code: 'EVENT_NOT_ALLOWED', details: { state: 'overdueDeclaration' } })
      // The deadline's transition committed, at its own instant, whatever became of the event.
      const history = await api.history(late.id)
      expect(history.at(-1)).toMatchObject({ event: 'DECLARATION_DEADLINE', actor: 'scheduler', to: 'overdueDeclaration' })
      expect(history.at(-1)!.at).toBe('2027-06-23T16:00:00.000Z')
      // The same through a keyed request, which runs in a transaction of its own: refused in the state the deadline left.
      const keyed = await api.ok('POST', '/api/v1/projects', { type: 'foundation', organizationId: await api.organization('迟到二村党支部'), year: 2027, declaration: declarations.foundation })
      const response = await app.inject({ method: 'POST', url: `/api/v1/projects/${keyed.id}/events`, payload: { type: 'SUBMIT' }, headers: { 'idempotency-key': `late-${keyed.id}` } })
      expect(response.statusCode, response.body).toBe(409)
      expect(response.json().details.state).toBe('overdueDeclaration')
      // The refusal rolled the keyed request's transaction back; the deadline stands all the same.
      expect(await api.state(keyed.id)).toBe('overdueDeclaration')
      expect((await api.history(keyed.id)).map((h) => h.event)).toEqual(['CREATE', 'DECLARATION_DEADLINE'])
      const replayed = await app.inject({ method: 'POST', url: `/api/v1/projects/${keyed.id}/events`, payload: { type: 'SUBMIT' }, headers: { 'idempotency-key': `late-${keyed.id}` } })
      expect([replayed.statusCode, replayed.headers['idempotent-replayed']]).toEqual([409, 'true'])
    })

    it('a calendar moved into the past: a request for acceptance after the new deadline is late', async () => {
      const orgId = await api.organization('改期村党支部')
      const project = await api.project('innovation', orgId, 2027, pathTo.implementing)
      // The acceptance deadline moved to the day that just ended (now is 00:00 on 24 June, Shanghai).
      await api.ok('PUT', '/api/v1/calendars/2027', { acceptanceDeadline: '2027-06-23' })
      // The first event after it finds the project overdue: the deadline fired before the event was planned.
      const entry = await api.send(project, { type: 'RECORD_LEDGER_ENTRY', date: '2027-06-20', content: '补记台账' })
      expect(entry.state).toBe('overdueAcceptance')
      const answer = await api.send(project, { type: 'REQUEST_ACCEPTANCE', summaryReport: '总结', explanations: [{ planItemId: 'P1', reason: '进行中' }, { planItemId: 'P2', reason: '进行中' }] })
      expect(answer.state).toBe('acceptanceRequested')
      expect(answer.context.overdue).toEqual([{ deadline: 'acceptanceDeadline', at: '2027-06-23T16:00:00.000Z' }])
      expect(answer.context.acceptanceRequests.at(-1).late).toBe(true)
    })
  })

  describe('8. what the forms do not define is refused, at every depth', () => {
    it('refuses unknown fields inside the declaration and events, links that are not http(s), extensions past the programme years', async () => {
      const base = { type: 'innovation', organizationId: org, year: 2027 }
      for (const declaration of [
        { title: '嵌套字段', firstResponsible: { name: '王书记', idCard: '110' } },
        { title: '嵌套字段', targets: [{ indicator: '参与率', value: 90, unit: '%', secret: 1 }] },
      ]) {
        const response = await post('/api/v1/projects', { ...base, declaration })
        expect(response.statusCode, response.body).toBe(400)
        expect(response.json().code).toBe('VALIDATION_FAILED')
      }
      const id = await api.project('innovation', org, 2027, pathTo.implementing)
      const before = (await api.get(id)).version
      for (const step of [
        { type: 'RECORD_LEDGER_ENTRY', date: '2027-06-20', content: '台账', evidence: [{ description: '照片', secret: 'x' }] },
        { type: 'RECORD_LEDGER_ENTRY', date: '2027-06-20', content: '台账', evidence: [{ description: '照片', url: 'javascript:alert(1)' }] },
        { type: 'GRANT_EXTENSION', until: '9999-12-31', reason: '太远' },
      ]) {
        const response = await event(id, step)
        expect(response.statusCode, `${step.type}: ${response.body}`).toBeGreaterThanOrEqual(400)
        expect(response.statusCode).toBeLessThan(500)
      }
      expect((await api.get(id)).version).toBe(before)
      // A webhook for a topic the service never publishes would wait for nothing: refused.
      const webhook = await post('/api/v1/webhooks', { url: 'http://127.0.0.1:9/hook', secret: 'policy-secret-0123456789', topics: ['project.transitoned'] })
      expect([webhook.statusCode, webhook.json().code]).toEqual([400, 'VALIDATION_FAILED'])
      const calendar = await app.inject({ method: 'PUT', url: '/api/v1/calendars/2028', payload: { progressMeetings: [{ foo: 1 }, {}] } })
      expect(calendar.statusCode).toBe(400)
      expect((await api.ok('GET', '/api/v1/calendars/2028')).stored).toBe(false)
    })

    it('overdue=false lists exactly the projects that are not overdue', async () => {
      const all = (await api.ok('GET', '/api/v1/projects?year=2026&limit=200')).items.map((p: { id: string }) => p.id)
      const overdue = (await api.ok('GET', '/api/v1/projects?year=2026&overdue=true&limit=200')).items.map((p: { id: string }) => p.id)
      const not = (await api.ok('GET', '/api/v1/projects?year=2026&overdue=false&limit=200')).items.map((p: { id: string }) => p.id)
      expect(overdue.length).toBeGreaterThan(0)
      expect(not.length).toBeGreaterThan(0)
      expect([...overdue, ...not].sort()).toEqual([...all].sort())
    })
  })

  describe('9. a declaration deadline moved later', () => {
    it('binds the electives created before the new deadline, which were supplementary under the old one (R9)', async () => {
      // 24 June 2027: past 2027's March deadline, an elective is supplementary and has no deadline.
      const early = await api.project('innovation', await api.organization('延后村党支部'), 2027)
      expect(await timersOf(early)).toEqual([])
      const changed = await api.ok('PUT', '/api/v1/calendars/2027', {
        declarationDeadline: '2027-07-10',
        progressMeetings: [{ reportDueAt: '2027-08-01', meetingAt: '2027-08-08T09:00:00+08:00' }, {}],
        acceptanceDeadline: '2027-12-31',
      })
      expect(changed.rescheduledTimers).toBeGreaterThan(0)
      expect(await timersOf(early)).toEqual([expect.objectContaining({ kind: 'declarationDeadline', dueAt: '2027-07-10T16:00:00.000Z' })])
      await api.advance('2027-07-11T00:00:00.000+08:00')
      expect(await api.state(early)).toBe('overdueDeclaration')
      // Created after the new deadline: supplementary, free of it.
      const later = await api.project('innovation', await api.organization('更晚村党支部'), 2027)
      expect(await timersOf(later)).toEqual([])
    })
  })
})
