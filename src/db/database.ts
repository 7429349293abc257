import type { Kysely, Transaction } from 'kysely'
import type { CalendarChangeTable, CalendarTable } from './tables/calendar.js'
import type { CommendationTable } from './tables/commendation.js'
import type { GradingPolicyTable } from './tables/grading.js'
import type { GroupMemberTable } from './tables/group.js'
import type { HandbookItemTable, HandbookVersionTable } from './tables/handbook.js'
import type { IdempotencyKeyTable, PrincipalTable } from './tables/principal.js'
import type { SpotCheckTable } from './tables/spot-check.js'
import type { TownSystemTable } from './tables/system.js'
import type { WebhookAttemptTable, WebhookDeliveryTable, WebhookTable } from './tables/webhook.js'
import type { ProjectHistoryTable } from './tables/history.js'
import type { OrganizationTable } from './tables/organization.js'
import type { FeedHeadTable, OutboxTable } from './tables/outbox.js'
import type { ProjectTable } from './tables/project.js'
import type { TimerTable } from './tables/timer.js'
import type { ServiceClockTable } from './tables/service-clock.js'
import type { ReplanRequestTable } from './tables/replan-request.js'
import type { MachineVersionTable } from './tables/machine-version.js'
import type { MigrationOutcomeTable, MigrationTable } from './tables/migration.js'
import type { FileChunkTable, FileReferenceTable, ProjectFileTable, StoredFileTable } from './tables/file.js'

export interface Database {
  organization: OrganizationTable
  project: ProjectTable
  project_history: ProjectHistoryTable
  timer: TimerTable
  outbox: OutboxTable
  feed_head: FeedHeadTable
  service_clock: ServiceClockTable
  calendar: CalendarTable
  calendar_change: CalendarChangeTable
  handbook_version: HandbookVersionTable
  handbook_item: HandbookItemTable
  group_member: GroupMemberTable
  grading_policy: GradingPolicyTable
  spot_check: SpotCheckTable
  town_system: TownSystemTable
  commendation: CommendationTable
  principal: PrincipalTable
  idempotency_key: IdempotencyKeyTable
  webhook: WebhookTable
  webhook_delivery: WebhookDeliveryTable
  webhook_attempt: WebhookAttemptTable
  replan_request: ReplanRequestTable
  machine_version: MachineVersionTable
  migration: MigrationTable
  migration_outcome: MigrationOutcomeTable
  stored_file: StoredFileTable
  file_chunk: FileChunkTable
  project_file: ProjectFileTable
  file_reference: FileReferenceTable
}

/** What repository functions take first: the database or a transaction. */
export type Executor = Kysely<Database> | Transaction<Database>
export type DB = Kysely<Database>
