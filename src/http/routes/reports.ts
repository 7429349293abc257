import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { AppDeps } from '../../app.js'
import { confinedTo } from '../../domain/access.js'
import { principalOf } from '../auth.js'
import { annualReport, annualReportCsv } from '../../domain/reports.js'
import { decimal, errorResponses, programmeYear, programmeYearParam } from '../schemas.js'

/** The year-end assessment (R17), as JSON or as CSV for Excel (Chinese headers, UTF-8 with BOM). */
export const reportRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get(
    '/reports/annual',
    {
      config: { access: { roles: ['admin', 'system'], scope: 'projects:read' } },
      schema: {
        tags: ['programme'],
        summary: 'Year-end report per organization and project, with totals (a bound token: its organization’s); ?format=csv or Accept: text/csv for a spreadsheet',
        querystring: z.object({
          year: programmeYearParam(),
          format: z.enum(['json', 'csv']).optional(),
        }),
        response: { 200: z.unknown(), 400: errorResponses[400] },
      },
    },
    async (request, reply) => {
      const report = await annualReport(deps.db, request.query.year, confinedTo(principalOf(request)) ?? undefined)
      const wantsCsv = request.query.format === 'csv' || (!request.query.format && /text\/csv/.test(request.headers.accept ?? ''))
      if (wantsCsv) {
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="annual-report-${request.query.year}.csv"`)
          .send(annualReportCsv(report))
      }
      return report
    },
  )
}
