/**
 * Event throughput over HTTP: projects in implementation receive RECORD_LEDGER_ENTRY events
 * from concurrent connections (loopback only, bounded in time). Prints figures; asserts nothing.
 *
 *   npm run bench                          # embedded PGlite (in memory)
 *   DATABASE_URL=postgres://… npm run bench
 *   BENCH_SECONDS=10 BENCH_CONNECTIONS=20 BENCH_PROJECTS=50 npm run bench
 */
import autocannon from 'autocannon'
import { pino } from 'pino'
import { openBenchDatabase } from './support/database.js'
import { systemClock } from '../src/engine/clock.js'
import { ensureAdmin } from '../src/domain/principals.js'
import { createService } from '../src/service.js'
import { seedProgramme } from '../test/support/programme.js'
import { declarations, pathTo } from '../test/support/fixtures.js'

const seconds = Number(process.env.BENCH_SECONDS ?? 10)
const connections = Number(process.env.BENCH_CONNECTIONS ?? 20)
const projectCount = Number(process.env.BENCH_PROJECTS ?? 50)

const database = await openBenchDatabase(20)

const { app, engine } = await createService({
  database,
  clock: systemClock,
  logger: pino({ level: 'silent' }),
  rateLimitPerMinute: 10_000_000,
})
const token = 'djf_bench_admin_token_0123456789'
await ensureAdmin(database.db, token, new Date())
const address = await app.listen({ host: '127.0.0.1', port: 0 })

const org = await app.inject({
  method: 'POST',
  url: '/api/v1/organizations',
  headers: { authorization: `Bearer ${token}` },
  payload: { name: '基准测试党支部', category: 'enterprise', secretary: '书记', leaderInCharge: '委员' },
})
await seedProgramme(database.db)
const setupStart = performance.now()
const ids: string[] = []
for (let i = 0; i < projectCount; i++) {
  const { project } = await engine.start(
    { type: 'innovation', organizationId: org.json().id, year: 2026, declaration: declarations.innovation },
    'bench',
  )
  for (const step of pathTo.implementing!) await engine.send(project.id, step, { actor: 'bench' })
  ids.push(project.id)
}
const setupMs = performance.now() - setupStart
const setupEvents = projectCount * (1 + pathTo.implementing!.length)

let next = 0
const body = JSON.stringify({ type: 'RECORD_LEDGER_ENTRY', date: '2026-06-01', content: '基准台账', evidence: [] })
const result = await autocannon({
  url: address,
  connections,
  duration: seconds,
  requests: [
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      setupRequest: (req) => ({ ...req, path: `/api/v1/projects/${ids[next++ % ids.length]}/events`, body }),
    },
  ],
})

const history = await database.db
  .selectFrom('project_history')
  .select((eb) => eb.fn.countAll().as('n'))
  .where('event_type', '=', 'RECORD_LEDGER_ENTRY')
  .executeTakeFirstOrThrow()

const rss = process.memoryUsage().rss / 2 ** 20
console.log(
  JSON.stringify(
    {
      database: database.kind,
      projects: projectCount,
      connections,
      seconds,
      setup: { events: setupEvents, eventsPerSecond: Math.round(setupEvents / (setupMs / 1000)) },
      http: {
        requests: result.requests.total,
        non2xx: result.non2xx,
        errors: result.errors,
        eventsPerSecond: Math.round(result.requests.average),
        latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
      },
      historyRowsWritten: Number(history.n),
      rssMiB: Math.round(rss),
    },
    null,
    2,
  ),
)

await app.close()
await database.drop()
