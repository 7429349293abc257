/** The one source of "now" (I8): tests and sandbox deployments move it by hand. */
export interface Clock {
  readonly mode: 'system' | 'manual'
  now(): Date
}

export const systemClock: Clock = { mode: 'system', now: () => new Date() }

export class ManualClock implements Clock {
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
