import { pino } from 'pino'
import { buildApp } from '../../src/app.js'
import { ManualClock } from '../../src/engine/clock.js'
import { createEngine } from '../../src/engine/engine.js'
import type { TestDatabase } from './databases.js'

export const silentLogger = pino({ level: 'silent' })

/** The real app on a test database, with a clock the test moves. */
export async function createTestApp(database: TestDatabase, options: { bodyLimit?: number } = {}) {
  const clock = new ManualClock('2026-03-01T02:00:00.000Z')
  const engine = createEngine({ db: database.db, clock, logger: silentLogger, minReviews: 3 })
  const app = await buildApp(
    { db: database.db, databaseKind: database.kind, clock, engine },
    { bodyLimit: options.bodyLimit ?? 1024 * 1024, logger: false },
  )
  return { app, clock, engine }
}
