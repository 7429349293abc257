import { existsSync, mkdirSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import { chromium, type Browser, type Locator, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { currentDefinition, type ProjectType } from '../../machines/index.js'
import { createPrincipal } from '../../src/domain/principals.js'
import { ADMIN_TOKEN, createTestApp } from '../support/app.js'
import { openTestDatabase, type TestDatabase } from '../support/databases.js'
import { assessors, declarations, pathsOf, reviewers, type Step } from '../support/fixtures.js'
import { client } from '../support/http.js'
import { seedProgramme } from '../support/programme.js'

/**
 * The console as the people who run the programme use it, in Chromium: one project of each type
 * from a draft made in the console to its end, every event sent by pressing its button and filling
 * the form the console generated from the machine's payload schema — by the organization section,
 * the organization itself, and each review and acceptance group member under their own token. A
 * refusal is shown in place, in Chinese; nothing leaks an identifier in Chinese mode; diagrams
 * stay readable at 1366×768 and usable at phone width.
 */
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const artifacts = new URL('../../test-artifacts/console/', import.meta.url).pathname
const cjk = /[\u3400-\u9fff]/

describe.skipIf(!existsSync(executablePath))('operating the console in a browser', () => {
  let database: TestDatabase
  let app: FastifyInstance
  let address: string
  let browser: Browser
  let page: Page
  let organizationId: string
  const tokens = new Map<string, string>()

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true })
    database = await openTestDatabase('pglite')
    await seedProgramme(database.db)
    ;({ app } = await createTestApp(database, { start: '2026-03-01T02:00:00.000Z' }))
    organizationId = await client(app).organization('东村党支部', 'village', '张书记', '李委员')
    const now = new Date('2026-01-01T00:00:00Z')
    tokens.set('admin', ADMIN_TOKEN)
    tokens.set('organization', (await createPrincipal(database.db, { name: '东村党支部', role: 'organization', organizationId }, 'test', now)).token)
    for (const name of reviewers) tokens.set(name, (await createPrincipal(database.db, { name, role: 'reviewer' }, 'test', now)).token)
    for (const name of assessors) tokens.set(name, (await createPrincipal(database.db, { name, role: 'assessor' }, 'test', now)).token)
    address = await app.listen({ host: '127.0.0.1', port: 0 })
    browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'] })
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } })
    await page.addInitScript(() => {
      sessionStorage.setItem('djf.year', '2026')
      if (!localStorage.getItem('djf.lang')) localStorage.setItem('djf.lang', 'zh')
    })
    page.on('pageerror', (error) => console.error('page error:', error))
    page.on('console', (message) => message.type() === 'error' && !/Failed to load resource/.test(message.text()) && console.error('console:', message.text()))
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await app?.close()
    await database?.drop()
  })

  let signedIn: string | undefined
  async function signIn(who: string) {
    if (signedIn === who) return
    await page.goto(`${address}/admin/`)
    await page.evaluate(() => sessionStorage.removeItem('djf.token'))
    await page.reload()
    await page.locator('#token').fill(tokens.get(who)!)
    await page.click('#login')
    await page.locator('#who').filter({ hasText: who === 'admin' ? '组织科' : who === 'organization' ? '东村党支部' : who }).waitFor()
    await page.locator('main:not([aria-busy])').waitFor()
    signedIn = who
  }

  /** Fills an event's form from a payload, as a person would: row by row, choice by choice. */
  async function fill(form: Locator, value: unknown, path: string): Promise<void> {
    if (Array.isArray(value)) {
      const rows = form.locator(`[data-array="${path}"] > .row`)
      for (let i = 0; i < value.length; i++) {
        if ((await rows.count()) <= i) await form.locator(`[data-add="${path}"]`).click()
        await fill(form, value[i], `${path}.${i}`)
      }
      return
    }
    if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) await fill(form, inner, path ? `${path}.${key}` : key)
      return
    }
    const input = form.locator(`[name="${path}"]`)
    if (await input.getAttribute('readonly') !== null) return expect(await input.inputValue()).toBe(String(value))
    const tag = await input.evaluate((e) => e.tagName)
    if (tag === 'SELECT') await input.selectOption(String(value))
    else if ((await input.getAttribute('type')) === 'checkbox') await input.setChecked(Boolean(value))
    else await input.fill(String(value))
  }

  async function version() {
    return Number(await page.locator('#project-version').getAttribute('data-version'))
  }

  /** Sends one step through the console: the sender's token, the event's button, its form. */
  async function send(projectId: string, step: Step, who: string) {
    await signIn(who)
    if (!page.url().endsWith(`#/project/${projectId}`)) await page.goto(`${address}/admin/#/project/${projectId}`)
    await page.locator('#project-version').waitFor()
    const before = await version()
    const { type, ...payload } = step
    await page.locator(`button[data-event="${type}"]`).click().catch(async (error) => {
      await page.screenshot({ path: `${artifacts}failed-${type}.png`, fullPage: true })
      throw error
    })
    const form = page.locator(`form[data-event-form="${type}"]`)
    await fill(form, payload, '')
    await form.locator(`[data-send="${type}"]`).click()
    await expect.poll(async () => (await page.locator('[data-refusal]').count()) ? `refused: ${await page.locator('[data-refusal]').textContent()}` : await version(), { timeout: 15_000 }).toBe(before + 1)
  }

  /** Who sends a step: the group member it names, else the organization (for its own events, when asked) or the organization section. */
  function senderOf(type: ProjectType, step: Step, organizationActs: boolean) {
    if (typeof step.reviewer === 'string') return step.reviewer
    if (typeof step.assessor === 'string') return step.assessor
    const roles = (currentDefinition(type).events as Record<string, { roles: readonly string[] }>)[step.type]!.roles
    return organizationActs && roles.includes('organization') ? 'organization' : 'admin'
  }

  async function declareInConsole(type: ProjectType, title: string, who: string) {
    await signIn(who)
    await page.goto(`${address}/admin/#/projects`)
    const form = page.locator('#new-project')
    await form.locator('[name="type"]').selectOption(type)
    await form.locator('[name="organizationId"]').selectOption(organizationId)
    await form.locator('[name="title"]').fill(title)
    await form.locator('button[type=submit]').click()
    await page.waitForURL(/#\/project\//)
    await page.locator('#project-version').waitFor()
    return page.url().split('#/project/')[1]!
  }

  const lives: Array<{ type: ProjectType; to: string; organizationActs: boolean }> = [
    { type: 'innovation', to: 'closed', organizationActs: true },
    { type: 'foundation', to: 'closed', organizationActs: false },
    { type: 'promotion', to: 'closed', organizationActs: true },
  ]

  for (const { type, organizationActs } of lives) {
    it(`runs a ${type} project from a draft made in the console to its end, every event through its form`, async () => {
      const { title, ...rest } = declarations[type]
      const id = await declareInConsole(type, String(title), organizationActs ? 'organization' : 'admin')
      const path = pathsOf(type).pathTo
      const steps: Step[] =
        type === 'innovation'
          ? [...path.accepted!, { type: 'PROPOSE_PROMOTION', rationale: '做法简便，效果明显' }, { type: 'SOLIDIFY', systemTitle: '流动党员云支部管理办法', systemContent: '第一条……', effectiveDate: '2027-01-01', feasibility: '试行一年', operability: '简明易行' },
             { type: 'RECORD_PUBLICITY', kind: 'onSiteMeeting', date: '2026-11-20', title: '全镇现场会' }, { type: 'CLOSE', note: '结项' }]
          : path.closed!
      await send(id, { type: 'UPDATE_DECLARATION', declaration: rest }, organizationActs ? 'organization' : 'admin')
      for (const step of steps) await send(id, step, senderOf(type, step, organizationActs))
      const project = (await app.inject({ method: 'GET', url: `/api/v1/projects/${id}` })).json()
      expect(project.state).toBe('closed')
      // Everything was sent by the console: the whole declaration as filled in, the plan, the ledger.
      expect(project.context.declaration).toMatchObject(rest)
      expect(project.context.plan.items).toHaveLength(2)
      expect(project.context.assessments).toHaveLength(4)
      const history = (await app.inject({ method: 'GET', url: `/api/v1/projects/${id}/history` })).json()
      expect(history.items.map((h: { event: string }) => h.event)).toEqual(['CREATE', 'UPDATE_DECLARATION', ...steps.map((s) => s.type)])
      await page.goto(`${address}/admin/#/project/${id}`)
      await page.locator('#timeline li').first().waitFor()
      // In Chinese mode the page speaks Chinese: events, states, grades, forms — no identifiers.
      const timeline = await page.locator('#timeline').textContent()
      expect(timeline).not.toMatch(/[A-Z]{3,}|_|\b(draft|underReview|implementing|closed)\b/)
      expect(await page.locator('[data-section="project.assessments"]').textContent()).toMatch(/台账查看.*实地评审.*问卷调查.*民主测评/)
      expect(await page.locator('[data-section="project.evaluations"] [data-grade]').textContent()).toMatch(/^(优秀|良好|合格)$/)
      if (type === 'innovation') expect(await page.locator('[data-system]').textContent()).toContain('流动党员云支部管理办法')
      await page.screenshot({ path: `${artifacts}10-${type}-closed.png`, fullPage: true })
    }, 240_000)
  }

  it('shows each role only the events it may send, and a refusal in place with the rule that said no', async () => {
    const id = await declareInConsole('innovation', '退役军人党员之家', 'admin')
    // A draft saved with one field changed: the form's blank rows are not sent (a draft needs only its title).
    await send(id, { type: 'UPDATE_DECLARATION', declaration: { background: '只填了背景' } }, 'admin')
    await send(id, { type: 'UPDATE_DECLARATION', declaration: declarations.innovation }, 'admin')
    await send(id, { type: 'SUBMIT' }, 'admin')
    // The organization section sees approving, not reviewing; a reviewer sees reviewing only.
    expect(await page.locator('button[data-event="APPROVE"]').count()).toBe(1)
    expect(await page.locator('button[data-event="RECORD_REVIEW"]').count()).toBe(0)
    await page.locator('button[data-event="APPROVE"]').click()
    await page.locator('[data-send="APPROVE"]').click()
    const refusal = page.locator('[data-refusal="RULE_FAILED"]')
    await refusal.waitFor()
    expect(await refusal.textContent()).toMatch(/不符合办理条件/)
    expect(cjk.test((await refusal.locator('li').first().textContent()) ?? '')).toBe(true)
    await page.screenshot({ path: `${artifacts}11-refusal-zh.png`, fullPage: true })
    // A form the server refuses (a score out of range) says which field, in place.
    await signIn(reviewers[0]!)
    await page.goto(`${address}/admin/#/project/${id}`)
    await page.locator('button[data-event="RECORD_REVIEW"]').click()
    expect(await page.locator('button[data-event="APPROVE"]').count()).toBe(0)
    const form = page.locator('form[data-event-form="RECORD_REVIEW"]')
    await fill(form, { score: 150, opinion: '很好' }, '')
    await form.locator('[data-send="RECORD_REVIEW"]').click()
    await page.locator('[data-refusal="VALIDATION_FAILED"]').waitFor()
    expect(await page.locator('[data-refusal]').textContent()).toContain('评分')
    // In English mode, the same page speaks English: buttons and the refusal.
    await page.click('#lang')
    await page.locator('button[data-event="RECORD_REVIEW"]').waitFor()
    expect(await page.locator('button[data-event="RECORD_REVIEW"]').textContent()).toBe('Record review')
    expect(cjk.test((await page.locator('[data-section="project.events"] h3').textContent()) ?? '')).toBe(false)
    // What happened and where it went, in words; the people's names stay as they are.
    for (const what of await page.locator('#timeline li > div:first-child').allTextContents()) expect(cjk.test(what), what).toBe(false)
    await page.screenshot({ path: `${artifacts}12-project-en.png`, fullPage: true })
    await page.click('#lang')
  }, 120_000)

  it('draws the diagrams with labels of at least 12 px at 1366×768, and lets them scroll at phone width', async () => {
    await signIn('admin')
    await page.setViewportSize({ width: 1366, height: 768 })
    await page.goto(`${address}/admin/#/machines`)
    await page.locator('.diagram svg').nth(2).waitFor({ timeout: 30_000 })
    const smallest = await page.evaluate(() =>
      Math.min(...[...document.querySelectorAll('.diagram g.node .nodeLabel, .diagram g.node text, .diagram .edgeLabel .edgeLabel, .diagram .edgeLabel text')].map((e) => e.getBoundingClientRect().height).filter((x) => x > 0)))
    expect(smallest).toBeGreaterThanOrEqual(12)
    await page.setViewportSize({ width: 390, height: 844 })
    await page.goto(`${address}/admin/#/machines`)
    await page.locator('.diagram svg').nth(2).waitFor({ timeout: 30_000 })
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0)
    const box = page.locator('.diagram[data-type="foundation"]')
    expect(await box.evaluate((e) => e.scrollWidth > e.clientWidth)).toBe(true)
    // A state far to the right is reached by scrolling the diagram, and opens its projects.
    const closed = box.locator('g.node[data-state="closed"]')
    await closed.scrollIntoViewIfNeeded()
    await closed.click()
    await page.waitForURL(/#\/projects\?.*state=closed/)
    await page.screenshot({ path: `${artifacts}13-phone-projects.png`, fullPage: true })
    await page.setViewportSize({ width: 1366, height: 768 })
  }, 90_000)
})
