import { join } from 'node:path'
import { z } from 'zod'
import { parseMonthDay, type CalendarDefaults, type MonthDay } from './calendar/year-calendar.js'
import { parseAllowList, type DestinationPolicy } from './webhooks/destination.js'
import { serviceDefaults } from './defaults.js'

/** The environment, parsed once into a frozen Config; a bad value stops the service at start. */
const monthDay = z.string().regex(/^\d{2}-\d{2}$/, 'MM-DD')

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z.string().url().optional().describe('PostgreSQL; when absent, embedded PGlite in DATA_DIR'),
  DATA_DIR: z.string().min(1).default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT: z.coerce.number().int().min(1024).default(serviceDefaults.bodyLimit),
  MIN_REVIEWS: z.coerce.number().int().min(1).max(50).default(serviceDefaults.minReviews),
  CLOCK: z.enum(['system', 'manual']).default('system'),
  CLOCK_START: z.iso.datetime({ offset: true }).optional(),
  CALENDAR_DECLARATION_DEADLINE: monthDay.default('03-31'),
  CALENDAR_PROGRESS_MEETINGS: z
    .string()
    .regex(/^\d{2}-\d{2},\d{2}-\d{2}$/, 'two MM-DD dates separated by a comma')
    .default('06-30,12-20'),
  CALENDAR_REPORT_LEAD_DAYS: z.coerce.number().int().min(0).max(60).default(7),
  CALENDAR_ACCEPTANCE_DEADLINE: monthDay.default('12-31'),
  SCHEDULER_INTERVAL_MS: z.coerce.number().int().min(50).max(3_600_000).default(1000),
  MIGRATION_POLL_MS: z.coerce.number().int().min(50).max(3_600_000).default(1000),
  SCHEDULER_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
  ADMIN_TOKEN: z.string().min(16, 'ADMIN_TOKEN must be at least 16 characters').optional(),
  CORS_ORIGINS: z.string().default('').describe('comma-separated origins; empty: CORS off'),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(serviceDefaults.rateLimitPerMinute),
  AUTH_CACHE_SECONDS: z.coerce.number().min(0).max(300).default(serviceDefaults.authCacheMs / 1000),
  AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).default(serviceDefaults.authFailuresPerMinute),
  REQUEST_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(serviceDefaults.requestTimeoutMs / 1000),
  TRUST_PROXY: z.string().default('').describe("'true', or the proxies' addresses and CIDR ranges, comma-separated"),
  WEBHOOK_ALLOWED_HOSTS: z.string().default('').describe('host names, addresses and CIDR ranges webhooks may reach besides public addresses'),
  WEBHOOK_OUTAGE_MINUTES: z.coerce.number().int().min(1).max(10_080).default(60),
  FILE_STORAGE: z.enum(['database', 'filesystem']).default('database').describe('where evidence files’ bytes are kept'),
  FILE_STORAGE_DIR: z.string().min(1).optional().describe('the filesystem store’s folder; DATA_DIR/files by default'),
  FILE_MAX_BYTES: z.coerce.number().int().min(1).max(2 ** 40).default(serviceDefaults.maxFileBytes),
  PROJECT_FILE_QUOTA_BYTES: z.coerce.number().int().min(1).max(2 ** 50).default(serviceDefaults.projectQuotaBytes),
  PROJECT_FILE_MAX_COUNT: z.coerce.number().int().min(1).max(1_000_000).default(serviceDefaults.maxFilesPerProject),
  METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional(),
  METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
})

export type Config = Readonly<{
  port: number
  host: string
  databaseUrl: string | undefined
  dataDir: string
  logLevel: z.infer<typeof schema>['LOG_LEVEL']
  bodyLimit: number
  minReviews: number
  clock: { mode: 'system' | 'manual'; start: Date | undefined }
  calendarDefaults: CalendarDefaults
  scheduler: { intervalMs: number; batchSize: number }
  /** How often a process looks for a running migration to carry on (docs/versions.md). */
  migrationPollMs: number
  adminToken: string | undefined
  corsOrigins: string[]
  rateLimitPerMinute: number
  authCacheMs: number
  authFailuresPerMinute: number
  requestTimeoutMs: number
  trustProxy: boolean | string[]
  webhookPolicy: DestinationPolicy
  webhookOutageMs: number
  files: { storage: 'database' | 'filesystem'; directory: string; limits: { maxFileBytes: number; projectQuotaBytes: number; maxFilesPerProject: number } }
  /** Undefined when neither a metrics token nor a metrics port is configured: nothing is counted. */
  metrics: { token: string | undefined; port: number | undefined; host: string } | undefined
}>

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
    throw new Error(`invalid configuration: ${problems}`)
  }
  const e = parsed.data
  let calendarDefaults: CalendarDefaults
  let webhookPolicy: DestinationPolicy
  try {
    calendarDefaults = {
      declarationDeadline: parseMonthDay(e.CALENDAR_DECLARATION_DEADLINE),
      progressMeetings: e.CALENDAR_PROGRESS_MEETINGS.split(',').map(parseMonthDay) as [MonthDay, MonthDay],
      reportLeadDays: e.CALENDAR_REPORT_LEAD_DAYS,
      acceptanceDeadline: parseMonthDay(e.CALENDAR_ACCEPTANCE_DEADLINE),
    }
    webhookPolicy = parseAllowList(e.WEBHOOK_ALLOWED_HOSTS.split(','))
  } catch (error) {
    throw new Error(`invalid configuration: ${(error as Error).message}`)
  }
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL || undefined,
    dataDir: e.DATA_DIR,
    logLevel: e.LOG_LEVEL,
    bodyLimit: e.BODY_LIMIT,
    minReviews: e.MIN_REVIEWS,
    clock: { mode: e.CLOCK, start: e.CLOCK_START ? new Date(e.CLOCK_START) : undefined },
    calendarDefaults,
    scheduler: { intervalMs: e.SCHEDULER_INTERVAL_MS, batchSize: e.SCHEDULER_BATCH_SIZE },
    migrationPollMs: e.MIGRATION_POLL_MS,
    adminToken: e.ADMIN_TOKEN,
    corsOrigins: e.CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean),
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    authCacheMs: Math.round(e.AUTH_CACHE_SECONDS * 1000),
    authFailuresPerMinute: e.AUTH_FAILURES_PER_MINUTE,
    requestTimeoutMs: e.REQUEST_TIMEOUT_SECONDS * 1000,
    trustProxy: e.TRUST_PROXY === 'true' ? true : e.TRUST_PROXY.split(',').map((p) => p.trim()).filter(Boolean),
    webhookPolicy,
    webhookOutageMs: e.WEBHOOK_OUTAGE_MINUTES * 60_000,
    files: {
      storage: e.FILE_STORAGE,
      directory: e.FILE_STORAGE_DIR ?? join(e.DATA_DIR, 'files'),
      limits: { maxFileBytes: e.FILE_MAX_BYTES, projectQuotaBytes: e.PROJECT_FILE_QUOTA_BYTES, maxFilesPerProject: e.PROJECT_FILE_MAX_COUNT },
    },
    metrics: e.METRICS_TOKEN || e.METRICS_PORT ? { token: e.METRICS_TOKEN, port: e.METRICS_PORT, host: e.METRICS_HOST } : undefined,
  })
}
