import { sql } from 'kysely'
import type { DB } from '../db/database.js'
import type { MovableClock } from './clock.js'

/**
 * The sandbox's manual clock (CLOCK=manual), kept in the database: every process on the database
 * shares it, it survives a restart, and CLOCK_START sets it only on a fresh database. `now()` stays
 * synchronous — the engine and the machines read it often — and is the time read at the start of
 * the request or the scheduler's tick (`sync`); moving it writes the database first, never backwards.
 */
export class DatabaseClock implements MovableClock {
  readonly mode = 'manual' as const
  #now: Date

  private constructor(
    private readonly db: DB,
    now: Date,
  ) {
    this.#now = now
  }

  /**
   * The database's clock, started at `start` (or now) if the database has none yet — but never
   * before what the database has already recorded (a database kept until now by the system clock):
   * time must not run backwards through a project's history.
   */
  static async open(db: DB, start: Date = new Date()): Promise<{ clock: DatabaseClock; started: boolean; raisedFrom?: Date }> {
    const inserted = await sql<{ now: Date }>`
      insert into service_clock (singleton, now, updated_at)
      select true, greatest(${start}::timestamptz, (select max(at) from project_history), (select max(updated_at) from project)), ${new Date()}
      on conflict (singleton) do nothing returning now`.execute(db)
    const row = await sql<{ now: Date }>`select now from service_clock`.execute(db)
    const clock = new DatabaseClock(db, new Date(row.rows[0]!.now))
    const began = inserted.rows[0]?.now
    return began && new Date(began) > start ? { clock, started: true, raisedFrom: start } : { clock, started: inserted.rows.length > 0 }
  }

  now(): Date {
    return new Date(this.#now)
  }

  async sync(): Promise<void> {
    const row = await sql<{ now: Date }>`select now from service_clock`.execute(this.db)
    const shared = row.rows[0]?.now
    if (shared && shared > this.#now) this.#now = new Date(shared)
  }

  async advanceTo(instant: Date | string): Promise<void> {
    const target = new Date(instant)
    if (target < this.#now) throw new RangeError(`cannot move the clock back from ${this.#now.toISOString()}`)
    // greatest(): another process may have moved it further meanwhile; time only moves forward.
    const row = await sql<{ now: Date }>`
      update service_clock set now = greatest(now, ${target}), updated_at = ${new Date()} returning now`.execute(this.db)
    this.#now = new Date(row.rows[0]!.now)
  }
}
