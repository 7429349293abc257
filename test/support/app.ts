import type { FastifyInstance, InjectOptions } from 'fastify'
import { pino } from 'pino'
import type { DatabaseHandle } from '../../src/db/connect.js'
import { createPrincipal } from '../../src/domain/principals.js'
import { ManualClock } from '../../src/engine/clock.js'
import { createService, type ServiceOptions } from '../../src/service.js'
import { recordCurrentVersions } from '../../src/domain/machine-versions.js'
import { parseAllowList } from '../../src/webhooks/destination.js'
import type { TestDatabase } from './databases.js'

export const silentLogger = pino({ level: 'silent' })

export const ADMIN_TOKEN = 'djf_test_admin_token_0123456789abcdef'

/**
 * Makes `app.inject` carry a token the way each real caller would: the organization section's
 * admin token, except that reviews and assessments are sent by the reviewer or assessor they
 * name (principals made on first use). A request that sets Authorization itself keeps it.
 */
export async function authorizeTestApp(app: FastifyInstance, database: DatabaseHandle) {
  const now = new Date('2026-01-01T00:00:00Z')
  const existing = await database.db.selectFrom('principal').select('id').where('name', '=', '组织科').executeTakeFirst()
  if (!existing) await createPrincipal(database.db, { name: '组织科', role: 'admin' }, 'test', now, ADMIN_TOKEN)
  const tokens = new Map<string, string>()
  const tokenFor = async (role: 'reviewer' | 'assessor', name: string) => {
    const key = `${role}:${name}`
    if (!tokens.has(key)) tokens.set(key, (await createPrincipal(database.db, { name, role }, 'test', now)).token)
    return tokens.get(key)!
  }
  const original = app.inject.bind(app) as (options: InjectOptions) => ReturnType<FastifyInstance['inject']>
  const inject = async (options: InjectOptions) => {
    const headers = { ...(options.headers ?? {}) } as Record<string, string>
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'authorization')) {
      const body = typeof options.payload === 'object' && options.payload !== null ? (options.payload as Record<string, unknown>) : {}
      const token =
        body.type === 'RECORD_REVIEW' && typeof body.reviewer === 'string'
          ? await tokenFor('reviewer', body.reviewer)
          : body.type === 'RECORD_ASSESSMENT' && typeof body.assessor === 'string'
            ? await tokenFor('assessor', body.assessor)
            : ADMIN_TOKEN
      headers.authorization = `Bearer ${token}`
    }
    return original({ ...options, headers })
  }
  ;(app as unknown as { inject: typeof inject }).inject = inject
  return app
}

/** The real service on a test database, with a clock the test moves (scheduler not polling). */
export async function createTestApp(
  database: TestDatabase,
  options: { bodyLimit?: number; start?: string; batchSize?: number; authCacheMs?: number; authCacheClock?: () => number; authFailuresPerMinute?: number; files?: ServiceOptions['files']; metrics?: ServiceOptions['metrics'] } = {},
) {
  const clock = new ManualClock(options.start ?? '2026-03-01T02:00:00.000Z')
  const service = await createService({
    database,
    clock,
    logger: silentLogger,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    scheduler: { intervalMs: 50, batchSize: options.batchSize ?? 500 },
    rateLimitPerMinute: 1_000_000,
    authFailuresPerMinute: options.authFailuresPerMinute ?? 1_000_000,
    checkResponses: true,
    // Test receivers listen on this machine's loopback.
    webhookPolicy: parseAllowList(['127.0.0.1']),
    deliveryClock: clock,
    ...(options.authCacheMs !== undefined ? { authCacheMs: options.authCacheMs } : {}),
    ...(options.authCacheClock ? { authCacheClock: options.authCacheClock } : {}),
    ...(options.files ? { files: options.files } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  })
  await authorizeTestApp(service.app, database)
  // As the server does at start.
  await recordCurrentVersions(database.db, clock.now())
  return { ...service, clock }
}
