import type { Migration } from 'kysely'
import * as core from './2026-11-26T00-00-core.js'
import * as calendar from './2026-11-26T01-00-calendar.js'
import * as programme from './2026-11-26T02-00-programme.js'
import * as integration from './2026-11-26T03-00-integration.js'
import * as listingIndexes from './2026-11-26T04-00-listing-indexes.js'
import * as feedPositions from './2026-12-01T00-00-feed-positions.js'
import * as webhookOutage from './2026-12-01T01-00-webhook-outage.js'
import * as serviceClock from './2026-12-01T02-00-service-clock.js'
import * as outboxOrganization from './2026-12-01T03-00-outbox-organization.js'
import * as programmeRules from './2026-12-02T00-00-programme-rules.js'
import * as machineVersions from './2026-12-02T01-00-machine-versions.js'
import * as evidenceFiles from './2026-12-02T02-00-evidence-files.js'

/** An explicit barrel, so migrations load the same way under tsx, vitest and tsc. */
export const migrations: Record<string, Migration> = {
  '2026-11-26T00-00-core': core,
  '2026-11-26T01-00-calendar': calendar,
  '2026-11-26T02-00-programme': programme,
  '2026-11-26T03-00-integration': integration,
  '2026-11-26T04-00-listing-indexes': listingIndexes,
  '2026-12-01T00-00-feed-positions': feedPositions,
  '2026-12-01T01-00-webhook-outage': webhookOutage,
  '2026-12-01T02-00-service-clock': serviceClock,
  '2026-12-01T03-00-outbox-organization': outboxOrganization,
  '2026-12-02T00-00-programme-rules': programmeRules,
  '2026-12-02T01-00-machine-versions': machineVersions,
  '2026-12-02T02-00-evidence-files': evidenceFiles,
}
