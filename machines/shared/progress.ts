import type { ProjectContext } from './context.js'

/**
 * One definition of a half year's progress report (R11), read by every view (the project, the
 * annual report and its CSV, the `missingReport` filter): a report that came in by its due date
 * is on time; one that came in after it is late (迟报), and no longer missing; a period whose due
 * date passed with no report is missing (缺报) until the report comes.
 */
export type ProgressReportStatus = 'onTime' | 'late' | 'missing'

export function progressReportStatuses(context: Pick<ProjectContext, 'progressReports' | 'missingReports'>) {
  const periods = [...new Set([...context.missingReports.map((m) => m.period), ...context.progressReports.map((r) => r.period)])].sort()
  return periods.map((period) => {
    const report = context.progressReports.find((r) => r.period === period)
    const status: ProgressReportStatus = report ? (report.late ? 'late' : 'onTime') : 'missing'
    return { period, status }
  })
}

export const periodsWith = (context: Pick<ProjectContext, 'progressReports' | 'missingReports'>, status: ProgressReportStatus) =>
  progressReportStatuses(context)
    .filter((p) => p.status === status)
    .map((p) => p.period)
