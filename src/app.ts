import { randomUUID } from 'node:crypto'
import Fastify, { LogController, type FastifyServerOptions } from 'fastify'
import { validatorCompiler } from 'fastify-type-provider-zod'
import type { DatabaseKind } from './db/connect.js'
import type { DB } from './db/database.js'
import type { Clock } from './engine/clock.js'
import type { Engine } from './engine/engine.js'
import cors from '@fastify/cors'
import rateLimit from '@fastify/rate-limit'
import { Refusal } from './errors.js'
import { adminConsole } from './http/admin-console.js'
import { accessControl, authentication } from './http/auth.js'
import { clientError, errorHandler, frameworkError } from './http/error-handler.js'
import { idempotency } from './http/idempotency.js'
import { requestText } from './http/request-text.js'
import { openapi, undocumentedStatusRefused } from './http/openapi.js'
import { securityHeaders } from './http/security-headers.js'
import { responseSerializer } from './http/serializer.js'
import { healthRoutes } from './http/routes/health.js'
import { machineRoutes } from './http/routes/machines.js'
import { migrationRoutes } from './http/routes/migrations.js'
import type { MigrationRunner } from './engine/migration-runner.js'
import { organizationRoutes } from './http/routes/organizations.js'
import { calendarRoutes } from './http/routes/calendars.js'
import { clockRoutes } from './http/routes/clock.js'
import { commendationRoutes } from './http/routes/commendations.js'
import { complianceRoutes } from './http/routes/compliance.js'
import { gradingRoutes } from './http/routes/grading.js'
import { groupRoutes } from './http/routes/groups.js'
import { handbookRoutes } from './http/routes/handbooks.js'
import { eventFeedRoutes } from './http/routes/events.js'
import { principalRoutes } from './http/routes/principals.js'
import { webhookRoutes } from './http/routes/webhooks.js'
import { reportRoutes } from './http/routes/reports.js'
import { spotCheckRoutes } from './http/routes/spot-checks.js'
import { systemRoutes } from './http/routes/systems.js'
import { projectRoutes, statsRoutes } from './http/routes/projects.js'
import { timerRoutes } from './http/routes/timers.js'
import type { CalendarDefaults } from './calendar/year-calendar.js'
import { serviceDefaults } from './defaults.js'
import type { Scheduler } from './scheduler/scheduler.js'
import type { DestinationPolicy } from './webhooks/destination.js'
import type { EvidenceFiles } from './files/file-store.js'
import { projectFileRoutes } from './http/routes/project-files.js'
import { metricsHooks } from './http/metrics.js'
import type { ServiceMetrics } from './metrics/service-metrics.js'

export interface AppDeps {
  db: DB
  databaseKind: DatabaseKind
  clock: Clock
  engine: Engine
  scheduler: Scheduler
  migrations: MigrationRunner
  calendarDefaults: CalendarDefaults
  webhookPolicy: DestinationPolicy
  files: EvidenceFiles
}

export interface AppOptions {
  bodyLimit: number
  logger: FastifyServerOptions['loggerInstance'] | false
  /** Origins allowed to call from a browser; none (CORS off) unless configured. */
  corsOrigins?: readonly string[]
  /** Write every answer also through zod and refuse one where the two differ (the test suite). */
  checkResponses?: boolean
  /** How long an authenticated principal is remembered (ms); 0 reads it on every request. */
  authCacheMs?: number
  /** The principal cache's clock in milliseconds (tests move it); performance.now by default. */
  authCacheClock?: () => number
  /** Requests per principal (or address, before authentication) per minute. */
  rateLimitPerMinute?: number
  /** Failed authentications per address per minute before it is refused without a lookup. */
  authFailuresPerMinute?: number
  /** How long a request may take to arrive, headers and body (a slow client gets 408). */
  requestTimeoutMs?: number
  /** Fastify's trustProxy: whose X-Forwarded-For gives the client's address. */
  trustProxy?: boolean | string[]
  /** The service's metrics, counted on every answer; `/metrics` on this app when a token is given. */
  metrics?: { metrics: ServiceMetrics; token: string | undefined } | undefined
}

