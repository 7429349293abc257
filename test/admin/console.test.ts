import { mkdirSync } from 'node:fs'
import { existsSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, createTestApp } from '../support/app.js'
import { openTestDatabase, type TestDatabase } from '../support/databases.js'
import { pathTo, pathsOf } from '../support/fixtures.js'
import { client } from '../support/http.js'
import { seedProgramme } from '../support/programme.js'

/** Foundation projects start on the current machine, which files declarations instead of reviewing them (docs/versions.md). */
const foundationPathTo = pathsOf('foundation').pathTo

/**
 * The admin console in headless Chromium (Debian's, driven by playwright-core), against a
 * seeded database. Screenshots go to test-artifacts/console (not committed) for a person to look at.
 */
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const artifacts = new URL('../../test-artifacts/console/', import.meta.url).pathname

describe.skipIf(!existsSync(executablePath))('admin console in a browser', () => {
  let database: TestDatabase
  let app: FastifyInstance
  let address: string
  let browser: Browser
  let page: Page
  const ids: Record<string, string> = {}
  const violations: string[] = []

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true })
    database = await openTestDatabase('pglite')
    await seedProgramme(database.db)
    ;({ app } = await createTestApp(database, { start: '2026-05-01T02:00:00.000Z' }))
    const api = client(app)
    const east = await api.organization('东村党支部')
    const school = await api.organization('中心小学党支部', 'school')
    ids.implementing = await api.project('innovation', east, 2026, pathTo.implementing)
    ids.review = await api.project('innovation', school, 2026, pathTo.underReview)
    ids.draft = await api.project('promotion', east, 2026)
    // Declared in May, after the March deadline: let in late (准予补报) first.
    ids.foundation = await api.project('foundation', school, 2026, [{ type: 'ALLOW_LATE_DECLARATION', reason: '准予补报' }, ...foundationPathTo.planning!])
    // A foundation draft made in May is past the March deadline: the scheduler's next sweep makes it 逾期未申报.
    ids.overdue = await api.project('foundation', east, 2026, [], { title: '五月才起草的基础项目' })
    await api.advance('2026-05-01T02:00:01.000Z')
    address = await app.listen({ host: '127.0.0.1', port: 0 })
    browser = await chromium.launch({
      executablePath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    })
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } })
    // The console remembers the year per session; the seeded year is 2026.
    await page.addInitScript(() => sessionStorage.setItem('djf.year', '2026'))
    page.on('pageerror', (error) => console.error('page error:', error))
    // Every page runs under the service's Content-Security-Policy; anything it blocks is a failure.
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text())
    })
    await page.addInitScript(() =>
      document.addEventListener('securitypolicyviolation', (e) => console.error(`Refused to: ${e.violatedDirective} ${e.blockedURI}`)),
    )
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await app?.close()
    await database?.drop()
  })

  const shot = (name: string) => page.screenshot({ path: `${artifacts}${name}.png`, fullPage: true })

  it('asks for the admin token, then shows the three machines with this year’s counts', async () => {
    const response = await page.goto(`${address}/admin/`)
    expect(response?.headers()['content-security-policy']).toMatch(/script-src 'self'/)
    await page.locator('#token').waitFor()
    await shot('01-login')
    await page.fill('#token', 'not-a-token')
    await page.click('#login')
    await expect.poll(() => page.locator('.login .error').isVisible()).toBe(true)
    await page.fill('#token', ADMIN_TOKEN)
    await page.click('#login')
    await page.locator('.diagram svg').nth(2).waitFor({ timeout: 30_000 })
    expect(await page.locator('.diagram svg').count()).toBe(3)
    expect(await page.locator('[data-type="innovation"]').locator('..').locator('.badge').getAttribute('data-total')).toBe('2')
    const underReview = page.locator('[data-type="innovation"] g.node[data-state="underReview"]')
    expect(await underReview.getAttribute('aria-label')).toBe('评审中 1')
    expect(await page.locator('[data-type="foundation"] g.node[data-state="planning"]').getAttribute('aria-label')).toBe('已立项·待报实施方案 1')
    // Every state of every machine is drawn, and painted by how many projects are in it.
    expect(await page.evaluate(() => [...document.querySelectorAll('.diagram')].map((d) => d.querySelectorAll('g.node[data-state]').length))).toEqual([14, 15, 15])
    expect(await page.locator('[data-type="promotion"] g.node[data-state="draft"]').getAttribute('data-heat')).toBe('3')
    expect(await page.locator('[data-type="promotion"] g.node[data-state="closed"]').getAttribute('data-heat')).toBe('0')
    await shot('02-machines')
  }, 120_000)

  it('shows a machine’s versions, where their projects stand, and what changed (docs/versions.md)', async () => {
    const panel = page.locator('[data-versions="foundation"]')
    await panel.locator('summary').click()
    expect(await panel.locator('tr[data-version]').count()).toBe(2)
    expect(await panel.locator('tr[data-version="2"]').textContent()).toContain('当前')
    // Where its projects stand, by the state labels of their own version.
    expect(await panel.locator('tr[data-version="2"]').textContent()).toContain('已立项·待报实施方案 1')
    expect(await panel.locator('[data-diff="statesAdded"]').textContent()).toContain('filingReview')
    expect(await panel.locator('[data-diff="statesRemoved"]').textContent()).toContain('underReview')
    expect(await panel.locator('[data-diff="eventsAdded"]').textContent()).toContain('FILE_DECLARATION')
    // A type with one version has no panel.
    expect(await page.locator('[data-versions="innovation"]').count()).toBe(0)
    await shot('02b-versions')
  }, 60_000)

  it('lists the projects in a state when the state is clicked, and filters the list', async () => {
    await page.locator('[data-type="innovation"] g.node[data-state="implementing"]').click()
    await page.locator('#projects tbody tr[data-id]').first().waitFor()
    expect(await page.locator('#projects tbody tr[data-id]').count()).toBe(1)
    expect(await page.locator('#projects tbody tr[data-id]').getAttribute('data-id')).toBe(ids.implementing)
    await page.selectOption('#filter-state', '')
    await page.selectOption('#filter-type', '')
    await page.click('#filters button[type=submit]')
    await expect.poll(() => page.locator('#projects tbody tr[data-id]').count()).toBe(5)
    // The overdue one is marked by its state's `overdue` tag.
    expect(await page.locator(`#projects tr[data-id="${ids.overdue}"] .badge.warn`).count()).toBe(1)
    await page.selectOption('#filter-category', 'school')
    await page.click('#filters button[type=submit]')
    await expect.poll(() => page.locator('#projects tbody tr[data-id]').count()).toBe(2)
    await shot('03-projects')
  }, 60_000)

  it('opens a project with its state, plan, reviews and history as a timeline', async () => {
    await page.goto(`${address}/admin/#/project/${ids.implementing}`)
    await page.locator('#timeline li').first().waitFor()
    expect(await page.locator('#project-state').textContent()).toBe('实施中')
    expect(await page.locator('#timeline li').count()).toBe(7)
    expect(await page.locator('#timeline li').first().textContent()).toContain('创建项目 → 草稿')
    expect(await page.locator('main').textContent()).toContain('制定积分细则')
    await shot('04-project')
  })

  it('shows the year at a glance', async () => {
    await page.goto(`${address}/admin/#/year`)
    await page.locator('#compliance table').waitFor()
    expect(await page.locator('#compliance tbody tr').count()).toBe(2)
    expect(await page.locator('main').textContent()).toContain('2026-03-31 23:59:59.999 +08:00')
    // Overdue projects, grouped by their state (as the machines tag them overdue).
    const overdue = page.locator('section.card', { has: page.locator('h3', { hasText: '逾期未申报' }) })
    expect(await overdue.locator('tbody tr').count()).toBe(1)
    expect(await overdue.textContent()).toContain('五月才起草的基础项目')
    await shot('05-year')
  })

  it('switches to English and back', async () => {
    await page.click('#lang')
    await expect.poll(() => page.locator('nav a[href="#/projects"]').textContent()).toBe('Projects')
    expect(await page.locator('h2').first().textContent()).toContain('The year at a glance')
    await shot('06-year-en')
    await page.click('#lang')
    await expect.poll(() => page.locator('nav a[href="#/projects"]').textContent()).toBe('项目')
  })

  it('serves the API documentation, which works under the same policy', async () => {
    const response = await page.goto(`${address}/docs/`)
    expect(response?.headers()['content-security-policy']).toMatch(/script-src 'self'/)
    await page.locator('.swagger-ui .info .title').waitFor({ timeout: 30_000 })
    expect(await page.locator('.swagger-ui .opblock').count()).toBeGreaterThan(40)
    await shot('08-docs')
  }, 60_000)

  it('fits a phone-width screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 })
    await page.goto(`${address}/admin/#/machines`)
    await page.locator('.diagram svg').nth(2).waitFor({ timeout: 30_000 })
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    expect(overflow).toBeLessThanOrEqual(0)
    await shot('07-machines-phone')
    expect(violations).toEqual([])
  })
})
