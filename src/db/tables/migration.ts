import type { Generated, Insertable, JSONColumnType, Selectable } from 'kysely'
import type { ProjectType } from '../../../machines/index.js'

/** An explicit migration of running projects from one machine version to another (docs/versions.md). */
export interface MigrationTable {
  id: string
  type: ProjectType
  from_version: number
  to_version: number
  /** Every state of the old version, to its state in the new one or null (not moved). */
  state_map: JSONColumnType<Record<string, string | null>>
  filter: JSONColumnType<MigrationFilter>
  status: 'running' | 'completed'
  requested_by: string
  /** Projects the filter selected when it was requested. */
  planned: number
  moved: Generated<number>
  blocked: Generated<number>
  created_at: Date
  updated_at: Date
  completed_at: Date | null
}

export interface MigrationFilter {
  states?: string[]
  year?: number
  organizationId?: string
}

/** What a migration did to one project: moved, or blocked and why. Written in the batch that decided it. */
export interface MigrationOutcomeTable {
  migration_id: string
  project_id: string
  seq: Generated<string>
  outcome: 'moved' | 'blocked'
  from_state: string
  to_state: string | null
  reason: string | null
  details: JSONColumnType<Record<string, unknown>> | null
  at: Date
}

export type MigrationRow = Selectable<MigrationTable>
export type NewMigrationRow = Insertable<MigrationTable>
export type MigrationOutcomeRow = Selectable<MigrationOutcomeTable>
