import { pino } from 'pino'
import { loadConfig } from './config.js'
import { openDatabase } from './db/open.js'
import { ManualClock, systemClock, type Clock } from './engine/clock.js'
import { ensureAdmin } from './domain/principals.js'
import { createService } from './service.js'

const config = loadConfig()
const logger = pino({ level: config.logLevel })

const clock: Clock = config.clock.mode === 'manual' ? new ManualClock(config.clock.start ?? new Date()) : systemClock
const database = await openDatabase(config, logger)
const admin = await ensureAdmin(database.db, config.adminToken, clock.now())
if (admin.token) {
  logger.warn({ adminToken: admin.token }, 'first start: an admin API token was created; it is shown this once — keep it')
} else if (admin.created) {
  logger.info('ADMIN_TOKEN registered as an admin API token')
}
const { app, scheduler, dispatcher } = await createService({
  database,
  clock,
  logger,
  httpLogger: logger,
  minReviews: config.minReviews,
  calendarDefaults: config.calendarDefaults,
  bodyLimit: config.bodyLimit,
  scheduler: config.scheduler,
  corsOrigins: config.corsOrigins,
  rateLimitPerMinute: config.rateLimitPerMinute,
  authCacheMs: config.authCacheMs,
  webhookPolicy: config.webhookPolicy,
  webhookOutageMs: config.webhookOutageMs,
})

let closing = false
async function shutdown(signal: string) {
  if (closing) return
  closing = true
  logger.info({ signal }, 'shutting down')
  // Stop taking requests and firing timers, let what is in flight commit, then release the database.
  await app.close()
  await scheduler.stop()
  await dispatcher.stop()
  await database.close()
  process.exit(0)
}
process.on('SIGINT', () => void shutdown('SIGINT'))
process.on('SIGTERM', () => void shutdown('SIGTERM'))

await app.listen({ port: config.port, host: config.host })
scheduler.start()
dispatcher.start()
logger.info(
  { database: database.kind, clock: clock.mode, docs: `http://${config.host}:${config.port}/docs` },
  'dangjian-flow is serving',
)
