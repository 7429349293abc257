import { pino } from 'pino'
import { loadConfig } from './config.js'
import { DataFolderInUse } from './db/data-folder-lock.js'
import { openDatabase } from './db/open.js'
import { systemClock, type Clock } from './engine/clock.js'
import { DatabaseClock } from './engine/database-clock.js'
import { ensureAdmin } from './domain/principals.js'
import { writeAdminToken } from './admin-token.js'
import { createService } from './service.js'
import { carryOutReplanRequests } from './engine/replan.js'
import { recordCurrentVersions } from './domain/machine-versions.js'
import { removeAbandonedUploads } from './domain/project-files.js'
import { metricsServer } from './http/metrics.js'

const config = loadConfig()
const logger = pino({ level: config.logLevel })

const database = await openDatabase(config, logger).catch((error: unknown) => {
  if (!(error instanceof DataFolderInUse)) throw error
  logger.fatal(error.message)
  process.exit(1)
})
const clock = await serviceClock()
// A migration that moved deadlines leaves a request: the running projects' timers are re-planned before serving.
const replanned = await carryOutReplanRequests(database.db, config.calendarDefaults, clock.now())
if (replanned) logger.info(replanned, 'timers re-planned after a migration')
// Since when each machine version is the one new projects start on (GET /api/v1/machines/{type}/versions).
await recordCurrentVersions(database.db, clock.now())
const admin = await ensureAdmin(database.db, config.adminToken, clock.now())
if (admin.token) {
  // Never into the log, which shippers collect: a file only this user can read, and the terminal when there is one.
  const file = writeAdminToken(config.dataDir, admin.token)
  logger.warn({ file }, 'first start: an admin API token was created and written to this file, readable only by this user; keep it elsewhere and delete the file')
  if (process.stdout.isTTY) process.stdout.write(`\n  Admin API token (also in ${file}):\n  ${admin.token}\n\n`)
} else if (admin.created) {
  logger.info('ADMIN_TOKEN registered as an admin API token')
}
const { app, scheduler, dispatcher, migrations, files, metrics } = await createService({
  database,
  clock,
  logger,
  httpLogger: logger,
  minReviews: config.minReviews,
  calendarDefaults: config.calendarDefaults,
  bodyLimit: config.bodyLimit,
  scheduler: config.scheduler,
  migrationIntervalMs: config.migrationPollMs,
  corsOrigins: config.corsOrigins,
  rateLimitPerMinute: config.rateLimitPerMinute,
  authCacheMs: config.authCacheMs,
  authFailuresPerMinute: config.authFailuresPerMinute,
  requestTimeoutMs: config.requestTimeoutMs,
  trustProxy: config.trustProxy,
  webhookPolicy: config.webhookPolicy,
  webhookOutageMs: config.webhookOutageMs,
  files: config.files,
  metrics: config.metrics && { token: config.metrics.token },
})

// Uploads a killed process left half-written are removed at start and hourly (docs/files.md).
const abandonedUploads = async () => {
  const removed = await removeAbandonedUploads(database.db, Object.values(files.stores), new Date(Date.now() - 3_600_000))
  if (removed) logger.info({ removed }, 'removed the staged bytes of uploads that never finished')
}
await abandonedUploads()
const abandonedUploadSweep = setInterval(() => void abandonedUploads().catch((error: unknown) => logger.warn({ err: error }, 'could not remove abandoned uploads')), 3_600_000)
abandonedUploadSweep.unref()

/** The system's clock, or the sandbox's manual clock kept in the database (CLOCK_START only for a fresh one). */
async function serviceClock(): Promise<Clock> {
  const shared = await database.db.selectFrom('service_clock').select('now').executeTakeFirst()
  if (config.clock.mode === 'system') {
    if (shared) logger.warn({ manualClock: shared.now.toISOString() }, 'the database holds a manual clock; this process follows system time (CLOCK=system)')
    return systemClock
  }
  const { clock, started, raisedFrom } = await DatabaseClock.open(database.db, config.clock.start)
  if (raisedFrom) {
    logger.warn({ clockStart: raisedFrom.toISOString(), clock: clock.now().toISOString() }, 'the database records events after CLOCK_START: the manual clock starts at the last of them instead')
  } else if (!started && config.clock.start) {
    logger.info({ clock: clock.now().toISOString() }, 'CLOCK_START ignored: the database already has a manual clock, shared by every process')
  }
  return clock
}

let closing = false
async function shutdown(signal: string) {
  if (closing) return
  closing = true
  clearInterval(abandonedUploadSweep)
  logger.info({ signal }, 'shutting down')
  // Stop taking requests and firing timers, let what is in flight commit, then release the database.
  await app.close()
  metricsPort?.close()
  await scheduler.stop()
  await migrations.stop()
  await dispatcher.stop()
  await database.close()
  process.exit(0)
}
process.on('SIGINT', () => void shutdown('SIGINT'))
process.on('SIGTERM', () => void shutdown('SIGTERM'))

await app.listen({ port: config.port, host: config.host })
// The metrics on a port of their own, when configured: for a network only the scraper reaches.
const metricsPort = metrics && config.metrics?.port ? metricsServer(metrics).listen(config.metrics.port, config.metrics.host) : undefined
scheduler.start()
migrations.start()
dispatcher.start()
logger.info(
  { database: database.kind, clock: clock.mode, docs: `http://${config.host}:${config.port}/docs` },
  'dangjian-flow is serving',
)
