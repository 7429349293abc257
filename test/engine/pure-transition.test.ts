import { transition } from 'xstate'
import { describe, expect, it } from 'vitest'
import { allDefinitions } from '../../machines/index.js'
import { pureTransition } from '../../src/engine/snapshot.js'
import { pathsOf, payloads, type Step } from '../support/fixtures.js'
import { driver } from '../support/machine-driver.js'

/**
 * The engine's transition (one inert scope per machine, reused) must be XState's own
 * `transition()` exactly: same next snapshot, same actions, for taken and refused events alike.
 */
const everyVersion = allDefinitions().map((d) => ({ type: d.spec.type, version: d.spec.version }))

describe.each(everyVersion)('pureTransition on the $type machine v$version', ({ type, version }) => {
  const d = driver(type, version)
  const { pathTo } = pathsOf(type, version)
  const machine = d.definition.machine
  const everyEvent: Step[] = Object.entries(payloads).map(([eventType, payload]) => ({ type: eventType, ...(payload as object) }))
  const actionsOf = (actions: Array<{ type: string; params?: unknown }>) => actions.map((a) => ({ type: a.type, params: a.params }))

  it.each(Object.keys(pathTo))('agrees with xstate in %s, for every event', (state) => {
    const snapshot = d.run(pathTo[state]!)
    for (const step of everyEvent) {
      if (!(step.type in d.definition.events)) continue
      const event = d.event(step)
      const [expected, expectedActions] = transition(machine, snapshot, event)
      const [actual, actualActions] = pureTransition(machine, snapshot, event)
      expect(machine.getPersistedSnapshot(actual), `${state} + ${step.type}`).toEqual(machine.getPersistedSnapshot(expected))
      expect(actionsOf(actualActions as never), `${state} + ${step.type}`).toEqual(actionsOf(expectedActions as never))
    }
  })
})
