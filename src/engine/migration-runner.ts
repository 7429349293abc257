import type { Logger } from 'pino'
import type { DB } from '../db/database.js'
import type { Engine } from './engine.js'

/**
 * Carries out running migrations (docs/versions.md): polls for them, and runs each batch by
 * batch through the engine until it completes. A migration left running by a crash or a stop is
 * taken up again at the next poll, by this process or another; batches of one migration never
 * overlap (each locks the migration's row), so two processes share the work safely.
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
  let handle: NodeJS.Timeout | undefined
  let stopping = false
  // Like the scheduler, the runner works on its own only once started (the server starts it; tests drive runPending).
  let started = false
  let turn: Promise<unknown> = Promise.resolve()
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const next = turn.then(work, work)
    turn = next.catch(() => undefined)
    return next
  }

  /** Runs every running migration to its end (or until stopped); returns the projects moved and blocked. */
  const runPending = () =>
    exclusive(async () => {
      const totals = { moved: 0, blocked: 0 }
      const running = await db.selectFrom('migration').select('id').where('status', '=', 'running').orderBy('created_at').execute()
      for (const { id } of running) {
        for (;;) {
          if (stopping) return totals
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
    })

  const tick = async () => {
    try {
      await runPending()
    } catch (error) {
      logger.error({ err: error }, 'migration batch failed; retrying next poll')
    }
  }

  function schedule() {
    if (stopping) return
    handle = setTimeout(() => void tick().finally(schedule), options.intervalMs)
  }

  return {
    start() {
      stopping = false
      started = true
      void tick().finally(schedule)
    },
    /** Wakes the runner now instead of at the next poll (a migration was just recorded). */
    wake() {
      if (stopping || !started) return
      if (handle) clearTimeout(handle)
      handle = undefined
      void tick().finally(() => {
        if (!handle) schedule()
      })
    },
    /** Stops polling and waits for the batch in flight to commit. */
    async stop() {
      stopping = true
      if (handle) clearTimeout(handle)
      await turn
    },
    runPending,
  }
}

export type MigrationRunner = ReturnType<typeof createMigrationRunner>
