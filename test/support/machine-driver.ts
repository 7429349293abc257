import { initialTransition, transition } from 'xstate'
import { currentDefinition, defaultGrading, type ProjectType } from '../../machines/index.js'
import { declarations, type Step } from './fixtures.js'

/** Drives a machine purely, as the engine does: payload parsed by its schema, envelope added. */
export function driver(type: ProjectType) {
  const definition = currentDefinition(type)
  const start = () =>
    initialTransition(definition.machine, {
      type,
      declaration: declarations[type],
      supplementary: false,
      policy: { minReviews: 3, grading: defaultGrading[type] },
    })[0]
  type Snapshot = ReturnType<typeof start>
  const event = (step: Step) => {
    const { type: eventType, ...payload } = step
    const spec = (definition.events as Record<string, { payload: { parse: (v: unknown) => object } }>)[eventType]!
    return { ...spec.payload.parse(payload), type: eventType, actor: 'tester', at: '2026-05-01T00:00:00.000Z' } as never
  }
  const apply = (snapshot: Snapshot, step: Step) => transition(definition.machine, snapshot, event(step))
  const run = (steps: Step[], from: Snapshot = start()) => steps.reduce((s, step) => apply(s, step)[0], from)
  return { definition, start, event, apply, run }
}
