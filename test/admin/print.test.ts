import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, createTestApp } from '../support/app.js'
import { openTestDatabase, type TestDatabase } from '../support/databases.js'
import { declarations, pathTo } from '../support/fixtures.js'
import { client } from '../support/http.js'
import { seedProgramme } from '../support/programme.js'
import { multipartBody, pngBytes, sha256 } from '../support/evidence-bytes.js'

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const artifacts = new URL('../../test-artifacts/print/', import.meta.url).pathname
/** A4 in PostScript points (Chromium rounds to whole pixels: within a point or two). */
const A4 = { width: 595.28, height: 841.89 }

/**
 * Some CJK fonts map glyphs back to radicals rather than ideographs (⽬ for 目, ⻅ for 见): NFKC folds
 * the Kangxi radicals, these are the supplement's radicals that stand for simplified characters.
 */
const radicals: Record<string, string> = {
  '⺟': '母', '⺠': '民', '⺩': '王', '⻁': '虎', '⻄': '西', '⻅': '见', '⻆': '角', '⻈': '讠', '⻉': '贝', '⻋': '车', '⻓': '长', '⻔': '门',
  '⻘': '青', '⻚': '页', '⻛': '风', '⻜': '飞', '⻝': '食', '⻢': '马', '⻣': '骨', '⻥': '鱼', '⻨': '麦', '⻩': '黄', '⻬': '齐', '⻮': '齿', '⻰': '龙', '⻳': '龟',
}
const folded = (text: string) => text.normalize('NFKC').replace(/[\u2e80-\u2eff]/g, (c) => radicals[c] ?? c).replace(/\s+/g, '')

/** Every page's text of a PDF (pdf.js), and each page's size. */
async function pdfText(bytes: Uint8Array) {
  const document = await getDocument({ data: bytes, useSystemFonts: false, isEvalSupported: false }).promise
  const pages: Array<{ text: string; width: number; height: number }> = []
  for (let n = 1; n <= document.numPages; n++) {
    const pdfPage = await document.getPage(n)
    const content = await pdfPage.getTextContent()
    const [, , width, height] = pdfPage.view
    pages.push({ text: content.items.map((item) => ('str' in item ? item.str : '')).join(''), width: width!, height: height! })
  }
  await document.destroy()
  return pages
}

/**
 * The printable forms of the console: a project's declaration form and its acceptance result,
 * printed by headless Chromium to A4 PDF and read back (pdf.js): the form's headings, its fields
 * with the project's values, and the signatures' blank lines are on the paper; the console's bar
 * and buttons are not.
 */
