import type { Logger } from 'pino'

/**
 * A background loop that does its work, waits, and does it again — the scheduler's and the
 * migration runner's. Runs of the work never overlap: they take turns with each other and with
 * whatever else the owner runs `exclusive`ly. A failed run is logged and retried next time. It
 * works on its own only once started; `stop` waits for the run in flight.
 */
export interface PollLoopOptions {
  intervalMs: number
  logger: Logger
  /** The log line of a failed run. */
  failure: string
  work: () => Promise<void>
}

export function createPollLoop(options: PollLoopOptions) {
  let handle: NodeJS.Timeout | undefined
  let stopping = false
  let started = false
  let turn: Promise<unknown> = Promise.resolve()
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const next = turn.then(work, work)
    turn = next.catch(() => undefined)
    return next
  }
  const tick = () =>
    exclusive(async () => {
      try {
        await options.work()
      } catch (error) {
        options.logger.error({ err: error }, options.failure)
      }
    })
  function schedule() {
    if (stopping) return
    handle = setTimeout(() => void tick().finally(schedule), options.intervalMs)
  }
  return {
    exclusive,
    stopping: () => stopping,
    /** Runs now (catching up after downtime), then every interval. */
    start() {
      stopping = false
      started = true
      void tick().finally(schedule)
    },
    /** Runs now instead of at the next interval; nothing before `start`. */
    wake() {
      if (stopping || !started) return
      if (handle) clearTimeout(handle)
      handle = undefined
      void tick().finally(() => {
        if (!handle) schedule()
      })
    },
    async stop() {
      stopping = true
      if (handle) clearTimeout(handle)
      await turn
    },
  }
}
