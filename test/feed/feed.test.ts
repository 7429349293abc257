import type { FastifyInstance } from 'fastify'
import fc from 'fast-check'
import { sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPrincipal } from '../../src/domain/principals.js'
import { positionAllCommitted } from '../../src/domain/feed.js'
import type { ManualClock } from '../../src/engine/clock.js'
import type { Scheduler } from '../../src/scheduler/scheduler.js'
import { createTestApp } from '../support/app.js'
import { databaseKinds, openTestDatabase, type TestDatabase } from '../support/databases.js'
import { pathTo, payloads } from '../support/fixtures.js'
import { client } from '../support/http.js'
import { seedProgramme } from '../support/programme.js'

/**
 * The feed's promise (docs/event-feed.md): a consumer that reads GET /api/v1/events from the start,
 * or from any cursor it was given, and applies each event in the order served, ends with every
 * project at its stored state and version; nothing missing, nothing twice. Attacked across digit
 * boundaries of ids, positions and transaction ids, restarts, two services on one database, the
 * scheduler sweeping while HTTP writes, 50 writers on one project, and open transactions elsewhere.
 */
interface FeedItem {
  cursor: string
  id: string
  topic: string
  projectId: string | null
  payload: { from?: string | null; to?: string; version?: number }
}

describe.each(databaseKinds)('the event feed on %s', (kind) => {
  let database: TestDatabase
  let app: FastifyInstance
  let clock: ManualClock
  let scheduler: Scheduler
  let consumerToken: string
  let org: string

  const reopen = async () => {
    await app?.close()
    ;({ app, clock, scheduler } = await createTestApp(database, clock ? { start: clock.now().toISOString() } : {}))
  }

  const page = async (target: FastifyInstance, after: string | undefined, limit: number) => {
    const response = await target.inject({
      method: 'GET',
      url: `/api/v1/events?limit=${limit}${after ? `&after=${after}` : ''}`,
      headers: { authorization: `Bearer ${consumerToken}` },
    })
    expect(response.statusCode, response.body).toBe(200)
    return response.json() as { items: FeedItem[]; nextCursor: string }
  }

  /** Reads until a page comes back short; returns everything read and where it stopped. */
  const drain = async (target: FastifyInstance, after: string | undefined, limit: number) => {
    const items: FeedItem[] = []
    let cursor = after
    for (;;) {
      const next = await page(target, cursor, limit)
      items.push(...next.items)
      if (next.items.length > 0) expect(next.nextCursor).toBe(next.items.at(-1)!.cursor)
      cursor = next.nextCursor
      if (next.items.length < limit) return { items, cursor: cursor! }
    }
  }

  /** What the database holds, in feed order, once everything committed has a position. */
  const stored = async () => {
    await positionAllCommitted(database.db)
    const rows = await sql<{ id: string }>`select id::text as id from outbox order by position`.execute(database.db)
    const unpositioned = await sql<{ n: number }>`select count(*)::int as n from outbox where position is null`.execute(database.db)
    expect(unpositioned.rows[0]!.n).toBe(0)
    return rows.rows.map((r) => r.id)
  }

  /** Applies the feed as a consumer would and compares the result with every project in the database. */
  const expectReplayMatches = async (items: FeedItem[]) => {
    const replayed = new Map<string, { state: string; version: number }>()
    for (const item of items) {
      if (item.topic !== 'project.created' && item.topic !== 'project.transitioned') continue
      const before = replayed.get(item.projectId!)
      // One project's events arrive in version order, without gaps.
      expect(item.payload.version, `${item.projectId} after version ${before?.version}`).toBe((before?.version ?? 0) + 1)
      expect(item.payload.from ?? null).toBe(before?.state ?? null)
      replayed.set(item.projectId!, { state: item.payload.to!, version: item.payload.version! })
    }
    const projects = await database.db.selectFrom('project').select(['id', 'state', 'version']).execute()
    expect(replayed.size).toBe(projects.length)
    for (const project of projects) expect(replayed.get(project.id), project.id).toEqual({ state: project.state, version: project.version })
  }

  beforeAll(async () => {
    database = await openTestDatabase(kind)
    await seedProgramme(database.db, [2026, 2027])
    await reopen()
    org = await client(app).organization('事件流党支部')
    consumerToken = (await createPrincipal(database.db, { name: '事件流消费者', role: 'system', scopes: ['events:read'] }, 'test', new Date())).token
  })
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  it('serves every event once, in order, across digit boundaries of ids, positions and transaction ids, and restarts', async () => {
    const txid = async () => BigInt((await sql<{ t: string }>`select pg_current_xact_id()::text as t`.execute(database.db)).rows[0]!.t)
    // Transaction ids past the next power of ten: on a fresh PGlite that is 999 → 1,000 after a few
    // hundred writes; on a PostgreSQL cluster, burnt here when the boundary is within reach.
    const start = await txid()
    const boundary = 10n ** BigInt(start.toString().length)
    const burn = kind === 'postgres' && boundary - start < 100_000n ? Number(boundary - start) + 50 : 0
    for (let i = 0; i < burn; i += 500) {
      await Promise.all(Array.from({ length: Math.min(500, burn - i) }, () => sql`select pg_current_xact_id()`.execute(database.db)))
    }
    // Outbox ids and feed positions across 999 → 1,000, 2^31 and 2^53 (where a JavaScript number stops being exact).
    const jumps = [
      { id: 990n, position: 995n },
      { id: 2n ** 31n - 4n, position: 2n ** 31n - 3n },
      { id: 2n ** 53n - 4n, position: 2n ** 53n - 3n },
      { id: 10n ** 18n - 3n, position: 10n ** 18n - 2n },
    ]
    const ids: string[] = []
    let writes = 0
    for (const [i, jump] of jumps.entries()) {
      await positionAllCommitted(database.db)
      await sql`select setval('outbox_id_seq', ${jump.id.toString()}::bigint)`.execute(database.db)
      await sql`update feed_head set position = ${jump.position.toString()}::bigint`.execute(database.db)
      const count = i === 0 ? 260 : 12
      for (let n = 0; n < count; n += 2) {
        ids.push(await client(app).project('innovation', org, 2027))
        await client(app).send(ids.at(-1)!, { type: 'UPDATE_DECLARATION', ...payloads.UPDATE_DECLARATION })
        writes += 2
      }
      // A restart half-way: positions and cursors are in the database, not in the process.
      if (i === 1) await reopen()
    }
    if (kind === 'pglite' || burn > 0) expect((await txid()).toString().length).toBeGreaterThan(start.toString().length)
    const truth = await stored()
    expect(truth.length).toBeGreaterThan(writes)

    for (const limit of [1, 7, 100, 1000]) {
      const { items, cursor } = await drain(app, undefined, limit)
      expect(items.map((e) => e.id), `limit ${limit}`).toEqual(truth)
      // Asking again where it stopped gives nothing new and the same cursor.
      expect(await page(app, cursor, limit)).toEqual({ items: [], nextCursor: cursor })
    }
    // From any cursor it was given, a consumer gets exactly the rest.
    const { items } = await drain(app, undefined, 1000)
    for (const at of [0, 1, 2, 255, 256, 257, items.length - 30, items.length - 13, items.length - 2, items.length - 1]) {
      const rest = await drain(app, items[at]!.cursor, 37)
      expect(rest.items.map((e) => e.id), `after #${at}`).toEqual(truth.slice(at + 1))
    }
    await expectReplayMatches(items)
  })

  it('a consumer that reads while 50 writers hit one project, others write elsewhere and the scheduler sweeps ends where the database is', async () => {
    const second = kind === 'postgres' ? await createTestApp({ ...database, ...database.another() } as TestDatabase, { start: clock.now().toISOString() }) : undefined
    const services = [app, ...(second ? [second.app] : [])]
    let run = 0
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            hot: fc.integer({ min: 20, max: 50 }),
            others: fc.integer({ min: 3, max: 10 }),
            drafts: fc.integer({ min: 2, max: 12 }),
            limit: fc.integer({ min: 1, max: 60 }),
          }),
          async ({ hot, others, drafts, limit }) => {
            // Each run sweeps the March deadline of a year of its own.
            const year = 2026 + run++
            const api = client(app)
            const implementing = await api.project('promotion', org, 2026, pathTo.implementing)
            const elsewhere = await Promise.all(Array.from({ length: others }, () => api.project('innovation', org, year + 1)))
            // Drafts of the March round, swept to 逾期未申报 while the writers write.
            for (let i = 0; i < drafts; i++) await api.project('innovation', org, year)
            const start = (await drain(app, undefined, 1000)).cursor

            const seen: FeedItem[] = []
            let writing = true
            let cursor = start
            const consumer = (async () => {
              for (let round = 0; writing; round++) {
                const next = await page(services[round % services.length]!, cursor, limit)
                seen.push(...next.items)
                cursor = next.nextCursor
                await new Promise((r) => setTimeout(r, 2))
              }
            })()
            const ledger = Array.from({ length: hot }, (_, i) =>
              services[i % services.length]!.inject({
                method: 'POST',
                url: `/api/v1/projects/${implementing}/events`,
                payload: { type: 'RECORD_LEDGER_ENTRY', date: '2026-06-01', content: `并发台账 ${i}`, evidence: [] },
              }),
            )
            const updates = elsewhere.flatMap((id, i) =>
              [0, 1, 2].map((n) =>
                services[(i + n) % services.length]!.inject({
                  method: 'POST',
                  url: `/api/v1/projects/${id}/events`,
                  payload: { type: 'UPDATE_DECLARATION', declaration: { expectedResults: `修改 ${n}` } },
                }),
              ),
            )
            const sweep = scheduler.advanceTo(new Date(`${year}-04-01T00:00:01+08:00`))
            const responses = await Promise.all([...ledger, ...updates])
            await sweep
            for (const response of responses) expect(response.statusCode, response.body).toBe(200)
            writing = false
            await consumer
            seen.push(...(await drain(app, cursor, limit)).items)

            const everything = [...(await drain(app, undefined, 1000)).items]
            const truth = await stored()
            expect(everything.map((e) => e.id)).toEqual(truth)
            const tail = truth.slice(truth.indexOf(everything.find((e) => e.cursor === start)?.id ?? '') + 1)
            expect(seen.map((e) => e.id)).toEqual(tail)
            expect(new Set(seen.map((e) => e.id)).size).toBe(seen.length)
            await expectReplayMatches(everything)
          },
        ),
        { numRuns: kind === 'postgres' ? 4 : 3 },
      )
    } finally {
      await second?.app.close()
    }
  }, 240_000)

  it('serves to a reader every event committed before it asked, while another positioner works', async () => {
    const second = kind === 'postgres' ? await createTestApp({ ...database, ...database.another() } as TestDatabase, { start: clock.now().toISOString() }) : undefined
    const other = second?.app ?? app
    const api = client(app)
    const id = await api.project('innovation', org, 2033)
    // Background work on the other service: writers and a positioner that never waits.
    let running = true
    const background = (async () => {
      for (let i = 0; running; i++) {
        await client(other).send(id, { type: 'UPDATE_DECLARATION', declaration: { expectedResults: `背景 ${i}` } })
        await positionAllCommitted(database.db)
      }
    })()
    try {
      let missed = 0
      for (let i = 0; i < 60; i++) {
        const { cursor } = await drain(other, undefined, 1000)
        const written = await client(app).send(id, { type: 'UPDATE_DECLARATION', declaration: { expectedResults: `读前已提交 ${i}` } })
        const served = (await page(other, cursor, 1000)).items
        if (!served.some((e) => e.projectId === id && e.payload.version === written.version)) missed += 1
      }
      expect(missed).toBe(0)
    } finally {
      running = false
      await background
      await second?.app.close()
    }
  }, 120_000)

  it.runIf(kind === 'postgres')('is not held back by a transaction left open in another database of the cluster, or in this one', async () => {
    const otherDatabase = new URL(process.env.TEST_DATABASE_URL!)
    otherDatabase.pathname = '/postgres'
    const elsewhere = new pg.Client({ connectionString: otherDatabase.toString() })
    await elsewhere.connect()
    const here = await database.db.startTransaction().execute()
    try {
      await elsewhere.query('begin')
      await elsewhere.query('select pg_current_xact_id()')
      // An uncommitted outbox row in this database: invisible until it commits, then served after what came before.
      const [anyProject] = await database.db.selectFrom('project').select('id').limit(1).execute()
      await here.insertInto('outbox').values({ project_id: anyProject!.id, topic: 'spotcheck.drawn', payload: '{}', created_at: new Date() }).execute()
      const { cursor } = await drain(app, undefined, 1000)
      const api = client(app)
      const id = await api.project('innovation', org, 2027)
      const fresh = await drain(app, cursor, 100)
      expect(fresh.items.map((e) => [e.projectId, e.topic])).toEqual([[id, 'project.created']])
      await here.commit().execute()
      const late = await drain(app, fresh.cursor, 100)
      expect(late.items.map((e) => e.topic)).toEqual(['spotcheck.drawn'])
    } finally {
      if (!here.isCommitted && !here.isRolledBack) await here.rollback().execute()
      await elsewhere.query('rollback').catch(() => undefined)
      await elsewhere.end()
    }
  })

  it('refuses cursors it did not issue with 400 INVALID_CURSOR, and still takes the cursors it issued before positions', async () => {
    const encode = (text: string) => Buffer.from(text).toString('base64url')
    const refusedCursors = [
      'bm9wZQ',
      encode(`f${2n ** 63n}`),
      encode(`f${2n ** 64n}`),
      encode('f-1'),
      encode('f01'),
      encode('f1e3'),
      encode('f'),
      encode(`1:${2n ** 63n}`),
      encode('1:99999999999'),
      `${encode('f5')}=`,
      `${encode('f5')}!`,
      '%00',
      encode('f5\u0000'),
      "' or 1=1",
    ]
    for (const after of refusedCursors) {
      const response = await app.inject({
        method: 'GET',
        url: `/api/v1/events?after=${encodeURIComponent(after)}`,
        headers: { authorization: `Bearer ${consumerToken}` },
      })
      expect(response.statusCode, after).toBe(400)
      expect(response.json().code, after).toBe('INVALID_CURSOR')
    }
    const { items } = await drain(app, undefined, 1000)
    const tenth = items[9]!
    const legacy = await drain(app, encode(`4242:${tenth.id}`), 1000)
    expect(legacy.items.map((e) => e.id)).toEqual(items.slice(10).map((e) => e.id))
    expect((await drain(app, encode('0:0'), 1000)).items.length).toBe(items.length)
  })
})
