import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databaseKinds, openTestDatabase, type TestDatabase } from '../support/databases.js'
import { declarations, payloads } from '../support/fixtures.js'
import { exited, freePort, startServiceProcess, type ServiceProcess } from '../support/service-process.js'

/**
 * "A retry never applies twice, whatever dies when": keyed creations, ledger entries and updates
 * are sent by clients that retry, while the service is killed with SIGKILL at random moments and
 * started again. Then, with the clock moved past any timeout, every key is retried once more: each
 * key's work is found exactly once in the database, and its answer replays the same.
 */
const ADMIN = 'djf_retry_admin_token_0123456789'
const YEAR = 2026

type Operation = { key: string; kind: 'creation' | 'ledger' | 'update' | 'organization'; path: string; body: object; mark: string }

describe.each(databaseKinds)('keyed retries across SIGKILLs on %s', (kind) => {
  let database: TestDatabase | undefined
  let dataDir: string | undefined
  let env: Record<string, string>
  let port = 0
  let service: ServiceProcess | undefined

  const start = async () => {
    service = await startServiceProcess(port, env)
  }
  const kill = async () => {
    const child = service!.child
    child.kill('SIGKILL')
    await exited(child)
  }
  const call = async (method: string, path: string, body?: object, headers: Record<string, string> = {}, token = ADMIN) => {
    const response = await fetch(`${service!.base}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body: body ? JSON.stringify(body) : undefined,
    })
    return { status: response.status, headers: response.headers, text: await response.text() }
  }
  const ok = async (method: string, path: string, body?: object, token = ADMIN) => {
    const response = await call(method, path, body, {}, token)
    expect(response.status, `${method} ${path}: ${response.text}`).toBeLessThan(300)
    return JSON.parse(response.text)
  }

  beforeAll(async () => {
    port = await freePort()
    env = { ADMIN_TOKEN: ADMIN, CLOCK: 'manual', CLOCK_START: '2026-03-01T10:00:00+08:00' }
    if (kind === 'postgres') {
      database = await openTestDatabase('postgres')
      const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(database.db)).rows[0]!.s
      const url = new URL(process.env.TEST_DATABASE_URL!)
      url.searchParams.set('options', `-c search_path=${schema}`)
      env.DATABASE_URL = url.toString()
    } else {
      dataDir = mkdtempSync(join(tmpdir(), 'djf-retries-'))
      env.DATA_DIR = dataDir
    }
  })
  afterAll(async () => {
    service?.child.kill('SIGKILL')
    if (service) await exited(service.child)
    await database?.drop()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })

  it('applies every key once, with kills at random moments and retries after the clock passed any timeout', async () => {
    await start()
    // The year's groups and a few projects to write to, over HTTP as the organization section would.
    await ok('PUT', `/review-groups/${YEAR}`, { members: ['评审员甲', '评审员乙', '评审员丙'] })
    const reviewers = await Promise.all(['评审员甲', '评审员乙', '评审员丙'].map(async (name) => (await ok('POST', '/principals', { name, role: 'reviewer' })).token as string))
    const org = (await ok('POST', '/organizations', { name: '重试测试党支部', category: 'village', secretary: '书记', leaderInCharge: '委员' })).id as string
    const implementing: string[] = []
    const drafts: string[] = []
    for (let i = 0; i < 3; i++) {
      const id = (await ok('POST', '/projects', { type: 'innovation', organizationId: org, year: YEAR, declaration: declarations.innovation })).id as string
      await ok('POST', `/projects/${id}/events`, { type: 'SUBMIT' })
      for (const token of reviewers) await ok('POST', `/projects/${id}/events`, { type: 'RECORD_REVIEW', score: 85, opinion: '同意' }, token)
      await ok('POST', `/projects/${id}/events`, { type: 'APPROVE', note: '同意立项' })
      await ok('POST', `/projects/${id}/events`, { type: 'SUBMIT_PLAN', ...payloads.SUBMIT_PLAN })
      implementing.push(id)
      drafts.push((await ok('POST', '/projects', { type: 'promotion', organizationId: org, year: YEAR, declaration: { title: `重试草稿 ${i}` } })).id as string)
    }

    const operations: Operation[] = Array.from({ length: 240 }, (_, i): Operation => {
      const mark = `重试-${i}`
      switch (i % 4) {
        case 0:
          return { key: `create-${i}`, kind: 'creation', path: '/projects', body: { type: 'innovation', organizationId: org, year: YEAR, declaration: { title: mark } }, mark }
        case 1:
          return { key: `ledger-${i}`, kind: 'ledger', path: `/projects/${implementing[i % 3]}/events`, body: { type: 'RECORD_LEDGER_ENTRY', date: '2026-03-01', content: mark, evidence: [] }, mark }
        case 2:
          return { key: `update-${i}`, kind: 'update', path: `/projects/${drafts[i % 3]}/events`, body: { type: 'UPDATE_DECLARATION', declaration: { expectedResults: mark } }, mark }
        default:
          return { key: `org-${i}`, kind: 'organization', path: '/organizations', body: { name: mark, category: 'school', secretary: '书记', leaderInCharge: '委员' }, mark }
      }
    })
    const send = (op: Operation) => call('POST', op.path, op.body, { 'idempotency-key': op.key })

    // Clients with sixteen requests in flight, retrying what failed, while the service is killed three times.
    const pending = [...operations]
    const attempts = new Map<string, number>()
    let kills = 0
    const clients = Array.from({ length: 16 }, async () => {
      for (let op = pending.shift(); op; op = pending.shift()) {
        const response = await send(op).catch(() => undefined)
        const tries = (attempts.get(op.key) ?? 0) + 1
        attempts.set(op.key, tries)
        if (response && response.status < 300) continue
        if (response && response.status !== 409 && response.status !== 503) throw new Error(`${op.key}: ${response.status} ${response.text}`)
        // A key "in progress" forever is a claim its dead first request left behind.
        if (tries > 300) throw new Error(`${op.key} still refused after ${tries} attempts: ${response?.text}`)
        else {
          pending.push(op)
          await new Promise((r) => setTimeout(r, 20))
        }
      }
    })
    const killer = (async () => {
      for (; kills < 3; kills++) {
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 600))
        await kill()
        await new Promise((r) => setTimeout(r, Math.random() * 300))
        await start()
      }
    })()
    await killer
    await Promise.all(clients)
    expect(kills).toBe(3)

    // Every key once more, after the clock moved on past any timeout a claim might have had.
    await ok('POST', '/admin/clock', { to: '2026-03-01T10:30:00+08:00' })
    const retried = new Map<string, string>()
    for (const op of operations) {
      const response = await send(op)
      expect(response.status, `${op.key}: ${response.text}`).toBeLessThan(300)
      expect(response.headers.get('idempotent-replayed'), op.key).toBe('true')
      retried.set(op.key, response.text)
    }
    // And again: the same answer, byte for byte.
    for (const op of operations.slice(0, 40)) expect((await send(op)).text).toBe(retried.get(op.key))

    // Each key's work is in the database exactly once.
    const titles = new Map<string, number>()
    for (let cursor: string | null = null; ; ) {
      const page: { items: Array<{ title: string }>; nextCursor: string | null } = await ok('GET', `/projects?year=${YEAR}&limit=200${cursor ? `&cursor=${cursor}` : ''}`)
      for (const p of page.items) titles.set(p.title, (titles.get(p.title) ?? 0) + 1)
      if (!(cursor = page.nextCursor)) break
    }
    const ledgers = (await Promise.all(implementing.map(async (id) => (await ok('GET', `/projects/${id}`)).context.ledger as Array<{ content: string }>))).flat()
    const updates = (await Promise.all(drafts.map(async (id) => (await ok('GET', `/projects/${id}/history`)).items as Array<{ event: string; payload: { declaration?: { expectedResults?: string } } }>)))
      .flat()
      .filter((h) => h.event === 'UPDATE_DECLARATION')
    const organizations: string[] = []
    for (let cursor: string | null = null; ; ) {
      const page: { items: Array<{ name: string }>; nextCursor: string | null } = await ok('GET', `/organizations?limit=200${cursor ? `&cursor=${cursor}` : ''}`)
      organizations.push(...page.items.map((o) => o.name))
      if (!(cursor = page.nextCursor)) break
    }
    const applied = (op: Operation) =>
      op.kind === 'creation'
        ? (titles.get(op.mark) ?? 0)
        : op.kind === 'ledger'
          ? ledgers.filter((l) => l.content === op.mark).length
          : op.kind === 'update'
            ? updates.filter((u) => u.payload.declaration?.expectedResults === op.mark).length
            : organizations.filter((name) => name === op.mark).length
    const twice = operations.filter((op) => applied(op) > 1).map((op) => op.key)
    const never = operations.filter((op) => applied(op) === 0).map((op) => op.key)
    expect({ twice, never }).toEqual({ twice: [], never: [] })
  }, 240_000)
})
