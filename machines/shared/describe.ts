import { z } from 'zod'
import type { ProjectMachineDefinition } from './lifecycle.js'
import type { Rule } from './rules.js'
import {
  deadlineLabels,
  phaseLabels,
  type DeadlineKind,
  type ProjectType,
  type Phase,
  type StateMeta,
  type StateTag,
} from './vocabulary.js'
import type { FactName } from './facts.js'

/**
 * Reads a machine definition back out of XState (I5): what the API lists, what the README's
 * diagrams show and what `nextEvents` is computed from. Nothing here restates the rules.
 */
export interface StateDescription {
  id: string
  label: string
  phase: Phase
  phaseLabel: string
  final: boolean
  /** What the state means to the programme (vocabulary.ts `stateTags`). */
  tags: StateTag[]
  deadlines: Array<{ kind: DeadlineKind; label: string }>
  /** Rules every project in this state satisfies; a migration into it checks them (docs/versions.md). */
  holds: Array<{ name: string; label: string }>
}

export interface TransitionDescription {
  from: string
  event: string
  eventLabel: string
  to: string | null
  /** All the rules the guard demands, joined; `rules` lists them one by one. */
  guard: { name: string; label: string } | null
  rules: Array<{ name: string; label: string }>
  /** A scheduled transition: sent by the scheduler at a calendar deadline. */
  timer: { deadline: DeadlineKind; label: string } | null
}

export interface EventDescription {
  type: string
  label: string
  roles: string[]
  payloadSchema: unknown
}

export interface MachineDescription {
  type: ProjectType
  label: string
  version: number
  description: string
  initial: string
  states: StateDescription[]
  transitions: TransitionDescription[]
  events: EventDescription[]
  guards: Array<{ name: string; label: string; needs: FactName[] }>
  /** Rules the engine checks before it creates a project of this type. */
  creationRules: Array<{ name: string; label: string }>
}

type AnyStateNode = ProjectMachineDefinition['machine']['root']

/** The named rules a transition's guard is made of: a name, or all the names of an `and(...)`. */
export function guardNames(guard: unknown): string[] {
  if (guard == null) return []
  if (typeof guard === 'string') return [guard]
  const composite = (guard as { guards?: unknown[] }).guards
  if (Array.isArray(composite)) return composite.flatMap(guardNames)
  const type = (guard as { type?: unknown }).type
  return typeof type === 'string' ? [type] : ['inline']
}

function stateNodes(definition: ProjectMachineDefinition): AnyStateNode[] {
  return Object.values(definition.machine.root.states) as AnyStateNode[]
}

export function describeMachine(definition: ProjectMachineDefinition): MachineDescription {
  const { machine, rules, events, spec } = definition
  const ruleLabel = (name: string) => (rules as Record<string, Rule>)[name]?.label ?? name
  const eventSpecs = events as Record<string, { label: string; deadline?: DeadlineKind }>
  const eventLabel = (type: string) => eventSpecs[type]?.label ?? type
  const deadlineOf = (type: string) => eventSpecs[type]?.deadline

  const states = stateNodes(definition).map((node): StateDescription => {
    const meta = node.meta as StateMeta
    return {
      id: node.key,
      label: meta.label,
      phase: meta.phase,
      phaseLabel: phaseLabels[meta.phase],
      final: node.type === 'final',
      tags: [...node.tags] as StateTag[],
      deadlines: (meta.deadlines ?? []).map((kind) => ({ kind, label: deadlineLabels[kind] })),
      holds: (meta.holds ?? []).map((name) => ({ name, label: ruleLabel(name) })),
    }
  })

  const transitions = stateNodes(definition).flatMap((node) =>
    [...node.transitions.values()].flat().map((t): TransitionDescription => {
      const rules = guardNames(t.guard).map((name) => ({ name, label: ruleLabel(name) }))
      const deadline = deadlineOf(t.eventType)
      return {
        from: node.key,
        event: t.eventType,
        eventLabel: deadline ? `[定时] ${eventLabel(t.eventType)}` : eventLabel(t.eventType),
        to: t.target?.[0]?.key ?? null,
        guard: rules.length ? { name: rules.map((r) => r.name).join(' & '), label: rules.map((r) => r.label).join('；') } : null,
        rules,
        timer: deadline ? { deadline, label: deadlineLabels[deadline] } : null,
      }
    }),
  )

  return {
    type: spec.type,
    label: spec.label,
    version: spec.version,
    description: spec.description,
    initial: String(machine.config.initial),
    states,
    transitions,
    events: Object.entries(events).map(([type, e]) => ({
      type,
      label: e.label,
      roles: [...e.roles],
      payloadSchema: z.toJSONSchema(e.payload, { io: 'input', unrepresentable: 'any' }),
    })),
    guards: Object.entries(rules).map(([name, rule]) => ({ name, label: rule.label, needs: [...((rule as Rule).needs ?? [])] })),
    creationRules: definition.creationRules.map((name) => ({ name, label: ruleLabel(name) })),
  }
}

