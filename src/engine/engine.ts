import type { Logger } from 'pino'
import type { DB } from '../db/database.js'
import type { CalendarDefaults } from '../calendar/year-calendar.js'
import type { Clock } from './clock.js'
import type { PlannedTransition } from './plan.js'
import { startProject, startPromotionOfSystem } from './start.js'
import { sendEvent, sendWithin } from './send.js'
import { fireDueTimers } from './sweep.js'
import { migrateBatch } from './migrate.js'

/**
 * The only code that moves a project (I1): load → plan with the machine's pure transition →
 * write snapshot, history, timers and outbox in one statement (I3), which applies only at the
 * version loaded; or, after a lost race and for the scheduler, the same under a row lock (I2).
 * Its parts: who may send what (authorize.ts), starting a project (start.ts), sending an event
 * (send.ts), firing due timers (sweep.ts) and moving projects to another machine version (migrate.ts).
 */
export interface EngineOptions {
  db: DB
  clock: Clock
  logger: Logger
  /** Reviews needed before approval (R8); fixed into each project when it starts. */
  minReviews: number
  calendarDefaults: CalendarDefaults
  /** Told of every transition written and every batch of timers fired (the service's metrics). */
  observer?: EngineObserver | undefined
}

export interface EngineObserver {
  transition(type: string, event: string): void
  /** Each claimed timer's lag behind its due time (seconds, on the service clock), and how many of them the machine refused. */
  timersFired(lagSeconds: readonly number[], skipped: number): void
}

/** What every part of the engine works with. */
export interface EngineContext extends EngineOptions {
  logTransitions(plans: readonly PlannedTransition[]): void
}

export function createEngine(options: EngineOptions) {
  const context: EngineContext = {
    ...options,
    logTransitions(plans) {
      for (const p of plans) {
        options.observer?.transition(p.project.type, p.event.type)
        options.logger.info(
          { projectId: p.project.id, from: p.from, event: p.event.type, to: p.to, actor: p.actor, version: p.project.version },
          'transition',
        )
      }
    },
  }
  return {
    start: startProject.bind(null, context),
    startPromotionOfSystem: startPromotionOfSystem.bind(null, context),
    send: sendEvent.bind(null, context),
    sendWithin: sendWithin.bind(null, context),
    fireDueTimers: fireDueTimers.bind(null, context),
    /** Carries out the next batch of a running migration of projects to another machine version (migrate.ts). */
    async migrateBatch(migrationId: string, batchSize?: number) {
      const result = await migrateBatch(options.db, migrationId, { now: options.clock.now(), calendarDefaults: options.calendarDefaults, ...(batchSize ? { batchSize } : {}) })
      context.logTransitions(result.moved)
      return { moved: result.moved.length, blocked: result.blocked, done: result.done }
    },
  }
}

export type Engine = ReturnType<typeof createEngine>
export type { StartProject } from './plan.js'
export type { SendOptions, TransitionResult } from './send.js'
export type { FireResult } from './sweep.js'
