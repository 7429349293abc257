import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { AppDeps } from '../../app.js'
import { confinedTo } from '../../domain/access.js'
import { principalOf } from '../auth.js'
import { annualReport, annualReportCsv } from '../../domain/reports.js'
import { annualReportWorkbook, xlsxType } from '../../domain/annual-report-workbook.js'
import { programmeYearParam } from '../schemas.js'
import { grades, organizationCategories, projectTypes } from '../../../machines/index.js'
import { indicatorNames } from '../../../machines/shared/events.js'
import { commendationSchema } from './commendations.js'
import { complianceView } from './compliance.js'
import { projectRow } from './projects.js'

const counts = <K extends string>(keys: readonly K[]) => z.strictObject(Object.fromEntries(keys.map((k) => [k, z.number().int()])) as Record<K, z.ZodNumber>)
const halfYear = z.string().describe('YYYY-H1 or YYYY-H2')

const reportedProject = projectRow.extend({
  grade: z.enum(grades).nullable(),
  gradeLabel: z.string().nullable(),
  score: z.number().nullable().describe('the weighted acceptance score of the last evaluation'),
  indicators: z.strictObject(Object.fromEntries(indicatorNames.map((i) => [i, z.number()])) as Record<(typeof indicatorNames)[number], z.ZodNumber>).nullable().describe('the averaged indicators of the last evaluation'),
  reviewScore: z.number().nullable().describe('the review group’s average score at approval'),
  missingReports: z.array(halfYear),
  lateReports: z.array(halfYear),
  spotChecks: z.array(z.object({ spotCheckId: z.uuid(), rating: z.enum(['good', 'fair', 'poor']), findings: z.string() })),
  commendations: z.array(commendationSchema),
})

const annualReportView = z
  .object({
    year: z.number().int(),
    organizations: z.array(complianceView.extend({ commendations: z.array(commendationSchema), projects: z.array(reportedProject) })),
    totals: z.object({
      projects: z.number().int(),
      byType: counts(projectTypes),
      byState: z.record(z.string(), z.number().int()).describe('projects per state (only states some project is in)'),
      overdue: z.number().int(),
      byGrade: counts([...grades, 'ungraded']),
      byCategory: z.strictObject(Object.fromEntries(organizationCategories.map((c) => [c, z.object({ organizations: z.number().int(), projects: z.number().int() })]))),
      compliance: counts(['organizations', 'compliant', 'missingFoundation', 'missingElective', 'missingBoth']),
      commendations: z.number().int(),
    }),
  })
  .meta({ id: 'AnnualReport' })

/** The year-end assessment (R17), as JSON or as CSV for Excel (Chinese headers, UTF-8 with BOM). */
export const reportRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get(
    '/reports/annual',
    {
      config: {
        access: { roles: ['admin', 'system'], scope: 'projects:read' },
        documented: {
          alsoAnswers: {
            'text/csv': 'with ?format=csv or Accept: text/csv: one row per project, UTF-8 with a byte-order mark, for Excel and WPS',
            [xlsxType]: 'with ?format=xlsx or Accept: the workbook type: sheets 组织情况 (organizations), 项目情况 (projects) and 汇总 (totals), Chinese headers, numbers and dates typed',
          },
        },
      },
      schema: { operationId: 'getAnnualReport',
        tags: ['programme'],
        summary: 'Year-end report per organization and project, with totals (a bound token: its organization’s); ?format=xlsx or ?format=csv (or Accept) for Excel and WPS',
        querystring: z.object({
          year: programmeYearParam(),
          format: z.enum(['json', 'csv', 'xlsx']).optional(),
        }),
        response: { 200: annualReportView },
      },
    },
    async (request, reply) => {
      const report = await annualReport(deps.db, request.query.year, confinedTo(principalOf(request)) ?? undefined)
      const accept = request.headers.accept ?? ''
      const format = request.query.format ?? (accept.includes(xlsxType) ? 'xlsx' : /text\/csv/.test(accept) ? 'csv' : 'json')
      if (format === 'xlsx') {
        return reply
          .type(xlsxType)
          .header('content-disposition', `attachment; filename="annual-report-${request.query.year}.xlsx"`)
          .send((await annualReportWorkbook(report)) as never)
      }
      if (format === 'csv') {
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="annual-report-${request.query.year}.csv"`)
          .send(annualReportCsv(report) as never)
      }
      return report
    },
  )
}
