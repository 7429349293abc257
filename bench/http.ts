/**
 * The engine against a bare baseline (issue 7 §1), on PostgreSQL (DATABASE_URL, required):
 * seeds N projects, then drives `POST /api/v1/projects/:id/events` (UPDATE_DECLARATION on a
 * draft: cheap and always valid) and `GET /api/v1/projects/:id` on random projects with
 * autocannon, first against the service, then against a minimal Fastify + pg server doing the
 * same transaction shape by hand (SELECT … FOR UPDATE, UPDATE snapshot/version, INSERT history,
 * INSERT outbox) with the same pool size. Each server runs in a process of its own
 * (bench/support/http-target.ts); this one only seeds and generates load. Prints figures and
 * the engine's ratios; asserts nothing.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:http
 *   BENCH_PROJECTS=100000 BENCH_SECONDS=20 BENCH_CONNECTIONS=32 BENCH_POOL=10
 *   BENCH_ONLY=engine|bare     run one side only
 *   BENCH_PROFILE=dir          write --cpu-prof profiles of each server into dir/engine, dir/bare
 *                              (the largest file is the main thread's; the other is tsx's loader)
 */
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import autocannon from 'autocannon'
import { sql } from 'kysely'
import { createOrganization, getOrganization } from '../src/domain/organizations.js'
import { ensureAdmin } from '../src/domain/principals.js'
import { planStart } from '../src/engine/plan.js'
import { writeTransitions } from '../src/engine/write.js'
import { defaultCalendar } from '../src/scheduler/calendar.js'
import { postgresCpuSeconds, processCpuSeconds } from './support/cpu.js'
import { openBenchDatabase } from './support/database.js'

if (!process.env.DATABASE_URL) throw new Error('bench:http compares against a bare pg server: set DATABASE_URL')
const projects = Number(process.env.BENCH_PROJECTS ?? 100_000)
const seconds = Number(process.env.BENCH_SECONDS ?? 20)
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32)
const poolSize = Number(process.env.BENCH_POOL ?? 10)
const only = process.env.BENCH_ONLY
const profileDir = process.env.BENCH_PROFILE

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

/** Starts a server process and resolves once it prints where it listens. */
async function startTarget(kind: 'engine' | 'bare') {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}/${kind}`] : []), 'bench/support/http-target.ts', kind],
    { env: { ...process.env, BENCH_SCHEMA: schema, BENCH_POOL: String(poolSize) }, stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]()
  const first = await lines.next()
  if (first.done) throw new Error(`the ${kind} server exited before listening`)
  const { url } = JSON.parse(first.value) as { url: string }
  return {
    url,
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGTERM')
      const last = await lines.next()
      return (JSON.parse(last.value) as { peakRssMiB: number }).peakRssMiB
    },
  }
}

async function drive(kind: 'engine' | 'bare', headers: Record<string, string>) {
  const target = await startTarget(kind)
  const post = (duration: number) =>
    autocannon({
      url: target.url,
      connections,
      duration,
      requests: [
        {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          setupRequest: (r) => ({ ...r, path: `/api/v1/projects/${randomId()}/events`, body: eventBody }),
        },
      ],
    })
  const get = (duration: number) =>
    autocannon({
      url: target.url,
      connections,
      duration,
      requests: [{ method: 'GET', headers, setupRequest: (r) => ({ ...r, path: `/api/v1/projects/${randomId()}` }) }],
    })
  // Warm the JIT and the pool first; only the second runs count.
  await post(2)
  await get(2)
  // Where a request's time goes: the server's CPU and the local PostgreSQL's, per request.
  const measured = async (run: () => Promise<autocannon.Result>) => {
    const before = { server: processCpuSeconds(target.pid), database: postgresCpuSeconds() }
    const r = await run()
    const after = { server: processCpuSeconds(target.pid), database: postgresCpuSeconds() }
    const perRequest = (a?: number, b?: number) =>
      a === undefined || b === undefined ? undefined : Math.round(((b - a) * 1e6) / r.requests.total) / 1000
    return {
      reqPerSecond: Math.round(r.requests.average),
      p50: r.latency.p50,
      p99: r.latency.p99,
      non2xx: r.non2xx,
      errors: r.errors,
      serverCpuMsPerRequest: perRequest(before.server, after.server),
      databaseCpuMsPerRequest: perRequest(before.database, after.database),
    }
  }
  const result = { post: await measured(() => post(seconds)), get: await measured(() => get(seconds)) }
  return { ...result, peakRssMiB: await target.stop() }
}

const engine = only === 'bare' ? undefined : await drive('engine', { authorization: `Bearer ${token}` })
const baseline = only === 'engine' ? undefined : await drive('bare', {})

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
      ...(engine && baseline
        ? {
            ratios: {
              postReqPerSecond: ratio(engine.post.reqPerSecond, baseline.post.reqPerSecond),
              postP99: ratio(engine.post.p99, baseline.post.p99),
              getReqPerSecond: ratio(engine.get.reqPerSecond, baseline.get.reqPerSecond),
              getP99: ratio(engine.get.p99, baseline.get.p99),
            },
          }
        : {}),
    },
    null,
    2,
  ),
)
await database.drop()
