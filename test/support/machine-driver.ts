import { initialTransition, transition } from 'xstate'
import { currentDefinition, defaultGrading, definitionAt, type ProjectType } from '../../machines/index.js'
import { assessors, declarations, handbook, reviewers, type Step } from './fixtures.js'

/** What the engine would tell the machine, by default: groups formed, handbook published, no previous year. */
export const defaultFacts = {
  reviewGroup: reviewers,
  acceptanceGroup: assessors,
  handbook: {
    version: handbook.version,
    exists: true,
    category: 'village',
    requiredItems: handbook.items.filter((i) => i.required).map((i) => i.code),
    knownItems: handbook.items.map((i) => i.code),
  },
  previousTargets: null,
  spotCheck: { id: '5f0c6f4e-2c1d-4a59-9a3c-0d8e6f1b2a3c', exists: true, selected: true },
  sourcePractice: { project: null, system: null },
}

/** Drives a machine purely, as the engine does: payload parsed by its schema, envelope added. */
export function driver(type: ProjectType, version?: number) {
  const definition = version === undefined ? currentDefinition(type) : definitionAt(type, version)!
  const start = () =>
    initialTransition(definition.machine, {
      type,
      declaration: declarations[type],
      organization: { secretary: '张书记', leaderInCharge: '李委员' },
      startedAt: '2026-03-01T00:00:00.000Z',
      declarationDeadline: '2026-03-31T15:59:59.999Z',
      policy: { minReviews: 3, grading: defaultGrading[type] },
    })[0]
  type Snapshot = ReturnType<typeof start>
  const event = (step: Step, facts: object = defaultFacts) => {
    const { type: eventType, ...payload } = step
    const spec = (definition.events as Record<string, { payload: { parse: (v: unknown) => object } }>)[eventType]!
    return { ...spec.payload.parse(payload), type: eventType, actor: 'tester', at: '2026-05-01T00:00:00.000Z', facts } as never
  }
  const apply = (snapshot: Snapshot, step: Step) => transition(definition.machine, snapshot, event(step))
  const run = (steps: Step[], from: Snapshot = start()) => steps.reduce((s, step) => apply(s, step)[0], from)
  return { definition, start, event, apply, run }
}
