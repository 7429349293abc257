import { pino } from 'pino'
import { buildApp } from './app.js'
import { loadConfig } from './config.js'
import { openDatabase } from './db/open.js'
import { systemClock } from './engine/clock.js'
import { createEngine } from './engine/engine.js'

const config = loadConfig()
const logger = pino({ level: config.logLevel })

const database = await openDatabase(config, logger)
const engine = createEngine({ db: database.db, clock: systemClock, logger, minReviews: config.minReviews })
const app = await buildApp(
  { db: database.db, databaseKind: database.kind, clock: systemClock, engine },
  { bodyLimit: config.bodyLimit, logger },
)

let closing = false
async function shutdown(signal: string) {
  if (closing) return
  closing = true
  logger.info({ signal }, 'shutting down')
  // Stop taking requests, let those in flight finish, then release the database.
  await app.close()
  await database.close()
  process.exit(0)
}
process.on('SIGINT', () => void shutdown('SIGINT'))
process.on('SIGTERM', () => void shutdown('SIGTERM'))

await app.listen({ port: config.port, host: config.host })
logger.info({ database: database.kind, docs: `http://${config.host}:${config.port}/docs` }, 'dangjian-flow is serving')
