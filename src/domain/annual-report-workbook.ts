import ExcelJS from 'exceljs'
import { gradeLabels, organizationCategories, organizationCategoryLabels, projectTypeLabels, projectTypes } from '../../machines/index.js'
import { indicatorLabels, indicatorNames } from '../../machines/shared/events.js'
import { complianceLabels, ratingLabels, type AnnualReport } from './reports.js'

/**
 * The year-end report (R17) as an Excel workbook, for the organization section, which works in
 * Excel or WPS: a sheet of organizations, one of projects, one of totals. Headers in Chinese,
 * frozen, filterable; numbers are numbers and instants are dates (Beijing time, as the
 * section reads them), so the sheets sort, sum and filter as they should. Text is always a
 * string cell, never a formula, whatever it starts with.
 */
export const xlsxType = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

interface Column<Row> {
  header: string
  width: number
  value: (row: Row) => string | number | Date | null
  /** Excel's number format for the column (scores, dates). */
  format?: string
}

const SHANGHAI_OFFSET_MS = 8 * 3600_000
/** Excel dates have no zone: the instant as Beijing wall time. */
const beijing = (iso: string) => new Date(Date.parse(iso) + SHANGHAI_OFFSET_MS)
const score = '0.00'
const dateTime = 'yyyy-mm-dd hh:mm'

type Organization = AnnualReport['organizations'][number]
type Project = Organization['projects'][number] & { organization: Organization }

const commendationText = (c: { levelLabel: string; kindLabel: string; title: string }) => `${c.levelLabel}${c.kindLabel}：${c.title}`

const organizationColumns: Array<Column<Organization>> = [
  { header: '基层党组织', width: 28, value: (o) => o.name },
  { header: '组织类别', width: 12, value: (o) => o.categoryLabel },
  { header: '基础强化型项目数', width: 16, value: (o) => o.foundation },
  { header: '创新探索型、制度推广型项目数', width: 26, value: (o) => o.elective },
  { header: '"1+X"情况', width: 26, value: (o) => o.statusLabel },
  { header: '项目数', width: 10, value: (o) => o.projects.length },
  { header: '组织表彰奖励', width: 36, value: (o) => o.commendations.map(commendationText).join('；') || null },
]

const projectColumns: Array<Column<Project>> = [
  { header: '基层党组织', width: 28, value: (p) => p.organization.name },
  { header: '组织类别', width: 12, value: (p) => p.organization.categoryLabel },
  { header: '项目类型', width: 14, value: (p) => p.typeLabel },
  { header: '项目名称', width: 36, value: (p) => p.title },
  { header: '状态', width: 16, value: (p) => p.stateLabel },
  { header: '阶段', width: 10, value: (p) => p.phaseLabel },
  { header: '立项评审平均分', width: 14, value: (p) => p.reviewScore, format: score },
  { header: '验收得分', width: 10, value: (p) => p.score, format: score },
  { header: '验收等级', width: 10, value: (p) => p.gradeLabel },
  ...indicatorNames.map((name): Column<Project> => ({ header: indicatorLabels[name], width: 12, value: (p) => p.indicators?.[name] ?? null, format: score })),
  { header: '缺报进展', width: 16, value: (p) => p.missingReports.join('、') || null },
  { header: '迟报进展', width: 16, value: (p) => p.lateReports.join('、') || null },
  { header: '抽查情况', width: 30, value: (p) => p.spotChecks.map((c) => `${ratingLabels[c.rating] ?? c.rating}：${c.findings}`).join('；') || null },
  { header: '项目表彰奖励', width: 30, value: (p) => p.commendations.map(commendationText).join('；') || null },
  { header: '申报时间', width: 18, value: (p) => beijing(p.createdAt), format: dateTime },
  { header: '最近变更', width: 18, value: (p) => beijing(p.updatedAt), format: dateTime },
]

/** The totals as rows of (what, count), in the order the section reads them. */
function totalRows(report: AnnualReport): Array<[string, number]> {
  const { totals } = report
  return [
    ['项目总数', totals.projects],
    ...projectTypes.map((t): [string, number] => [`其中：${projectTypeLabels[t]}`, totals.byType[t]]),
    ['逾期项目', totals.overdue],
    ...(['excellent', 'good', 'pass', 'fail'] as const).map((g): [string, number] => [`验收等级：${gradeLabels[g]}`, totals.byGrade[g]]),
    ['尚未评定等级', totals.byGrade.ungraded],
    ...organizationCategories.flatMap((c): Array<[string, number]> => [
      [`${organizationCategoryLabels[c]}：组织数`, totals.byCategory[c].organizations],
      [`${organizationCategoryLabels[c]}：项目数`, totals.byCategory[c].projects],
    ]),
    ['基层党组织数', totals.compliance.organizations],
    ...(['compliant', 'missingFoundation', 'missingElective', 'missingBoth'] as const).map((s): [string, number] => [`"1+X"：${complianceLabels[s]}`, totals.compliance[s]]),
    ['表彰奖励', totals.commendations],
  ]
}

function addSheet<Row>(workbook: ExcelJS.Workbook, name: string, columns: Array<Column<Row>>, rows: readonly Row[]) {
  const sheet = workbook.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1 }] })
  sheet.columns = columns.map((c, i) => ({ key: String(i), header: c.header, width: c.width, ...(c.format ? { style: { numFmt: c.format } } : {}) }))
  sheet.getRow(1).font = { bold: true }
  sheet.getRow(1).alignment = { vertical: 'middle', wrapText: true }
  for (const row of rows) sheet.addRow(columns.map((c) => c.value(row)))
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns.length } }
  return sheet
}

export async function annualReportWorkbook(report: AnnualReport): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook()
  workbook.creator = 'dangjian-flow'
  workbook.title = `${report.year}年度基层党建项目化管理年终考核`
  addSheet(workbook, '组织情况', organizationColumns, report.organizations)
  addSheet(workbook, '项目情况', projectColumns, report.organizations.flatMap((o) => o.projects.map((p) => Object.assign({}, p, { organization: o }))))
  addSheet<[string, number]>(workbook, '汇总', [
    { header: '项目', width: 36, value: (r) => r[0] },
    { header: `${report.year}年`, width: 12, value: (r) => r[1] },
  ], totalRows(report))
  return Buffer.from(await workbook.xlsx.writeBuffer())
}
