/**
 * Migrating N running projects to another machine version: loads N foundation drafts on
 * version 1 (each with its declaration-deadline timer) through the
 * engine's set-based writer, previews the migration to version 2, applies it through the runner
 * (batches of 500, each one transaction through the engine's writer), then fires the March deadline
 * on the same projects for the sweep's rate beside it. Prints rates and peak memory; asserts nothing.
 *
 *   npm run bench:migrate                                                   # N=10000, PGlite in memory
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test BENCH_PROJECTS=100000 npm run bench:migrate
 */
import { pino } from 'pino'
import { machineRegistry } from '../machines/index.js'
import { standardDefaults } from '../src/calendar/year-calendar.js'
import { ManualClock } from '../src/engine/clock.js'
import { previewMigration, recordMigration, resolveMigration } from '../src/engine/migrate.js'
import { createService } from '../src/service.js'
import { openBenchDatabase } from './support/database.js'
import { seedDrafts } from './support/drafts.js'

const projects = Number(process.env.BENCH_PROJECTS ?? 10_000)

let peakRss = 0
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 25)
const mib = (bytes: number) => Math.round(bytes / 2 ** 20)
const phasePeaks: Record<string, number> = {}
const endPhase = (name: string) => {
  phasePeaks[name] = mib(Math.max(peakRss, process.memoryUsage().rss))
  peakRss = 0
}

const database = await openBenchDatabase(4)
const clock = new ManualClock('2026-02-01T00:00:00.000Z')
const { scheduler, migrations, app } = await createService({ database, clock, logger: pino({ level: 'silent' }), scheduler: { intervalMs: 1000, batchSize: 1000 } })

// The database a real upgrade meets: the projects started while version 1 was current.
const loadStart = performance.now()
const current = machineRegistry.foundation.current
machineRegistry.foundation.current = 1
await seedDrafts(database, projects, { type: 'foundation', year: 2026, now: clock.now() })
machineRegistry.foundation.current = current
const loadMs = performance.now() - loadStart
endPhase('load')

const request = resolveMigration({ type: 'foundation', fromVersion: 1, toVersion: 2 })
const previewStart = performance.now()
const preview = await previewMigration(database.db, request, { now: clock.now(), actor: 'bench', calendarDefaults: standardDefaults })
const previewMs = performance.now() - previewStart
endPhase('preview')

const migrateStart = performance.now()
await recordMigration(database.db, request, 'bench', clock.now())
const { moved, blocked } = await migrations.runPending()
const migrateMs = performance.now() - migrateStart
endPhase('migrate')

clock.advanceTo('2026-04-01T00:00:00.000+08:00')
const sweepStart = performance.now()
const { fired } = await scheduler.runDue()
const sweepMs = performance.now() - sweepStart
endPhase('sweep')
clearInterval(sampler)

console.log(
  JSON.stringify(
    {
      database: database.kind,
      projects,
      load: { ms: Math.round(loadMs), projectsPerSecond: Math.round(projects / (loadMs / 1000)) },
      preview: { ms: Math.round(previewMs), projectsPerSecond: Math.round(preview.projects / (previewMs / 1000)), movable: preview.movable },
      migrate: { moved, blocked, ms: Math.round(migrateMs), projectsPerSecond: Math.round(moved / (migrateMs / 1000)) },
      sweepAfterwards: { fired, ms: Math.round(sweepMs), projectsPerSecond: Math.round(fired / (sweepMs / 1000)) },
      peakRssMiB: phasePeaks,
    },
    null,
    2,
  ),
)

await app.close()
await database.drop()
