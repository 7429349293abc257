import type { Executor } from '../db/database.js'

/** Every topic the service publishes on the event feed and to webhooks (docs/event-feed.md). */
export const outboxTopics = [
  'project.created',
  'project.transitioned',
  'system.established',
  'organization.created',
  'group.formed',
  'handbook.published',
  'grading.changed',
  'calendar.changed',
  'spotcheck.drawn',
  'commendation.awarded',
] as const
export type OutboxTopic = (typeof outboxTopics)[number]

/**
 * Records the outside world must hear about besides project transitions (calendar changes,
 * handbook versions, groups, grading, spot checks, commendations, organizations), written in the
 * same transaction as the record, so the event feed and webhooks carry them too.
 */
export async function appendOutbox(
  db: Executor,
  topic: OutboxTopic,
  payload: Record<string, unknown>,
  now: Date,
  /** Whose record it is: a bound token reads only its organization's (and the town's programme records). */
  owner: { projectId?: string | null; organizationId?: string | null } = {},
): Promise<void> {
  await db
    .insertInto('outbox')
    .values({ project_id: owner.projectId ?? null, organization_id: owner.organizationId ?? null, topic, payload: JSON.stringify(payload), created_at: now })
    .execute()
}
