import { foundation, foundationV1 } from './foundation/machine.js'
import { innovation } from './innovation/machine.js'
import { promotion } from './promotion/machine.js'
import type { ProjectMachineDefinition } from './shared/lifecycle.js'
import type { GradingPolicy } from './shared/grading.js'
import { projectTypes, type ProjectType, type StateTag } from './shared/vocabulary.js'
import { stateIds, stateTagsOf } from './shared/describe.js'

/**
 * The registry of machine definitions by type and version (I6). A changed machine is added
 * under a new version; instances keep the version they started on.
 */
export const machineRegistry: Record<ProjectType, { current: number; versions: Record<number, ProjectMachineDefinition> }> = {
  foundation: { current: foundation.spec.version, versions: { [foundationV1.spec.version]: foundationV1, [foundation.spec.version]: foundation } },
  innovation: { current: innovation.spec.version, versions: { [innovation.spec.version]: innovation } },
  promotion: { current: promotion.spec.version, versions: { [promotion.spec.version]: promotion } },
}

export function currentDefinition(type: ProjectType): ProjectMachineDefinition {
  const entry = machineRegistry[type]
  return entry.versions[entry.current]!
}

export function definitionAt(type: ProjectType, version: number): ProjectMachineDefinition | undefined {
  return machineRegistry[type].versions[version]
}

/** Every machine definition of every type and version. */
export function allDefinitions(): ProjectMachineDefinition[] {
  return projectTypes.flatMap((type) => Object.values(machineRegistry[type].versions))
}

/**
 * Where a tag holds: every (type, machine version, state) whose state node carries it. The
 * domain's queries select projects by these triples, so a new state or type is counted by its
 * tags, never by a list of names.
 */
export function statesTagged(tag: StateTag): Array<{ type: ProjectType; version: number; state: string }> {
  return allDefinitions().flatMap((definition) =>
    stateIds(definition)
      .filter((state) => stateTagsOf(definition, state).includes(tag))
      .map((state) => ({ type: definition.spec.type, version: definition.spec.version, state })),
  )
}

/** Every state of every machine and version, each once, in definition order: the API's enum of states. */
export const stateNames: readonly string[] = Object.freeze([...new Set(allDefinitions().flatMap(stateIds))])

export * from './shared/vocabulary.js'
export type { ProjectMachineDefinition } from './shared/lifecycle.js'
export type { ProjectContext, ProjectPolicy } from './shared/context.js'
export type { ProjectEvent, EventType } from './shared/events.js'
export type { EventFacts, FactName } from './shared/facts.js'
export { gradeIndicators, gradingPolicyProblems, type GradingPolicy } from './shared/grading.js'

/** Each type's name, from its current machine. */
export const projectTypeLabels = Object.fromEntries(projectTypes.map((t) => [t, currentDefinition(t).spec.label])) as Record<ProjectType, string>

/** Each type's default grading policy (R14), from its current machine. */
export const defaultGrading = Object.fromEntries(projectTypes.map((t) => [t, currentDefinition(t).spec.grading])) as Record<ProjectType, GradingPolicy>

/** The types whose declared projects count as the "1" of 1+X, or as one of the X (R5). */
export const typesCountingAs = (role: 'one' | 'x'): ProjectType[] => projectTypes.filter((t) => currentDefinition(t).spec.countsAs === role)
export { describeMachine, acceptedEvents, guardNames, needsOf, stateMetaOf, stateIds, stateTagsOf, toMermaid, reachableRules } from './shared/describe.js'
export type { DescribedState, MachineDescription, StateDescription, TransitionDescription } from './shared/describe.js'
export { deadlineCandidates, firesAfter, RESUBMISSION_DAYS } from './shared/deadlines.js'
export type { ProgrammeCalendar, ProgrammeCalendarOf } from './shared/deadlines.js'
export { progressReportStatuses, periodsWith, type ProgressReportStatus } from './shared/progress.js'
export { diffMachines, type MachineDiff } from './shared/version-diff.js'
export { resolveStateMap, type StateMap, type StateMapProblem } from './shared/state-map.js'
