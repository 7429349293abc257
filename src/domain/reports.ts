import {
  gradeLabels,
  organizationCategories,
  organizationCategoryLabels,
  periodsWith,
  projectTypes,
  type Grade,
  type OrganizationCategory,
  type ProjectContext,
} from '../../machines/index.js'
import { projectSummaryView } from './project-view.js'
import type { Executor } from '../db/database.js'
import { commendationView, listCommendations } from './commendations.js'
import { compliance, complianceTotals, type ComplianceStatus } from './compliance.js'

/**
 * The year-end assessment (R17): per organization and per project — type, state, grade, scores,
 * spot-check findings, commendations — with totals by type, state, grade and category.
 */
export const complianceLabels: Record<ComplianceStatus, string> = {
  compliant: '达标',
  missingFoundation: '缺基础强化型项目',
  missingElective: '缺创新探索型或制度推广型项目',
  missingBoth: '未申报项目',
}

/** The whole town's report, or one organization's. */
export async function annualReport(db: Executor, year: number, organizationId?: string) {
  const organizations = await compliance(db, year, organizationId)
  let projectQuery = db.selectFrom('project').selectAll().where('year', '=', year)
  if (organizationId) projectQuery = projectQuery.where('organization_id', '=', organizationId)
  const projects = await projectQuery.orderBy('created_at').orderBy('id').execute()
  const commendations = await listCommendations(db, { year, organizationId })
  const projectViews = projects.map((p) => {
    const context = (p.snapshot as { context: ProjectContext }).context
    const evaluation = context.evaluations.at(-1)
    // The project's one view (project-view.ts), with what the year-end assessment adds.
    return Object.assign(projectSummaryView(p), {
      grade: (evaluation?.grade ?? null) as Grade | null,
      gradeLabel: evaluation ? gradeLabels[evaluation.grade] : null,
      score: evaluation?.score ?? null,
      indicators: evaluation?.indicators ?? null,
      reviewScore: context.decision?.averageScore ?? null,
      // One definition of missing and late (machines/shared/progress.ts), as the `missingReport` filter uses.
      missingReports: periodsWith(context, 'missing'),
      lateReports: periodsWith(context, 'late'),
      spotChecks: context.spotChecks.map((c) => ({ spotCheckId: c.spotCheckId, rating: c.rating, findings: c.findings })),
      commendations: commendations.filter((c) => c.project_id === p.id).map(commendationView),
    })
  })

  const count = <K extends string>(keys: readonly K[], keyOf: (p: (typeof projectViews)[number]) => K | null) =>
    Object.fromEntries(keys.map((k) => [k, projectViews.filter((p) => keyOf(p) === k).length])) as Record<K, number>
  const states = [...new Set(projectViews.map((p) => p.state))].sort()

  return {
    year,
    organizations: organizations.map((o) => ({
      ...o,
      categoryLabel: organizationCategoryLabels[o.category],
      statusLabel: complianceLabels[o.status],
      commendations: commendations.filter((c) => c.organization_id === o.organizationId && !c.project_id).map(commendationView),
      projects: projectViews.filter((p) => p.organizationId === o.organizationId),
    })),
    totals: {
      projects: projectViews.length,
      byType: count(projectTypes, (p) => p.type),
      byState: count(states, (p) => p.state),
      overdue: projectViews.filter((p) => p.stateTags.includes('overdue')).length,
      byGrade: { ...count(['excellent', 'good', 'pass', 'fail'] as const, (p) => p.grade), ungraded: projectViews.filter((p) => !p.grade).length },
      byCategory: Object.fromEntries(
        organizationCategories.map((category: OrganizationCategory) => {
          const ids = new Set(organizations.filter((o) => o.category === category).map((o) => o.organizationId))
          return [category, { organizations: ids.size, projects: projectViews.filter((p) => ids.has(p.organizationId)).length }]
        }),
      ) as Record<OrganizationCategory, { organizations: number; projects: number }>,
      compliance: complianceTotals(organizations),
      commendations: commendations.length,
    },
  }
}

export type AnnualReport = Awaited<ReturnType<typeof annualReport>>

/**
 * A cell as Excel and WPS read it. Text that starts like a formula (= + - @, a tab or a carriage
 * return) — a title an organization typed, say — is prefixed with an apostrophe, so the
 * spreadsheet shows it instead of running it (OWASP's CSV injection advice); numbers stay numbers.
 */
export const csvCell = (value: unknown) => {
  const raw = value === null || value === undefined ? '' : String(value)
  const text = typeof value === 'string' && /^[=+\-@\t\r]/.test(raw) ? `'${raw}` : raw
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** A spot check's rating in words (R12). */
export const ratingLabels: Record<string, string> = { good: '好', fair: '一般', poor: '差' }

/** One row per project (an organization without projects still gets a row); UTF-8 with BOM so Excel reads Chinese. */
export function annualReportCsv(report: AnnualReport): string {
  const header = ['年度', '基层党组织', '组织类别', '"1+X"情况', '项目类型', '项目名称', '状态', '阶段', '评审平均分', '验收得分', '验收等级', '缺报进展', '迟报进展', '抽查情况', '表彰奖励']
  const rows: unknown[][] = []
  for (const o of report.organizations) {
    const orgCommendations = o.commendations.map((c) => `${c.levelLabel}${c.kindLabel}：${c.title}`).join('；')
    if (o.projects.length === 0) rows.push([report.year, o.name, o.categoryLabel, o.statusLabel, '', '', '', '', '', '', '', '', '', '', orgCommendations])
    for (const p of o.projects) {
      rows.push([
        report.year,
        o.name,
        o.categoryLabel,
        o.statusLabel,
        p.typeLabel,
        p.title,
        p.stateLabel,
        p.phaseLabel,
        p.reviewScore,
        p.score,
        p.gradeLabel,
        p.missingReports.join('、'),
        p.lateReports.join('、'),
        p.spotChecks.map((c) => `${ratingLabels[c.rating] ?? c.rating}：${c.findings}`).join('；'),
        [...p.commendations.map((c) => `${c.levelLabel}${c.kindLabel}：${c.title}`), ...(orgCommendations ? [orgCommendations] : [])].join('；'),
      ])
    }
  }
  return '\uFEFF' + [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n'
}
