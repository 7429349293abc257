import type { GradingPolicy } from './grading.js'

/**
 * What the machines' rules need to know about other records (I5: rules stay pure). The engine
 * reads these inside the transaction and hands them over with the event; they are kept in the
 * history row with the event, so every decision can be traced to what was known when it was made.
 */
export interface EventFacts {
  /** The handbook version a foundation declaration names, for the organization's category (R1). */
  handbook?: {
    version: string
    exists: boolean
    category: string
    requiredItems: string[]
    knownItems: string[]
  }
  /** The same organization's previous-year foundation targets; null when it had none (R9). */
  previousTargets?: Array<{ indicator: string; value: number; unit: string }> | null
  /** Foundation projects the organization already has for the year, still alive (R5). */
  liveFoundations?: Array<{ id: string; state: string }>
  /** Members of the year's review group (R8). */
  reviewGroup?: string[]
  /** Members of the year's acceptance group (R14). */
  acceptanceGroup?: string[]
  /** The year's grading policy for the project's type (R14). */
  grading?: GradingPolicy
  /** The spot check a finding names, and whether this project was drawn in it (R12). */
  spotCheck?: { id: string; exists: boolean; selected: boolean }
  /** The project and the town system a promotion declaration names as its source (R3); null where it names none. */
  sourcePractice?: {
    project: null | { id: string; exists: boolean; passedAcceptance: boolean }
    system: null | { id: string; exists: boolean }
  }
}

export type FactName = keyof EventFacts
