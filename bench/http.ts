/**
 * The engine against a bare baseline (issue 7 §1), on PostgreSQL (DATABASE_URL, required):
 * seeds N projects, then drives `POST /api/v1/projects/:id/events` (UPDATE_DECLARATION on a
 * draft: cheap and always valid) and `GET /api/v1/projects/:id` on random projects with
 * autocannon, first against the service, then against a minimal Fastify + pg server doing the
 * same transaction shape by hand (SELECT … FOR UPDATE, UPDATE snapshot/version, INSERT history,
 * INSERT outbox) with the same pool size. Prints figures and the engine's ratios; asserts nothing.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:http
 *   BENCH_PROJECTS=100000 BENCH_SECONDS=20 BENCH_CONNECTIONS=32 BENCH_POOL=10
 */
import { randomUUID } from 'node:crypto'
import autocannon from 'autocannon'
import Fastify from 'fastify'
import { sql } from 'kysely'
import pg from 'pg'
import { pino } from 'pino'
import { createOrganization, getOrganization } from '../src/domain/organizations.js'
import { ensureAdmin } from '../src/domain/principals.js'
import { systemClock } from '../src/engine/clock.js'
import { planStart } from '../src/engine/plan.js'
import { writeTransitions } from '../src/engine/write.js'
import { defaultCalendar } from '../src/scheduler/calendar.js'
import { createService } from '../src/service.js'
import { openBenchDatabase } from './support/database.js'

if (!process.env.DATABASE_URL) throw new Error('bench:http compares against a bare pg server: set DATABASE_URL')
const projects = Number(process.env.BENCH_PROJECTS ?? 100_000)
const seconds = Number(process.env.BENCH_SECONDS ?? 20)
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32)
const poolSize = Number(process.env.BENCH_POOL ?? 10)

let peakRss = 0
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50)

const database = await openBenchDatabase(poolSize)
const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(database.db)).rows[0]!.s
const token = 'djf_bench_admin_token_0123456789'
await ensureAdmin(database.db, token, new Date())
const org = await getOrganization(
  database.db,
  (await createOrganization(database.db, { name: '压测党支部', category: 'village', secretary: '书记', leaderInCharge: '委员' }, new Date())).id,
)

const seedStart = performance.now()
const ids: string[] = []
const calendar = defaultCalendar(2027)
for (let done = 0; done < projects; done += 1000) {
  const plans = Array.from({ length: Math.min(1000, projects - done) }, (_, i) =>
    planStart(
      { type: 'innovation', organizationId: org.id, year: 2027, declaration: { title: `压测项目 ${done + i + 1}` } },
      org,
      { now: new Date(), actor: 'bench', calendarOf: () => calendar, minReviews: 3 },
    ),
  )
  await database.db.transaction().execute((trx) => writeTransitions(trx, plans))
  ids.push(...plans.map((p) => p.project.id))
}
const seedMs = performance.now() - seedStart
await sql`analyze`.execute(database.db)

const randomId = () => ids[Math.floor(Math.random() * ids.length)]
const eventBody = JSON.stringify({ type: 'UPDATE_DECLARATION', declaration: { expectedResults: '压测' } })

async function drive(url: string, headers: Record<string, string>) {
  const post = await autocannon({
    url,
    connections,
    duration: seconds,
    requests: [{ method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, setupRequest: (r) => ({ ...r, path: `/api/v1/projects/${randomId()}/events`, body: eventBody }) }],
  })
  const get = await autocannon({
    url,
    connections,
    duration: seconds,
    requests: [{ method: 'GET', headers, setupRequest: (r) => ({ ...r, path: `/api/v1/projects/${randomId()}` }) }],
  })
  const figures = (r: autocannon.Result) => ({
    reqPerSecond: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
  })
  return { post: figures(post), get: figures(get) }
}

// The service.
const service = await createService({ database, clock: systemClock, logger: pino({ level: 'silent' }), rateLimitPerMinute: 1e9 })
const serviceUrl = await service.app.listen({ host: '127.0.0.1', port: 0 })
const engine = await drive(serviceUrl, { authorization: `Bearer ${token}` })
await service.app.close()

// The bare baseline: the same tables and transaction, written by hand.
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: poolSize, options: `-c search_path=${schema}` })
const bare = Fastify()
bare.post<{ Params: { id: string }; Body: { type: string; declaration: Record<string, unknown> } }>('/api/v1/projects/:id/events', async (request, reply) => {
  const client = await pool.connect()
  try {
    await client.query('begin')
    const { rows } = await client.query('select snapshot, version, state from project where id = $1 for update', [request.params.id])
    if (!rows[0]) {
      await client.query('rollback')
      return reply.code(404).send({ code: 'PROJECT_NOT_FOUND' })
    }
    const snapshot = rows[0].snapshot
    snapshot.context.declaration = { ...snapshot.context.declaration, ...request.body.declaration }
    const now = new Date()
    await client.query('update project set snapshot = $2, version = version + 1, updated_at = $3 where id = $1', [request.params.id, JSON.stringify(snapshot), now])
    await client.query(
      'insert into project_history (project_id, version, from_state, event_type, event, to_state, actor, at) values ($1, $2, $3, $4, $5, $3, $6, $7)',
      [request.params.id, rows[0].version + 1, rows[0].state, request.body.type, JSON.stringify(request.body), 'bench', now],
    )
    await client.query('insert into outbox (project_id, topic, payload, created_at) values ($1, $2, $3, $4)', [
      request.params.id,
      'project.transitioned',
      JSON.stringify({ projectId: request.params.id, id: randomUUID() }),
      now,
    ])
    await client.query('commit')
    return { id: request.params.id, version: rows[0].version + 1, state: rows[0].state, context: snapshot.context }
  } catch (error) {
    await client.query('rollback')
    throw error
  } finally {
    client.release()
  }
})
bare.get<{ Params: { id: string } }>('/api/v1/projects/:id', async (request) => {
  const { rows } = await pool.query('select * from project where id = $1', [request.params.id])
  return rows[0]
})
const bareUrl = await bare.listen({ host: '127.0.0.1', port: 0 })
const baseline = await drive(bareUrl, {})
await bare.close()
await pool.end()
clearInterval(sampler)

const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100
console.log(
  JSON.stringify(
    {
      projects,
      seconds,
      connections,
      poolSize,
      seed: { ms: Math.round(seedMs) },
      engine,
      baseline,
      ratios: {
        postReqPerSecond: ratio(engine.post.reqPerSecond, baseline.post.reqPerSecond),
        postP99: ratio(engine.post.p99, baseline.post.p99),
        getReqPerSecond: ratio(engine.get.reqPerSecond, baseline.get.reqPerSecond),
        getP99: ratio(engine.get.p99, baseline.get.p99),
      },
      peakRssMiB: Math.round(peakRss / 2 ** 20),
    },
    null,
    2,
  ),
)
await database.drop()
