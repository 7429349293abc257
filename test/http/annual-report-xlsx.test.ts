import ExcelJS from 'exceljs'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { organizationCategories, organizationCategoryLabels } from '../../machines/index.js'
import { createPrincipal } from '../../src/domain/principals.js'
import { createTestApp } from '../support/app.js'
import { databaseKinds, openTestDatabase, type TestDatabase } from '../support/databases.js'
import { declarations, pathTo, pathsOf } from '../support/fixtures.js'
import { client } from '../support/http.js'
import { seedProgramme } from '../support/programme.js'

const xlsx = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

/** A cell as a spreadsheet program reads it: its value and type. */
const valueOf = (cell: ExcelJS.Cell) => (cell.type === ExcelJS.ValueType.Null ? null : cell.value)

/**
 * The year-end report as an Excel workbook, read back with exceljs and compared with the JSON
 * report field by field: a sheet per list, Chinese headers, frozen header rows, numbers as
 * numbers, instants as dates in Beijing time, text never a formula.
 */
describe.each(databaseKinds)('the annual report as .xlsx on %s', (kind) => {
  let database: TestDatabase
  let app: FastifyInstance
  let report: any
  let workbook: ExcelJS.Workbook
  let response: Awaited<ReturnType<FastifyInstance['inject']>>

  beforeAll(async () => {
    database = await openTestDatabase(kind)
    await seedProgramme(database.db, [2026])
    ;({ app } = await createTestApp(database))
    const api = client(app)
    const village = await api.organization('红星村党支部', 'village')
    const school = await api.organization('=HYPERLINK("http://evil.example","点此")', 'school')
    await api.organization('未申报的机关党支部', 'organ')
    await api.project('foundation', village, 2026, pathsOf('foundation').pathTo.accepted)
    const innovation = await api.project('innovation', village, 2026, pathTo.accepted)
    await api.project('innovation', school, 2026, pathTo.implementing, { ...declarations.innovation, title: '+SUM(1,2)' })
    await api.ok('POST', '/api/v1/commendations', {
      year: 2026, kind: 'commendation', level: 'town', recipientType: 'project', organizationId: village, projectId: innovation, title: '优秀创新项目', reason: '成效显著', awardedAt: '2026-12-20',
    })
    report = await api.ok('GET', '/api/v1/reports/annual?year=2026')
    response = await app.inject({ method: 'GET', url: '/api/v1/reports/annual?year=2026&format=xlsx' })
    workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(response.rawPayload as never)
  })
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  it('answers ?format=xlsx and Accept with the workbook, as an attachment', async () => {
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toBe(xlsx)
    expect(response.headers['content-disposition']).toBe('attachment; filename="annual-report-2026.xlsx"')
    expect(response.rawPayload.subarray(0, 2).toString()).toBe('PK')
    const byAccept = await app.inject({ method: 'GET', url: '/api/v1/reports/annual?year=2026', headers: { accept: `${xlsx}, application/json;q=0.5` } })
    expect(byAccept.headers['content-type']).toBe(xlsx)
    // ?format wins over Accept; JSON stays the default.
    expect((await app.inject({ method: 'GET', url: '/api/v1/reports/annual?year=2026&format=json', headers: { accept: xlsx } })).headers['content-type']).toMatch(/^application\/json/)
    expect((await app.inject({ method: 'GET', url: '/api/v1/reports/annual?year=2026&format=xls' })).statusCode).toBe(400)
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['组织情况', '项目情况', '汇总'])
  })

  it('has Chinese headers, frozen and filterable, with widths set', () => {
    for (const sheet of workbook.worksheets) {
      expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 })
      const headers = (sheet.getRow(1).values as unknown[]).slice(1)
      for (const header of headers) expect(String(header)).toMatch(/[\u4e00-\u9fff]|\d{4}年/)
      expect(sheet.getRow(1).font?.bold).toBe(true)
      for (let c = 1; c <= headers.length; c++) expect(sheet.getColumn(c).width, `${sheet.name} ${c}`).toBeGreaterThanOrEqual(10)
    }
    expect(workbook.getWorksheet('项目情况')!.autoFilter).toBeTruthy()
  })

  it('has one row per organization equal to the JSON report', () => {
    const sheet = workbook.getWorksheet('组织情况')!
    expect(sheet.rowCount - 1).toBe(report.organizations.length)
    report.organizations.forEach((o: any, i: number) => {
      const row = sheet.getRow(i + 2)
      expect([1, 2, 3, 4, 5, 6].map((c) => valueOf(row.getCell(c)))).toEqual([o.name, o.categoryLabel, o.foundation, o.elective, o.statusLabel, o.projects.length])
      expect(row.getCell(3).type).toBe(ExcelJS.ValueType.Number)
    })
    // A name that looks like a formula is text, never a formula.
    const formulaLike = report.organizations.findIndex((o: any) => o.name.startsWith('='))
    expect(sheet.getRow(formulaLike + 2).getCell(1).type).toBe(ExcelJS.ValueType.String)
  })

  it('has one row per project equal to the JSON report: numbers as numbers, instants as Beijing dates', () => {
    const sheet = workbook.getWorksheet('项目情况')!
    const headers = (sheet.getRow(1).values as unknown[]).slice(1) as string[]
    const column = (name: string) => headers.indexOf(name) + 1
    const projects = report.organizations.flatMap((o: any) => o.projects.map((p: any) => ({ ...p, organization: o })))
    expect(projects.length).toBeGreaterThanOrEqual(3)
    expect(sheet.rowCount - 1).toBe(projects.length)
    projects.forEach((p: any, i: number) => {
      const row = sheet.getRow(i + 2)
      const cell = (name: string) => valueOf(row.getCell(column(name)))
      expect(cell('基层党组织')).toBe(p.organization.name)
      expect(cell('项目类型')).toBe(p.typeLabel)
      expect(cell('项目名称')).toBe(p.title)
      expect(row.getCell(column('项目名称')).type).toBe(ExcelJS.ValueType.String)
      expect(cell('状态')).toBe(p.stateLabel)
      expect(cell('立项评审平均分')).toBe(p.reviewScore)
      expect(cell('验收得分')).toBe(p.score)
      expect(cell('验收等级')).toBe(p.gradeLabel)
      expect(cell('目标实现率')).toBe(p.indicators?.targetAchievement ?? null)
      expect(cell('经验可推广性')).toBe(p.indicators?.replicability ?? null)
      if (p.score !== null) expect(row.getCell(column('验收得分')).type).toBe(ExcelJS.ValueType.Number)
      expect(cell('项目表彰奖励')).toBe(p.commendations.map((c: any) => `${c.levelLabel}${c.kindLabel}：${c.title}`).join('；') || null)
      const declared = row.getCell(column('申报时间'))
      expect(declared.type).toBe(ExcelJS.ValueType.Date)
      expect((declared.value as Date).getTime()).toBe(Date.parse(p.createdAt) + 8 * 3600_000)
      expect(declared.numFmt).toBe('yyyy-mm-dd hh:mm')
    })
    const graded = projects.filter((p: any) => p.score !== null)
    expect(graded.length).toBeGreaterThanOrEqual(2)
  })

  it('has the totals of the JSON report', () => {
    const sheet = workbook.getWorksheet('汇总')!
    const rows = new Map<string, unknown>()
    sheet.eachRow((row, n) => n > 1 && rows.set(String(row.getCell(1).value), row.getCell(2).value))
    const { totals } = report
    expect(rows.get('项目总数')).toBe(totals.projects)
    expect(rows.get('其中：创新探索型')).toBe(totals.byType.innovation)
    expect(rows.get('逾期项目')).toBe(totals.overdue)
    expect(rows.get('验收等级：优秀')).toBe(totals.byGrade.excellent)
    expect(rows.get('尚未评定等级')).toBe(totals.byGrade.ungraded)
    for (const category of organizationCategories) {
      expect(rows.get(`${organizationCategoryLabels[category]}：组织数`), category).toBe(totals.byCategory[category].organizations)
      expect(rows.get(`${organizationCategoryLabels[category]}：项目数`), category).toBe(totals.byCategory[category].projects)
    }
    expect(rows.get('基层党组织数')).toBe(totals.compliance.organizations)
    expect(rows.get('"1+X"：达标')).toBe(totals.compliance.compliant)
    expect(rows.get('表彰奖励')).toBe(totals.commendations)
    for (const value of rows.values()) expect(value).toBeTypeOf('number')
  })

  it('gives a bound system token its own organization’s workbook only', async () => {
    const own = report.organizations[0]
    const token = (await createPrincipal(database.db, { name: '村务系统', role: 'system', scopes: ['projects:read'], organizationId: own.organizationId }, 'test', new Date())).token
    const bound = await app.inject({ method: 'GET', url: '/api/v1/reports/annual?year=2026&format=xlsx', headers: { authorization: `Bearer ${token}` } })
    const book = new ExcelJS.Workbook()
    await book.xlsx.load(bound.rawPayload as never)
    const names: unknown[] = []
    book.getWorksheet('组织情况')!.eachRow((row, n) => n > 1 && names.push(row.getCell(1).value))
    expect(names).toEqual([own.name])
  })
})