describe.skipIf(!existsSync(executablePath))('printing a project’s forms, and its evidence files', () => {
  let database: TestDatabase
  let app: FastifyInstance
  let address: string
  let browser: Browser
  let page: Page
  let project: any
  let organization: any

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true })
    database = await openTestDatabase('pglite')
    await seedProgramme(database.db)
    ;({ app } = await createTestApp(database))
    const api = client(app)
    const org = await api.organization('红旗村党支部', 'village', '李书记', '周委员')
    const id = await api.project('innovation', org, 2026, pathTo.accepted, { ...declarations.innovation, title: '“红色管家”服务进网格' })
    project = await api.get(id)
    organization = await api.ok('GET', `/api/v1/organizations/${org}`)
    address = await app.listen({ host: '127.0.0.1', port: 0 })
    browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] })
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } })
    await page.addInitScript((token) => sessionStorage.setItem('djf.token', token), ADMIN_TOKEN)
    page.on('pageerror', (error) => console.error('page error:', error))
    // Signed in through the page, as a person does.
    await page.goto(`${address}/admin/`)
    await page.fill('#token', ADMIN_TOKEN)
    await page.click('#login')
    await page.locator('nav').waitFor()
  }, 120_000)
  afterAll(async () => {
    await browser?.close()
    await app?.close()
    await database?.drop()
  })

  const printed = async (form: 'declaration' | 'acceptance') => {
    await page.goto(`${address}/admin/#/project/${project.id}`)
    await page.locator(`[data-print-link="${form}"]`).click()
    await page.locator('[data-print] h1').waitFor()
    await page.emulateMedia({ media: 'print' })
    expect(await page.locator('header.bar').isVisible()).toBe(false)
    expect(await page.locator('.no-print').isVisible()).toBe(false)
    await page.screenshot({ path: `${artifacts}${form}.png`, fullPage: true })
    // page.pdf prints with the print stylesheet, as a browser's print does.
    const pdf = await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true })
    writeFileSync(`${artifacts}${form}.pdf`, pdf)
    const pages = await pdfText(new Uint8Array(pdf))
    for (const p of pages) {
      expect(Math.abs(p.width - A4.width)).toBeLessThan(2)
      expect(Math.abs(p.height - A4.height)).toBeLessThan(2)
    }
    // pdf.js reads a line's glyphs one run at a time: compare without the white space between runs,
    // and some glyphs map back to radicals (folded above).
    return folded(pages.map((p) => p.text).join('\n'))
  }
  const squeezed = (text: string) => folded(String(text))

  it('prints the declaration form on A4: its heading, every field with the project’s values, the signatures’ lines', async () => {
    const text = await printed('declaration')
    for (const heading of ['镇党建工作项目申报表', '党组织名称', '项目类型', '第一责任人', '直接责任人', '党组织意见', '镇党委组织科审核意见', '党组织书记（签字）：', '（盖章）']) {
      expect(text, heading).toContain(squeezed(heading))
    }
    expect(text).toContain(squeezed(organization.name))
    expect(text).toContain('创新探索型')
    expect(text).toContain('李书记')
    const declaration = project.context.declaration
    expect(text).toContain(squeezed(declaration.title))
    for (const value of [declaration.background, declaration.expectedResults, declaration.problem].filter(Boolean)) expect(text).toContain(squeezed(value).slice(0, 20))
    expect(text).toContain(squeezed('日期：　　年　　月　　日'))
    expect(text).not.toContain('打印')
    expect(text).not.toContain('基层党建项目化管理')
    // The blank lines to sign on are drawn, one per signature.
    expect(await page.locator('.signature .blank').count()).toBe(2)
  })

  it('prints the acceptance result on A4: each form’s assessment, the conclusion with the grade, a line for each assessor', async () => {
    const text = await printed('acceptance')
    for (const heading of ['镇党建工作项目验收结果', '验收组评分', '验收结论', '综合得分', '验收等级', '验收组成员签字', '验收组组长（签字）：']) {
      expect(text, heading).toContain(squeezed(heading))
    }
    const evaluation = project.context.evaluations.at(-1)
    const assessments = project.context.assessments.filter((a: any) => a.round === evaluation.round)
    expect(assessments.length).toBe(4)
    for (const form of ['台账查看', '实地评审', '问卷调查', '民主测评']) expect(text).toContain(form)
    for (const a of assessments) expect(text).toContain(squeezed(a.assessor))
    expect(text).toContain(String(evaluation.score))
    expect(text).toContain({ excellent: '优秀', good: '良好', pass: '合格', fail: '不合格' }[evaluation.grade as string])
    for (const indicator of ['目标实现率', '群众满意率', '综合效益度', '经验可推广性']) expect(text).toContain(indicator)
    expect(await page.locator('.signature .blank').count()).toBe(new Set(assessments.map((a: any) => a.assessor)).size + 2)
  })

  it('downloads a ledger entry’s evidence file from the project page, as its bytes', async () => {
    const api = client(app)
    const implementing = await api.project('innovation', project.organizationId, 2026, pathTo.implementing)
    const bytes = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(5000, 'x')])
    const form = multipartBody('file', '签到表.pdf', 'application/pdf', bytes)
    const file = (await app.inject({ method: 'POST', url: `/api/v1/projects/${implementing}/files`, payload: form.body, headers: { 'content-type': form.contentType } })).json()
    await api.send(implementing, { type: 'RECORD_LEDGER_ENTRY', planItemId: 'P1', date: '2026-06-20', content: '主题党日', evidence: [{ description: '签到表.pdf', file: file.sha256 }] })
    await page.goto(`${address}/admin/#/project/${implementing}`)
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator(`[data-file="${file.sha256}"]`).click()])
    expect(download.suggestedFilename()).toBe('签到表.pdf')
    expect(readFileSync(await download.path())).toEqual(bytes)
  })

  it('uploads an evidence file from the ledger entry’s form, and the history names its hash', async () => {
    const api = client(app)
    const implementing = await api.project('innovation', project.organizationId, 2026, pathTo.implementing)
    await page.goto(`${address}/admin/#/project/${implementing}`)
    await page.locator('[data-event="RECORD_LEDGER_ENTRY"]').click()
    const form = page.locator('[data-event-form="RECORD_LEDGER_ENTRY"]')
    await form.locator('[name="planItemId"]').fill('P1')
    await form.locator('[name="date"]').fill('2026-06-21')
    await form.locator('[name="content"]').fill('入户走访')
    await form.locator('[data-add="evidence"]').click()
    await form.locator('[name="evidence.0.description"]').fill('走访照片')
    const photo = pngBytes()
    await form.locator('[data-upload="evidence.0.file"]').setInputFiles({ name: '走访照片.png', mimeType: 'image/png', buffer: photo })
    await expect.poll(() => form.locator('[name="evidence.0.file"]').inputValue()).toBe(sha256(photo))
    await form.locator('[data-send="RECORD_LEDGER_ENTRY"]').click()
    await page.locator(`[data-file="${sha256(photo)}"]`).waitFor()
    const last = (await api.history(implementing)).at(-1)!
    expect(last.payload.evidence).toEqual([{ description: '走访照片', file: sha256(photo) }])
    const files = (await api.ok('GET', `/api/v1/projects/${implementing}/files`)).items
    expect(files.map((f: { name: string; referencedBy: number[] }) => [f.name, f.referencedBy])).toEqual([['走访照片.png', [last.version]]])
  })

  it('offers the acceptance result only once the group has assessed', async () => {
    const api = client(app)
    const draft = await api.project('innovation', project.organizationId, 2026)
    await page.goto(`${address}/admin/#/project/${draft}`)
    await page.locator('[data-print-link="declaration"]').waitFor()
    expect(await page.locator('[data-print-link="acceptance"]').count()).toBe(0)
  })
})
