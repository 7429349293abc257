import { describe, expect, it } from 'vitest'
import { allDefinitions, currentDefinition, reachableRules, stateIds, type FactName } from '../../machines/index.js'
import type { Rule } from '../../machines/shared/rules.js'

/** Rules declare the facts they need; an event loads the facts of the rules it can reach from the state, and only those. */
describe('facts follow the rules an event can reach', () => {
  it.each([
    ['foundation', 'draft', 'SUBMIT', ['handbook', 'previousTargets']],
    ['foundation', 'returned', 'RESUBMIT', ['handbook', 'previousTargets']],
    ['innovation', 'draft', 'SUBMIT', []],
    ['promotion', 'draft', 'SUBMIT', ['sourcePractice']],
    ['innovation', 'draft', 'UPDATE_DECLARATION', []],
    ['innovation', 'underReview', 'RECORD_REVIEW', ['reviewGroup']],
    ['innovation', 'underReview', 'APPROVE', []],
    ['innovation', 'acceptanceRequested', 'RECORD_ASSESSMENT', ['acceptanceGroup']],
    ['innovation', 'acceptanceRequested', 'EVALUATE', ['grading']],
    ['innovation', 'implementing', 'RECORD_SPOT_CHECK_FINDING', ['spotCheck']],
    ['innovation', 'implementing', 'RECORD_LEDGER_ENTRY', []],
    ['foundation', 'closed', 'SUBMIT', []],
  ] as const)('%s %s %s needs %j', (type, state, event, needs) => {
    expect([...reachableRules(currentDefinition(type), state, event).needs].sort()).toEqual([...needs].sort())
  })

  it('needs, for every state and event, exactly the union of what its guards’ rules need', () => {
    for (const definition of allDefinitions()) {
      const rules = definition.rules as Record<string, Rule>
      for (const state of stateIds(definition)) {
        for (const event of Object.keys(definition.events)) {
          const reached = reachableRules(definition, state, event)
          const expected = new Set(reached.rules.flatMap((name) => rules[name]?.needs ?? []))
          expect(new Set(reached.needs), `${state} ${event}`).toEqual(expected)
        }
      }
    }
  })

  it('every fact is needed by some rule (a loader nobody needs would be dead weight)', () => {
    const needed = new Set<FactName>(allDefinitions().flatMap((d) => Object.values(d.rules as Record<string, Rule>).flatMap((r) => r.needs ?? [])))
    expect([...needed].sort()).toEqual(
      ['acceptanceGroup', 'grading', 'handbook', 'liveFoundations', 'previousTargets', 'reviewGroup', 'sourcePractice', 'spotCheck'].sort(),
    )
  })
})