const requestIdPattern = /^[\w.:-]{1,128}$/

/** Builds the whole service as a Fastify instance; it never listens, so tests inject into it. */
export async function buildApp(deps: AppDeps, options: AppOptions) {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: options.bodyLimit,
    requestTimeout: options.requestTimeoutMs ?? serviceDefaults.requestTimeoutMs,
    // Integrators may send their own request id so one id follows a call across systems.
    genReqId: (req) => {
      const given = req.headers['x-request-id']
      return typeof given === 'string' && requestIdPattern.test(given) ? given : randomUUID()
    },
    // One line per request, written when it completes (below), instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    ajv: { customOptions: { coerceTypes: false } },
    ...(options.trustProxy === true || (Array.isArray(options.trustProxy) && options.trustProxy.length) ? { trustProxy: options.trustProxy } : {}),
    // Refusals made before any hook runs, in the project's error shape with its headers.
    frameworkErrors: frameworkError,
    clientErrorHandler: clientError,
  })
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(responseSerializer({ checked: options.checkResponses ?? false }))
  if (options.checkResponses) app.addHook('onSend', undocumentedStatusRefused)
  app.addHook('onResponse', (request, reply, done) => {
    // The path only: a query string may carry what must not reach a log (a token pasted into a URL).
    const query = request.url.indexOf('?')
    request.log.info(
      { method: request.method, url: query < 0 ? request.url : `${request.url.slice(0, query)}?…`, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    )
    done()
  })

  await app.register(errorHandler)
  if (options.metrics) await app.register(metricsHooks, options.metrics)
  await app.register(securityHeaders)
  if (options.corsOrigins?.length) await app.register(cors, { origin: [...options.corsOrigins], exposedHeaders: ['etag', 'location', 'x-request-id'] })
  // A clock shared with other processes (the sandbox's manual clock) is read once per request, before
  // anything (token expiry first) asks it the time.
  const sharedClock = deps.clock.sync?.bind(deps.clock)
  if (sharedClock) app.addHook('onRequest', (_request, _reply, done) => void sharedClock().then(() => done(), done))
  await app.register(authentication, { db: deps.db, clock: deps.clock, cacheMs: options.authCacheMs ?? serviceDefaults.authCacheMs, cacheClock: options.authCacheClock, failuresPerMinute: options.authFailuresPerMinute ?? serviceDefaults.authFailuresPerMinute })
  await app.register(accessControl)
  await app.register(requestText)
  await app.register(rateLimit, {
    max: options.rateLimitPerMinute ?? serviceDefaults.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => request.principal?.id ?? request.ip,
    errorResponseBuilder: (_request, context) =>
      new Refusal(429, 'RATE_LIMITED', `more than ${context.max} requests a minute; retry in ${context.after}`, {
        limit: context.max,
        retryAfter: context.after,
      }),
  })
  await app.register(idempotency, { db: deps.db, clock: deps.clock })
  await app.register(openapi)
  await app.register(adminConsole)
  await app.register(healthRoutes, { deps })
  await app.register(
    async (api) => {
      await api.register(machineRoutes, { deps })
      await api.register(migrationRoutes, { deps })
      await api.register(organizationRoutes, { deps })
      await api.register(projectRoutes, { deps })
      await api.register(projectFileRoutes, { deps })
      await api.register(statsRoutes, { deps })
      await api.register(calendarRoutes, { deps })
      await api.register(timerRoutes, { deps })
      await api.register(clockRoutes, { deps })
      await api.register(handbookRoutes, { deps })
      await api.register(groupRoutes, { deps })
      await api.register(gradingRoutes, { deps })
      await api.register(complianceRoutes, { deps })
      await api.register(spotCheckRoutes, { deps })
      await api.register(systemRoutes, { deps })
      await api.register(commendationRoutes, { deps })
      await api.register(reportRoutes, { deps })
      await api.register(principalRoutes, { deps })
      await api.register(eventFeedRoutes, { deps })
      await api.register(webhookRoutes, { deps })
    },
    { prefix: '/api/v1' },
  )
  return app
}
