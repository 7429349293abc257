import type { Logger } from 'pino'
import type { DB } from '../db/database.js'
import { nextDueAt } from '../domain/timers.js'
import type { Clock } from '../engine/clock.js'
import { isMovable } from '../engine/clock.js'
import type { Engine } from '../engine/engine.js'
import { Refusal } from '../errors.js'
import { createPollLoop } from './poll-loop.js'

/**
 * The scheduler loop (I4): polls for due timers and fires them through the engine in batches.
 * Business time lives in the timer rows; the poll interval only decides how soon after its
 * due instant a timer fires. After downtime the first tick catches up, oldest first.
 */
export interface SchedulerOptions {
  db: DB
  engine: Engine
  clock: Clock
  logger: Logger
  batchSize: number
  intervalMs: number
}

export interface AdvanceResult {
  now: Date
  fired: number
  skipped: number
}

/** More batches than this in one tick yield to the event loop and continue next tick. */
const MAX_BATCHES_PER_TICK = 200

export function createScheduler(options: SchedulerOptions) {
  const { db, engine, clock, logger, batchSize } = options

  async function fireDue(): Promise<{ fired: number; skipped: number }> {
    let fired = 0
    let skipped = 0
    for (let batch = 0; batch < MAX_BATCHES_PER_TICK && !loop.stopping(); batch++) {
      const result = await engine.fireDueTimers(batchSize)
      fired += result.fired
      skipped += result.skipped
      if (result.claimed === 0) break
    }
    return { fired, skipped }
  }

  // Ticks and manual advances take turns, so a manual advance sees every timer fired in order.
  const loop = createPollLoop({
    intervalMs: options.intervalMs,
    logger,
    failure: 'scheduler tick failed; retrying next tick',
    async work() {
      // The time another process may have moved the shared manual clock to.
      await clock.sync?.()
      const { fired, skipped } = await fireDue()
      if (fired + skipped > 0) logger.info({ fired, skipped }, 'timers fired')
    },
  })
  const { exclusive } = loop

  return {
    /** Fires what is already due (catching up after downtime), then polls. */
    start: loop.start,

    /** Stops polling and waits for the batch in flight to commit. */
    stop: loop.stop,

    /** Fires every timer due now, in due order; for tests and tools. */
    runDue: () => exclusive(fireDue),

    /**
     * Manual clock only: walks time forward to `target`, stopping at each due instant on the
     * way so every timer fires at its own time, in order; returns when all have fired.
     */
    advanceTo(target: Date): Promise<AdvanceResult> {
      if (!isMovable(clock)) {
        return Promise.reject(
          new Refusal(409, 'CLOCK_NOT_MANUAL', 'the clock follows system time; start the service with CLOCK=manual to move it'),
        )
      }
      return exclusive(async () => {
        await clock.sync?.()
        if (target < clock.now()) {
          throw new Refusal(422, 'CLOCK_BACKWARDS', `the clock is at ${clock.now().toISOString()} and only moves forward`, {
            now: clock.now().toISOString(),
          })
        }
        let fired = 0
        let skipped = 0
        for (;;) {
          const due = await nextDueAt(db, target)
          if (!due) break
          if (due > clock.now()) await clock.advanceTo(due)
          const result = await engine.fireDueTimers(batchSize)
          fired += result.fired
          skipped += result.skipped
          // Another process holds the projects due now; give it a moment to commit.
          if (result.claimed === 0) await new Promise((resolve) => setTimeout(resolve, 10))
        }
        await clock.advanceTo(target)
        return { now: clock.now(), fired, skipped }
      })
    },
  }
}

export type Scheduler = ReturnType<typeof createScheduler>
