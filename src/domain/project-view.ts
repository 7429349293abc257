import { definitionAt, phaseLabels, projectTypeLabels, stateMetaOf, type DescribedState, type StateTag } from '../../machines/index.js'
import type { ProjectRow } from '../db/tables/project.js'

/** A project's state as its own machine version describes it: label, phase, final, tags. */
export function describedState(row: Pick<ProjectRow, 'id' | 'type' | 'machine_version' | 'state'>): DescribedState {
  const definition = definitionAt(row.type, row.machine_version)
  const meta = definition && stateMetaOf(definition, row.state)
  if (!meta) throw new Error(`project ${row.id} is in unknown state ${row.state} of ${row.type} v${row.machine_version}`)
  return meta
}

/** The one view of a project's row, without what it has recorded: lists, the project's answer and the annual report start from it. */
export function projectSummaryView(row: Omit<ProjectRow, 'snapshot'>) {
  const meta = describedState(row)
  return {
    id: row.id,
    type: row.type,
    typeLabel: projectTypeLabels[row.type],
    machineVersion: row.machine_version,
    organizationId: row.organization_id,
    year: row.year,
    title: row.title,
    state: row.state,
    stateLabel: meta.label,
    // Shared and frozen per state; typed as the schema's array, never written to.
    stateTags: meta.tags as StateTag[],
    phase: meta.phase,
    phaseLabel: phaseLabels[meta.phase],
    final: meta.final,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  }
}
