import { describe, expect, it } from 'vitest'
import { createMachine } from 'xstate'
import { definitionAt, describeMachine, diffMachines, resolveStateMap, type ProjectMachineDefinition } from '../../machines/index.js'

/** A machine of a few states, for what the real versions do not exercise (a dead end). */
const toy = (version: number, states: Record<string, object>) =>
  ({ machine: createMachine({ id: 'toy', initial: Object.keys(states)[0]!, states }), spec: { version } }) as unknown as ProjectMachineDefinition

describe('state maps between machine versions (docs/versions.md)', () => {
  const v1 = definitionAt('foundation', 1)!
  const v2 = definitionAt('foundation', 2)!

  it('sends a state to the state of the same name by default, and a state the new version lacks nowhere', () => {
    const { map, problems } = resolveStateMap(v1, v2)
    expect(problems).toEqual([])
    expect(map).toMatchObject({ draft: 'draft', planning: 'planning', closed: 'closed', underReview: null, rejected: null })
    expect(resolveStateMap(v1, v2, { underReview: 'filingReview', planning: null }).map).toMatchObject({ underReview: 'filingReview', planning: null })
  })

  it('refuses a map that ends or reopens a project, names unknown states, or leaves it where nothing leaves', () => {
    const problems = (map: Record<string, string | null>) => resolveStateMap(v1, v2, map).problems.map((p) => [p.state, p.problem])
    expect(problems({ underReview: 'closed' })).toEqual([['underReview', 'finalityChanged']])
    expect(problems({ rejected: 'draft' })).toEqual([['rejected', 'finalityChanged']])
    expect(problems({ nowhere: 'draft' })).toEqual([['nowhere', 'unknownSourceState']])
    expect(problems({ underReview: 'underReview' })).toEqual([['underReview', 'unknownTargetState']])
    expect(problems({ constructor: 'draft', toString: 'draft' })).toEqual([['constructor', 'unknownSourceState'], ['toString', 'unknownSourceState']])

    const before = toy(1, { open: { on: { GO: 'done' } }, done: { type: 'final' } })
    const after = toy(2, { open: { on: { GO: 'done', WAIT: 'stuck' } }, stuck: { on: { PING: 'stuck' } }, done: { type: 'final' } })
    expect(resolveStateMap(before, after, { open: 'stuck' }).problems.map((p) => p.problem)).toEqual(['cannotLeave'])
    expect(resolveStateMap(before, after).problems).toEqual([])
  })

  it('diffs two versions: added, removed and changed states and transitions, and the events', () => {
    const diff = diffMachines(describeMachine(v1), describeMachine(v2))
    expect(diff.states.added.map((s) => s.id)).toEqual(['filingReview'])
    expect(diff.states.changed).toEqual([])
    const a = describeMachine(v2)
    const relabelled = { ...a, version: 3, states: a.states.map((s) => (s.id === 'draft' ? { ...s, label: '草稿（新）' } : s)), transitions: a.transitions.map((t) => (t.event === 'CLOSE' ? { ...t, rules: [{ name: 'x', label: 'x' }] } : t)) }
    const changed = diffMachines(a, relabelled)
    expect(changed.states.changed.map((c) => [c.id, c.fields])).toEqual([['draft', ['label']]])
    expect(changed.transitions.changed.map((c) => [c.key, c.fields])).toEqual([
      ['accepted --CLOSE--> closed', ['rules']],
      ['institutionalized --CLOSE--> closed', ['rules']],
    ])
  })
})
