import { pino } from 'pino'
import { ManualClock } from '../../src/engine/clock.js'
import { createService } from '../../src/service.js'
import type { TestDatabase } from './databases.js'

export const silentLogger = pino({ level: 'silent' })

/** The real service on a test database, with a clock the test moves (scheduler not polling). */
export async function createTestApp(
  database: TestDatabase,
  options: { bodyLimit?: number; start?: string; batchSize?: number } = {},
) {
  const clock = new ManualClock(options.start ?? '2026-03-01T02:00:00.000Z')
  const service = await createService({
    database,
    clock,
    logger: silentLogger,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    scheduler: { intervalMs: 50, batchSize: options.batchSize ?? 500 },
  })
  return { ...service, clock }
}
