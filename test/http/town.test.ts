import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { organizationCategories } from '../../machines/index.js'
import { createTestApp } from '../support/app.js'
import { databaseKinds, openTestDatabase, type TestDatabase } from '../support/databases.js'
import { assessmentSteps, assessors, declarations, handbook, pathTo, payloads, reviewers, type Step, pathsOf } from '../support/fixtures.js'
import { client } from '../support/http.js'

/** Foundation projects start on the current machine, which files declarations instead of reviewing them (docs/versions.md). */
const foundationPathTo = pathsOf('foundation').pathTo

/**
 * A whole town through a whole year (R1–R19): twelve organizations of every category, compliant
 * and not, a returned declaration, a failed acceptance and its rectification, a promotion that
 * becomes a system and seeds a system-promotion project — and the year-end report, in full.
 */
describe.each(databaseKinds)('a whole town through 2026 on %s', (kind) => {
  let database: TestDatabase
  let app: FastifyInstance
  let api: ReturnType<typeof client>
  const org: Record<string, string> = {}
  const project: Record<string, string> = {}

  const plan: Step[] = [
    { type: 'SUBMIT_PLAN', ...payloads.SUBMIT_PLAN },
    { type: 'RECORD_LEDGER_ENTRY', ...payloads.RECORD_LEDGER_ENTRY },
  ]
  const report = (period: 'H1' | 'H2'): Step => ({ type: 'SUBMIT_PROGRESS_REPORT', ...payloads.SUBMIT_PROGRESS_REPORT, period: `2026-${period}` })
  const acceptance = (level: number): Step[] => [
    { type: 'REQUEST_ACCEPTANCE', ...payloads.REQUEST_ACCEPTANCE },
    ...assessmentSteps(level),
    { type: 'EVALUATE', comment: '验收组评定' },
  ]
  const send = async (id: string, steps: Step[]) => {
    for (const step of steps) await api.send(id, step)
  }

  beforeAll(async () => {
    database = await openTestDatabase(kind)
    ;({ app } = await createTestApp(database, { start: '2026-01-05T01:00:00.000Z' }))
    api = client(app)
  })
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  it('sets up the year: handbook, review group, acceptance group', async () => {
    await api.ok('POST', '/api/v1/handbooks', {
      ...handbook,
      items: handbook.items.map((item) => ({ ...item, categories: [...organizationCategories] })),
    })
    await api.ok('PUT', '/api/v1/review-groups/2026', { members: reviewers })
    await api.ok('PUT', '/api/v1/acceptance-groups/2026', { members: assessors })
  })

  it('declares the annual round (January to March)', async () => {
    const orgs: Array<[string, string]> = [
      ['东村', 'village'], ['西村', 'village'], ['南村', 'village'], ['北村', 'village'],
      ['镇机关一支部', 'organ'], ['镇机关二支部', 'organ'], ['中心小学', 'school'], ['镇中学', 'school'],
      ['社区联合支部', 'social'], ['志愿者协会', 'social'], ['农机企业', 'enterprise'], ['物流企业', 'enterprise'],
    ]
    for (const [name, category] of orgs) org[name] = await api.organization(`${name}党支部`, category)

    project.东村基础 = await api.project('foundation', org.东村!, 2026, foundationPathTo.planning)
    project.东村创新 = await api.project('innovation', org.东村!, 2026, pathTo.planning)
    project.西村基础 = await api.project('foundation', org.西村!, 2026, foundationPathTo.planning)
    // A returned declaration, revised and approved (R8).
    project.西村创新 = await api.project('innovation', org.西村!, 2026, pathTo.returned)
    await send(project.西村创新, [
      { type: 'UPDATE_DECLARATION', ...payloads.UPDATE_DECLARATION },
      { type: 'RESUBMIT' },
      ...pathTo.planning!.slice(1),
    ])
    project.南村基础 = await api.project('foundation', org.南村!, 2026)
    project.南村创新 = await api.project('innovation', org.南村!, 2026, [...pathTo.underReview!, { type: 'REJECT', ...payloads.REJECT }])
    project.北村基础 = await api.project('foundation', org.北村!, 2026, foundationPathTo.planning)
    project.机关一基础 = await api.project('foundation', org.镇机关一支部!, 2026, foundationPathTo.planning)
    project.小学基础 = await api.project('foundation', org.中心小学!, 2026, foundationPathTo.planning)
    project.小学创新 = await api.project('innovation', org.中心小学!, 2026, pathTo.planning)
    project.中学基础 = await api.project('foundation', org.镇中学!, 2026, [{ type: 'WITHDRAW', reason: '合并申报' }])
    project.中学创新 = await api.project('innovation', org.镇中学!, 2026, pathTo.planning)
    project.社区基础 = await api.project('foundation', org.社区联合支部!, 2026, foundationPathTo.planning)
    project.社区推广 = await api.project('promotion', org.社区联合支部!, 2026, pathTo.planning)
    project.协会创新 = await api.project('innovation', org.志愿者协会!, 2026, pathTo.planning)
    project.农机基础 = await api.project('foundation', org.农机企业!, 2026, foundationPathTo.planning)
    project.农机创新 = await api.project('innovation', org.农机企业!, 2026, pathTo.planning)
    project.物流基础 = await api.project('foundation', org.物流企业!, 2026)
    project.物流创新 = await api.project('innovation', org.物流企业!, 2026)
  })

  it('closes the round at 00:00 on 1 April: undeclared drafts become overdue', async () => {
    await api.advance('2026-04-01T00:00:00.000+08:00')
    for (const id of [project.南村基础, project.物流基础, project.物流创新]) expect(await api.state(id!)).toBe('overdueDeclaration')
  })

  it('implements with plans, ledgers and the first half’s reports; one school project misses its report', async () => {
    const implementing = Object.entries(project)
      .filter(([name]) => !['南村基础', '南村创新', '中学基础', '物流基础', '物流创新'].includes(name))
      .map(([, id]) => id)
    for (const id of implementing) {
      await send(id, plan)
      if (id !== project.小学创新) await send(id, [report('H1')])
    }
    await api.advance('2026-06-24T00:00:00.000+08:00')
    const missing = await api.ok('GET', '/api/v1/projects?missingReport=2026-H1')
    expect(missing.items.map((p: { id: string }) => p.id)).toEqual([project.小学创新])
  })

  it('spot-checks two projects in July and records what was found (R12)', async () => {
    await api.advance('2026-07-15T09:00:00.000+08:00')
    const check = await api.ok('POST', '/api/v1/spot-checks', { year: 2026, count: 2, seed: '2026年第三季度抽查' })
    expect(check.population).toHaveLength(14)
    for (const id of check.selected) {
      await api.send(id, { type: 'RECORD_SPOT_CHECK_FINDING', spotCheckId: check.id, findings: '台账规范', rating: 'good' })
    }
    project.spotChecked = check.selected.join(',')
  })

  it('accepts in the autumn: a failed acceptance is rectified, a promotion becomes a system and seeds a project', async () => {
    await api.advance('2026-10-15T09:00:00.000+08:00')
    await send(project.东村基础!, acceptance(93))
    await send(project.东村基础!, [{ type: 'CLOSE', note: '' }])
    // Fails first (R14), is rectified with the second plan item finished, then passes.
    await send(project.东村创新!, acceptance(45))
    expect(await api.state(project.东村创新!)).toBe('rectifying')
    await send(project.东村创新!, [
      { type: 'RECORD_LEDGER_ENTRY', ...payloads.RECORD_LEDGER_ENTRY, planItemId: 'P2', content: '整改：补齐季度公示' },
      { type: 'REQUEST_ACCEPTANCE', summaryReport: '整改完成', explanations: [] },
      ...assessmentSteps(93),
      { type: 'EVALUATE', comment: '整改到位' },
      { type: 'PROPOSE_PROMOTION', ...payloads.PROPOSE_PROMOTION },
      { type: 'SOLIDIFY', ...payloads.SOLIDIFY },
      { type: 'RECORD_PUBLICITY', ...payloads.RECORD_PUBLICITY },
    ])
    await send(project.西村创新!, acceptance(85))
    await send(project.北村基础!, acceptance(70))
    await send(project.北村基础!, [{ type: 'CLOSE', note: '' }])
    await send(project.机关一基础!, acceptance(88))
    await send(project.中学创新!, acceptance(80))
    await send(project.协会创新!, acceptance(62))
    await send(project.农机基础!, acceptance(90))
    await send(project.农机创新!, acceptance(95))

    // The system seeds a supplementary system-promotion project for the government organ (R3, R9).
    const [system] = (await api.ok('GET', '/api/v1/systems')).items
    const { title: _title, sourcePractice: _source, ...rest } = declarations.promotion as Record<string, unknown>
    const seeded = await api.ok('POST', `/api/v1/systems/${system.id}/projects`, {
      organizationId: org.镇机关一支部,
      year: 2026,
      declaration: rest,
    })
    project.机关一推广 = seeded.id
    await api.send(seeded.id, { type: 'SUBMIT' })
    expect((await api.get(seeded.id)).context.supplementary).toBe(true)
  })

  it('commends in December (R18)', async () => {
    await api.advance('2026-12-20T10:00:00.000+08:00')
    await api.ok('POST', '/api/v1/commendations', {
      year: 2026, kind: 'commendation', level: 'county', recipientType: 'project', organizationId: org.农机企业,
      projectId: project.农机创新, title: '县级优秀创新项目', reason: '农机党建联盟', awardedAt: '2026-12-20',
    })
    await api.ok('POST', '/api/v1/commendations', {
      year: 2026, kind: 'commendation', level: 'town', recipientType: 'organization', organizationId: org.东村,
      title: '先进基层党组织', reason: '"1+X"项目全部优秀', awardedAt: '2026-12-20',
    })
    await api.ok('POST', '/api/v1/commendations', {
      year: 2026, kind: 'materialReward', level: 'town', recipientType: 'worker', organizationId: org.西村,
      workerName: '李委员', title: '优秀党务工作者', reason: '台账规范', awardedAt: '2026-12-20',
    })
  })

  it('closes the year at 00:00 on 1 January: projects still in implementation are overdue for acceptance', async () => {
    await api.advance('2027-01-01T00:00:00.000+08:00')
    for (const name of ['西村基础', '小学基础', '小学创新', '社区基础', '社区推广']) {
      expect(await api.state(project[name]!), name).toBe('overdueAcceptance')
    }
  })

  it('reports the year in full (R17)', async () => {
    const annual = await api.ok('GET', '/api/v1/reports/annual?year=2026')
    const nameOf = Object.fromEntries(Object.entries(project).map(([name, id]) => [id, name]))
    const spotChecked = new Set(project.spotChecked!.split(','))
    const summary = Object.fromEntries(
      annual.organizations.map((o: any) => [
        o.name.replace('党支部', ''),
        {
          category: o.categoryLabel,
          status: o.status,
          counts: [o.foundation, o.elective],
          commendations: o.commendations.map((c: any) => `${c.levelLabel}${c.kindLabel}`),
          projects: Object.fromEntries(
            o.projects.map((p: any) => [
              nameOf[p.id],
              [p.stateLabel, p.gradeLabel, p.score, p.missingReports.join(','), p.commendations.map((c: any) => c.kindLabel).join(',')],
            ]),
          ),
        },
      ]),
    )
    expect(summary).toEqual({
      东村: {
        category: '农村', status: 'compliant', counts: [1, 1], commendations: ['镇级表彰'],
        projects: { 东村基础: ['已结项', '优秀', 93, '', ''], 东村创新: ['已固化为制度', '优秀', 93, '', ''] },
      },
      西村: {
        category: '农村', status: 'compliant', counts: [1, 1], commendations: ['镇级物质奖励'],
        projects: { 西村基础: ['逾期未验收', null, null, '2026-H2', ''], 西村创新: ['已验收', '良好', 85, '', ''] },
      },
      南村: {
        category: '农村', status: 'missingBoth', counts: [0, 0], commendations: [],
        projects: { 南村基础: ['逾期未申报', null, null, '', ''], 南村创新: ['不予立项', null, null, '', ''] },
      },
      北村: {
        category: '农村', status: 'missingElective', counts: [1, 0], commendations: [],
        projects: { 北村基础: ['已结项', '合格', 70, '', ''] },
      },
      镇机关一支部: {
        category: '机关', status: 'compliant', counts: [1, 1], commendations: [],
        projects: { 机关一基础: ['已验收', '良好', 88, '', ''], 机关一推广: ['评审中', null, null, '', ''] },
      },
      镇机关二支部: { category: '机关', status: 'missingBoth', counts: [0, 0], commendations: [], projects: {} },
      中心小学: {
        category: '学校', status: 'compliant', counts: [1, 1], commendations: [],
        projects: { 小学基础: ['逾期未验收', null, null, '2026-H2', ''], 小学创新: ['逾期未验收', null, null, '2026-H1,2026-H2', ''] },
      },
      镇中学: {
        category: '学校', status: 'missingFoundation', counts: [0, 1], commendations: [],
        projects: { 中学基础: ['已撤回', null, null, '', ''], 中学创新: ['已验收', '良好', 80, '', ''] },
      },
      社区联合支部: {
        category: '社会组织', status: 'compliant', counts: [1, 1], commendations: [],
        projects: { 社区基础: ['逾期未验收', null, null, '2026-H2', ''], 社区推广: ['逾期未验收', null, null, '2026-H2', ''] },
      },
      志愿者协会: {
        category: '社会组织', status: 'missingFoundation', counts: [0, 1], commendations: [],
        projects: { 协会创新: ['已验收', '合格', 62, '', ''] },
      },
      农机企业: {
        category: '企业', status: 'compliant', counts: [1, 1], commendations: [],
        projects: { 农机基础: ['已验收', '优秀', 90, '', ''], 农机创新: ['已验收', '优秀', 95, '', '表彰,再表彰'] },
      },
      物流企业: {
        category: '企业', status: 'missingBoth', counts: [0, 0], commendations: [],
        projects: { 物流基础: ['逾期未申报', null, null, '', ''], 物流创新: ['逾期未申报', null, null, '', ''] },
      },
    })
    const findings = annual.organizations.flatMap((o: any) => o.projects).filter((p: any) => p.spotChecks.length)
    expect(new Set(findings.map((p: any) => p.id))).toEqual(spotChecked)

    expect(annual.totals).toEqual({
      projects: 20,
      byType: { foundation: 10, innovation: 8, promotion: 2 },
      byState: {
        accepted: 6,
        closed: 2,
        institutionalized: 1,
        overdueAcceptance: 5,
        overdueDeclaration: 3,
        rejected: 1,
        underReview: 1,
        withdrawn: 1,
      },
      // The projects whose state carries the machines' `overdue` tag: 5 + 3.
      overdue: 8,
      byGrade: { excellent: 4, good: 3, pass: 2, fail: 0, ungraded: 11 },
      byCategory: {
        village: { organizations: 4, projects: 7 },
        organ: { organizations: 2, projects: 2 },
        school: { organizations: 2, projects: 4 },
        social: { organizations: 2, projects: 3 },
        enterprise: { organizations: 2, projects: 4 },
      },
      compliance: { organizations: 12, compliant: 6, missingFoundation: 2, missingElective: 1, missingBoth: 3 },
      commendations: 4,
    })

    const csv = await app.inject({ method: 'GET', url: '/api/v1/reports/annual?year=2026&format=csv' })
    const lines = csv.body.replace(/^\uFEFF/, '').trimEnd().split('\r\n')
    // A row per project, and one for the organization that declared nothing.
    expect(lines).toHaveLength(1 + 20 + 1)
    const cells = lines.find((l) => l.startsWith('2026,东村党支部,农村,达标,创新探索型'))!.split(',')
    expect([...cells.slice(0, 13), cells[14]]).toEqual([
      '2026', '东村党支部', '农村', '达标', '创新探索型', '党员先锋积分管理', '已固化为制度', '推广', '86', '93', '优秀', '', '',
      '镇级表彰：先进基层党组织',
    ])
    expect(lines).toContain('2026,镇机关二支部党支部,机关,未申报项目,,,,,,,,,,,')
  })
})
