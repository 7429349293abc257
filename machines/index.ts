import { foundation } from './foundation/machine.js'
import { innovation } from './innovation/machine.js'
import { promotion } from './promotion/machine.js'
import type { ProjectMachineDefinition } from './shared/lifecycle.js'
import { projectTypes, type ProjectType, type StateTag } from './shared/vocabulary.js'
import { stateIds, stateTagsOf } from './shared/describe.js'

/**
 * The registry of machine definitions by type and version (I6). A changed machine is added
 * under a new version; instances keep the version they started on.
 */
export const machineRegistry: Record<ProjectType, { current: number; versions: Record<number, ProjectMachineDefinition> }> = {
  foundation: { current: foundation.spec.version, versions: { [foundation.spec.version]: foundation } },
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

export * from './shared/vocabulary.js'
export type { ProjectMachineDefinition } from './shared/lifecycle.js'
export type { ProjectContext, ProjectPolicy } from './shared/context.js'
export type { ProjectEvent, EventType } from './shared/events.js'
export type { EventFacts, FactName } from './shared/facts.js'
export { defaultGrading, gradeIndicators } from './shared/grading.js'
export { describeMachine, acceptedEvents, guardNames, needsOf, stateMetaOf, stateIds, stateTagsOf, toMermaid, reachableRules } from './shared/describe.js'
export type { DescribedState, MachineDescription, StateDescription, TransitionDescription } from './shared/describe.js'
export { deadlineCandidates, firesAfter, RESUBMISSION_DAYS } from './shared/deadlines.js'
export type { ProgrammeCalendar, ProgrammeCalendarOf } from './shared/deadlines.js'
export { progressReportStatuses, periodsWith, type ProgressReportStatus } from './shared/progress.js'
