/**
 * The engine against a bare baseline (issue 7 §1), on PostgreSQL (DATABASE_URL, required):
 * seeds N projects, then drives `POST /api/v1/projects/:id/events` (UPDATE_DECLARATION on a
 * draft: cheap and always valid) and `GET /api/v1/projects/:id` on random projects with
 * autocannon, first against the service, then against a minimal Fastify + pg server doing the
 * same transaction shape by hand (SELECT … FOR UPDATE, UPDATE snapshot/version, INSERT history,
 * INSERT outbox) with the same pool size. Each server runs in a process of its own
 * (bench/support/http-target.ts); this one only seeds and generates load. The two take turns
 * for BENCH_ROUNDS rounds; prints each side's medians and the engine's ratios; asserts nothing.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:http
 *   BENCH_PROJECTS=100000 BENCH_SECONDS=20 BENCH_CONNECTIONS=32 BENCH_POOL=10 BENCH_ROUNDS=3
 *   BENCH_ONLY=engine|bare     run one side only
 *   BENCH_METRICS=1            the engine with its metrics counted (README "Metrics"; compare with a run without)
 *   BENCH_ROUTES=get|post      drive one route only
 *   BENCH_PROFILE=dir          write --cpu-prof profiles of each server into dir/engine, dir/bare
 *                              (the largest file is the main thread's; the other is tsx's loader)
 */
import autocannon from 'autocannon'
import { postgresCpu, postgresCpuBetween, processCpuSeconds } from './support/cpu.js'
import { openBenchDatabase } from './support/database.js'
import { seedDrafts } from './support/drafts.js'
import { benchRequest, startTarget, type Kind, type Route } from './support/targets.js'

if (!process.env.DATABASE_URL) throw new Error('bench:http compares against a bare pg server: set DATABASE_URL')
const projects = Number(process.env.BENCH_PROJECTS ?? 100_000)
const seconds = Number(process.env.BENCH_SECONDS ?? 20)
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32)
const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
const poolSize = Number(process.env.BENCH_POOL ?? 10)
const only = process.env.BENCH_ONLY
const profileDir = process.env.BENCH_PROFILE
const routes: Route[] = process.env.BENCH_ROUTES === 'get' ? ['get'] : process.env.BENCH_ROUTES === 'post' ? ['post'] : ['post', 'get']

const database = await openBenchDatabase(poolSize)
const seedStart = performance.now()
const { ids, schema } = await seedDrafts(database, projects)
const seedMs = performance.now() - seedStart

function load(url: string, kind: Kind, route: Route, duration: number) {
  return autocannon({ url, connections, duration, requests: [benchRequest(kind, route, ids)] })
}

/** One run of `seconds`, with where each request's time went: the server's CPU and the local PostgreSQL's. */
async function measure(target: { url: string; pid: number }, kind: Kind, route: Route) {
  const before = { server: processCpuSeconds(target.pid), database: postgresCpu() }
  const r = await load(target.url, kind, route, seconds)
  const after = { server: processCpuSeconds(target.pid), database: postgresCpu() }
  const perRequest = (seconds?: number) => (seconds === undefined ? undefined : Math.round((seconds * 1e6) / r.requests.total) / 1000)
  const server = before.server === undefined || after.server === undefined ? undefined : after.server - before.server
  return {
    reqPerSecond: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
    serverCpuMsPerRequest: perRequest(server),
    databaseCpuMsPerRequest: perRequest(postgresCpuBetween(before.database, after.database)),
  }
}

// Both servers run side by side and take turns, round after round, so that a machine whose
// speed drifts (a shared VM) slows both alike; the figures are each side's medians.
const kinds: Kind[] = only === 'bare' ? ['bare'] : only === 'engine' ? ['engine'] : ['engine', 'bare']
const startOne = (kind: Kind) =>
  startTarget(kind, { schema, poolSize, ...(profileDir ? { node: ['--cpu-prof', `--cpu-prof-dir=${profileDir}/${kind}`] } : {}) })
const targets = Object.fromEntries(await Promise.all(kinds.map(async (kind) => [kind, await startOne(kind)] as const))) as Record<Kind, Awaited<ReturnType<typeof startTarget>>>
for (const kind of kinds) for (const route of routes) await load(targets[kind].url, kind, route, 2) // warm the JIT and the pools
const runs: Record<Kind, Record<Route, Array<Awaited<ReturnType<typeof measure>>>>> = { engine: { post: [], get: [] }, bare: { post: [], get: [] } }
for (let round = 0; round < rounds; round++) {
  for (const route of routes) for (const kind of kinds) runs[kind][route].push(await measure(targets[kind], kind, route))
}
const peakRss: Partial<Record<Kind, number>> = {}
for (const kind of kinds) peakRss[kind] = (await targets[kind].stop()).peakRssMiB

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const summary = (kind: Kind) => {
  const of = (route: Route) => {
    const r = runs[kind][route]
    if (!r.length) return undefined
    const m = (pick: (x: (typeof r)[number]) => number | undefined) => {
      const values = r.map(pick).filter((v): v is number => v !== undefined)
      return values.length ? median(values) : undefined
    }
    return {
      reqPerSecond: m((x) => x.reqPerSecond)!,
      p50: m((x) => x.p50)!,
      p99: m((x) => x.p99)!,
      serverCpuMsPerRequest: m((x) => x.serverCpuMsPerRequest),
      databaseCpuMsPerRequest: m((x) => x.databaseCpuMsPerRequest),
      non2xx: r.reduce((n, x) => n + x.non2xx, 0),
      errors: r.reduce((n, x) => n + x.errors, 0),
      rounds: r.map((x) => x.reqPerSecond),
    }
  }
  return { post: of('post'), get: of('get'), peakRssMiB: peakRss[kind] }
}
const engine = kinds.includes('engine') ? summary('engine') : undefined
const baseline = kinds.includes('bare') ? summary('bare') : undefined

const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100
console.log(
  JSON.stringify(
    {
      projects,
      seconds,
      rounds,
      connections,
      poolSize,
      seed: { ms: Math.round(seedMs) },
      engine,
      baseline,
      ...(engine && baseline
        ? {
            ratios: {
              ...(engine.post && baseline.post
                ? { postReqPerSecond: ratio(engine.post.reqPerSecond, baseline.post.reqPerSecond), postP99: ratio(engine.post.p99, baseline.post.p99) }
                : {}),
              ...(engine.get && baseline.get
                ? { getReqPerSecond: ratio(engine.get.reqPerSecond, baseline.get.reqPerSecond), getP99: ratio(engine.get.p99, baseline.get.p99) }
                : {}),
            },
          }
        : {}),
    },
    null,
    2,
  ),
)
await database.drop()
