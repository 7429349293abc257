/**
 * The service's defaults, stated once: the environment's parser (config.ts), the service's
 * wiring (service.ts) and the app (app.ts) all fall back to these.
 */
export const serviceDefaults = Object.freeze({
  /** Reviews a round needs before approval (R8). */
  minReviews: 3,
  rateLimitPerMinute: 1200,
  authFailuresPerMinute: 60,
  authCacheMs: 5000,
  requestTimeoutMs: 30_000,
  bodyLimit: 1024 * 1024,
  /** Evidence files (docs/files.md): the largest one, and what a project may hold. */
  maxFileBytes: 200 * 1024 * 1024,
  projectQuotaBytes: 1024 * 1024 * 1024,
  maxFilesPerProject: 1000,
})
