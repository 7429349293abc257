import type { Logger } from 'pino'
import type { DB } from '../db/database.js'
import { createPollLoop } from '../scheduler/poll-loop.js'
import type { Engine } from './engine.js'

/**
 * Carries out running migrations (docs/versions.md): polls for them, and runs each batch by
 * batch through the engine until it completes. A migration left running by a crash or a stop is
 * taken up again at the next poll, by this process or another; batches of one migration never
 * overlap (each locks the migration's row), so two processes share the work safely. Like the
 * scheduler, it works on its own only once started (the server starts it; tests drive runPending).
 */
export interface MigrationRunnerOptions {
  db: DB
  engine: Engine
  logger: Logger
  intervalMs: number
  batchSize?: number
}

export function createMigrationRunner(options: MigrationRunnerOptions) {
  const { db, engine, logger } = options

  async function runAll(): Promise<{ moved: number; blocked: number }> {
    const totals = { moved: 0, blocked: 0 }
    const running = await db.selectFrom('migration').select('id').where('status', '=', 'running').orderBy('created_at').execute()
    for (const { id } of running) {
      for (;;) {
        if (loop.stopping()) return totals
        const batch = await engine.migrateBatch(id, options.batchSize)
        totals.moved += batch.moved
        totals.blocked += batch.blocked
        if (batch.done) {
          logger.info({ migrationId: id }, 'migration completed')
          break
        }
      }
    }
    return totals
  }

  const loop = createPollLoop({
    intervalMs: options.intervalMs,
    logger,
    failure: 'migration batch failed; retrying next poll',
    work: async () => void (await runAll()),
  })

  return {
    start: loop.start,
    /** Wakes the runner now instead of at the next poll (a migration was just recorded). */
    wake: loop.wake,
    /** Stops polling and waits for the batch in flight to commit. */
    stop: loop.stop,
    /** Runs every running migration to its end (or until stopped); returns the projects moved and blocked. */
    runPending: () => loop.exclusive(runAll),
  }
}

export type MigrationRunner = ReturnType<typeof createMigrationRunner>
