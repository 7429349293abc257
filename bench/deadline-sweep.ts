/**
 * The March deadline hitting N drafts at once: loads N foundation projects in draft (through the
 * engine's own set-based writer), moves the clock past 31 March and lets the scheduler fire every
 * timer. Prints projects transitioned per second, total time and peak memory; asserts nothing.
 *
 *   npm run bench:deadline                                   # N=10000, embedded PGlite (in memory)
 *   BENCH_PROJECTS=100000 npm run bench:deadline
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test BENCH_PROJECTS=100000 npm run bench:deadline
 *   BENCH_BATCH=1000 …                                        # timers per scheduler transaction
 */
import { pino } from 'pino'
import { openBenchDatabase } from './support/database.js'
import { ManualClock } from '../src/engine/clock.js'
import { createService } from '../src/service.js'
import { seedDrafts } from './support/drafts.js'

const projects = Number(process.env.BENCH_PROJECTS ?? 10_000)
const batchSize = Number(process.env.BENCH_BATCH ?? 1000)

let peakRss = 0
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 25)
const mib = (bytes: number) => Math.round(bytes / 2 ** 20)

const database = await openBenchDatabase(4)

const clock = new ManualClock('2026-02-01T00:00:00.000Z')
const { scheduler, app } = await createService({
  database,
  clock,
  logger: pino({ level: 'silent' }),
  scheduler: { intervalMs: 1000, batchSize },
})

const loadStart = performance.now()
await seedDrafts(database, projects, { type: 'foundation', year: 2026, now: clock.now() })
const loadMs = performance.now() - loadStart
const rssBeforeSweep = process.memoryUsage().rss

clock.advanceTo('2026-04-01T00:00:00.000+08:00')
const sweepStart = performance.now()
const { fired, skipped } = await scheduler.runDue()
const sweepMs = performance.now() - sweepStart
clearInterval(sampler)

const overdue = await database.db
  .selectFrom('project')
  .select((eb) => eb.fn.countAll().as('n'))
  .where('state', '=', 'overdueDeclaration')
  .executeTakeFirstOrThrow()

console.log(
  JSON.stringify(
    {
      database: database.kind,
      projects,
      batchSize,
      load: { ms: Math.round(loadMs), projectsPerSecond: Math.round(projects / (loadMs / 1000)) },
      sweep: {
        fired,
        skipped,
        overdueProjects: Number(overdue.n),
        ms: Math.round(sweepMs),
        projectsPerSecond: Math.round(fired / (sweepMs / 1000)),
      },
      memory: { rssBeforeSweepMiB: mib(rssBeforeSweep), peakRssMiB: mib(Math.max(peakRss, process.memoryUsage().rss)) },
    },
    null,
    2,
  ),
)

await app.close()
await database.drop()
