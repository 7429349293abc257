/** The one source of "now" (I8): tests and sandbox deployments move it by hand. */
export interface Clock {
  readonly mode: 'system' | 'manual'
  now(): Date
  /** A clock shared with other processes reads the shared time again (at each request and tick). */
  sync?(): Promise<void>
}

/** A clock that moves only when told, forward. */
export interface MovableClock extends Clock {
  readonly mode: 'manual'
  advanceTo(instant: Date | string): void | Promise<void>
}

export const isMovable = (clock: Clock): clock is MovableClock => clock.mode === 'manual' && 'advanceTo' in clock

export const systemClock: Clock = { mode: 'system', now: () => new Date() }

/** A manual clock in this process's memory (tests); the service's sandbox uses the database's (database-clock.ts). */
export class ManualClock implements MovableClock {
  readonly mode = 'manual' as const
  #now: Date

  constructor(start: Date | string) {
    this.#now = new Date(start)
  }

  now(): Date {
    return new Date(this.#now)
  }

  /** Time only moves forward: timers that fired must stay fired. */
  advanceTo(instant: Date | string): void {
    const next = new Date(instant)
    if (next < this.#now) throw new RangeError(`cannot move the clock back from ${this.#now.toISOString()}`)
    this.#now = next
  }

  advanceBy(ms: number): void {
    this.advanceTo(new Date(this.#now.getTime() + ms))
  }
}