export type DescribedState = StateMeta & { final: boolean; tags: readonly StateTag[] }

/** A state's meta (label, phase, deadlines), whether it is final and its tags; undefined for a state the machine lacks. */
export function stateMetaOf(definition: ProjectMachineDefinition, stateId: string): DescribedState | undefined {
  const node = (definition.machine.root.states as Record<string, AnyStateNode>)[stateId]
  if (!node?.meta) return undefined
  // Built once per state node (it runs for every project answered), and frozen since it is shared.
  let meta = metaByNode.get(node)
  if (!meta) {
    const tags = Object.freeze([...node.tags]) as readonly StateTag[]
    metaByNode.set(node, (meta = Object.freeze(Object.assign({}, node.meta as StateMeta, { final: node.type === 'final', tags }))))
  }
  return meta
}

const metaByNode = new WeakMap<AnyStateNode, DescribedState>()

/** The ids of the machine's states, in definition order. */
export function stateIds(definition: ProjectMachineDefinition): string[] {
  return Object.keys(definition.machine.root.states)
}

/** The tags a state carries; none for a state the machine lacks. */
export function stateTagsOf(definition: ProjectMachineDefinition, stateId: string): readonly StateTag[] {
  const node = (definition.machine.root.states as Record<string, AnyStateNode>)[stateId]
  return (node?.tags ?? []) as StateTag[]
}

/**
 * The rules an event can reach from a state (every guard of every branch it may take) and the
 * facts they need: what the engine loads before planning, and nothing more.
 */
export function reachableRules(definition: ProjectMachineDefinition, stateId: string, eventType: string): ReachableRules {
  const node = (definition.machine.root.states as Record<string, AnyStateNode>)[stateId]
  if (!node) return { rules: [], needs: [] }
  // Asked for every event a project receives; the answer depends on the machine alone: built once, shared, frozen.
  let byEvent = reachableByNode.get(node)
  if (!byEvent) reachableByNode.set(node, (byEvent = new Map()))
  let reachable = byEvent.get(eventType)
  if (!reachable) {
    const rules = [...new Set((node.transitions.get(eventType) ?? []).flatMap((t) => guardNames(t.guard)))]
    byEvent.set(eventType, (reachable = Object.freeze({ rules: Object.freeze(rules), needs: Object.freeze(needsOf(definition, rules)) })))
  }
  return reachable
}

export interface ReachableRules {
  readonly rules: readonly string[]
  readonly needs: readonly FactName[]
}

const reachableByNode = new WeakMap<AnyStateNode, Map<string, ReachableRules>>()

/** The facts a set of rules needs, each once. */
export function needsOf(definition: ProjectMachineDefinition, rules: readonly string[]): FactName[] {
  const all = definition.rules as Record<string, Rule>
  return [...new Set(rules.flatMap((name) => all[name]?.needs ?? []))]
}

/** Event types the state accepts at all, in definition order (guards may still refuse them). */
export function acceptedEvents(definition: ProjectMachineDefinition, stateId: string): string[] {
  const node = (definition.machine.root.states as Record<string, AnyStateNode>)[stateId]
  return node ? [...node.transitions.keys()] : []
}

/** A Mermaid stateDiagram-v2: ids for structure, zh-CN labels for reading. */
export function toMermaid(description: MachineDescription): string {
  const lines = ['stateDiagram-v2', `  %% ${description.label} (${description.type}) v${description.version}`]
  for (const s of description.states) lines.push(`  ${s.id}: ${s.label}（${s.phaseLabel}）`)
  lines.push(`  [*] --> ${description.initial}`)
  for (const t of description.transitions) {
    if (!t.to || t.to === t.from) continue
    const guard = t.guard ? ` [${t.guard.label}]` : ''
    lines.push(`  ${t.from} --> ${t.to}: ${t.eventLabel}${guard}`)
  }
  for (const s of description.states.filter((s) => s.final)) lines.push(`  ${s.id} --> [*]`)
  const selfLoops = description.transitions.filter((t) => !t.to || t.to === t.from)
  for (const from of new Set(selfLoops.map((t) => t.from))) {
    const labels = selfLoops.filter((t) => t.from === from).map((t) => t.eventLabel)
    lines.push(`  note right of ${from}: ${labels.join('、')}`)
  }
  return lines.join('\n') + '\n'
}
