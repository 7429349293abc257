import type { Logger } from 'pino'
import { buildApp } from './app.js'
import type { DatabaseHandle } from './db/connect.js'
import { systemClock, type Clock } from './engine/clock.js'
import { strictPolicy, type DestinationPolicy } from './webhooks/destination.js'
import { createEngine } from './engine/engine.js'
import { serviceDefaults } from './defaults.js'
import { standardDefaults, type CalendarDefaults } from './calendar/year-calendar.js'
import { createScheduler } from './scheduler/scheduler.js'
import { createDispatcher } from './webhooks/dispatcher.js'
import { createMigrationRunner } from './engine/migration-runner.js'
import { databaseStore } from './files/database-store.js'
import { filesystemStore } from './files/filesystem-store.js'
import type { EvidenceFiles, FileLimits } from './files/file-store.js'
import { createServiceMetrics } from './metrics/service-metrics.js'

/** Wires engine, scheduler and HTTP app over one database; the server, tests and benchmarks share it. */
export interface ServiceOptions {
  database: DatabaseHandle
  clock: Clock
  logger: Logger
  /** Fastify's request logging; off in tests and benchmarks. */
  httpLogger?: Logger | false
  minReviews?: number
  calendarDefaults?: CalendarDefaults
  bodyLimit?: number
  scheduler?: { intervalMs: number; batchSize: number }
  /** How often running migrations are looked for (after a crash; a new one wakes the runner at once). */
  migrationIntervalMs?: number
  corsOrigins?: readonly string[]
  rateLimitPerMinute?: number
  authFailuresPerMinute?: number
  requestTimeoutMs?: number
  trustProxy?: boolean | string[]
  authCacheMs?: number
  authCacheClock?: () => number
  /** Prove every answer equal to what zod would write (tests). */
  checkResponses?: boolean
  webhookIntervalMs?: number
  /** Where webhooks may deliver besides public addresses (WEBHOOK_ALLOWED_HOSTS). */
  webhookPolicy?: DestinationPolicy
  /** How long every attempt must fail before a webhook is disabled. */
  webhookOutageMs?: number
  /** The webhooks' clock: real time by default, whatever the business clock (tests move it). */
  deliveryClock?: Clock
  /** Where evidence files' bytes go (the database by default) and their limits (docs/files.md). */
  files?: { storage?: 'database' | 'filesystem'; directory?: string | undefined; limits?: Partial<FileLimits> }
  /** Count the service's metrics (README "Metrics"); `/metrics` on the app when a token is given. */
  metrics?: { token?: string | undefined } | undefined
}

function evidenceFiles(database: DatabaseHandle, options: ServiceOptions['files'] = {}): EvidenceFiles {
  const stores: EvidenceFiles['stores'] = { database: databaseStore(database.db, database.kind) }
  if (options.directory) stores.filesystem = filesystemStore(options.directory)
  const storage = options.storage ?? 'database'
  const store = stores[storage]
  if (!store) throw new Error('the filesystem file store needs a directory (FILE_STORAGE_DIR)')
  return {
    store,
    stores,
    limits: {
      maxFileBytes: options.limits?.maxFileBytes ?? serviceDefaults.maxFileBytes,
      projectQuotaBytes: options.limits?.projectQuotaBytes ?? serviceDefaults.projectQuotaBytes,
      maxFilesPerProject: options.limits?.maxFilesPerProject ?? serviceDefaults.maxFilesPerProject,
    },
  }
}

export async function createService(options: ServiceOptions) {
  const { database, clock, logger } = options
  const calendarDefaults = options.calendarDefaults ?? standardDefaults
  const webhookPolicy = options.webhookPolicy ?? strictPolicy
  const metrics = options.metrics ? createServiceMetrics({ db: database.db, clock, poolStats: database.poolStats }) : undefined
  const engine = createEngine({ db: database.db, clock, logger, minReviews: options.minReviews ?? serviceDefaults.minReviews, calendarDefaults, observer: metrics })
  const scheduler = createScheduler({
    db: database.db,
    engine,
    clock,
    logger,
    ...(options.scheduler ?? { intervalMs: 1000, batchSize: 500 }),
  })
  const migrations = createMigrationRunner({ db: database.db, engine, logger, intervalMs: options.migrationIntervalMs ?? 1000 })
  const files = evidenceFiles(database, options.files)
  const app = await buildApp(
    { db: database.db, databaseKind: database.kind, clock, engine, scheduler, migrations, calendarDefaults, webhookPolicy, files },
    {
      bodyLimit: options.bodyLimit ?? serviceDefaults.bodyLimit,
      logger: options.httpLogger ?? false,
      corsOrigins: options.corsOrigins ?? [],
      rateLimitPerMinute: options.rateLimitPerMinute ?? serviceDefaults.rateLimitPerMinute,
      authFailuresPerMinute: options.authFailuresPerMinute ?? serviceDefaults.authFailuresPerMinute,
      ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
      ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {}),
      authCacheMs: options.authCacheMs ?? serviceDefaults.authCacheMs,
      ...(options.authCacheClock ? { authCacheClock: options.authCacheClock } : {}),
      checkResponses: options.checkResponses ?? false,
      metrics: metrics && { metrics, token: options.metrics?.token },
    },
  )
  // A migration woken by a request polls on; closing the app stops it with the app's other work.
  app.addHook('onClose', () => migrations.stop())
  const dispatcher = createDispatcher({
    db: database.db,
    clock: options.deliveryClock ?? systemClock,
    logger,
    intervalMs: options.webhookIntervalMs ?? 1000,
    policy: webhookPolicy,
    ...(options.webhookOutageMs !== undefined ? { outageMs: options.webhookOutageMs } : {}),
  })
  return { engine, scheduler, dispatcher, migrations, app, files, metrics }
}
