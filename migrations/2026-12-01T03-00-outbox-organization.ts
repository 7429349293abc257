import { sql, type Kysely } from 'kysely'

// Frozen in time: later changes go in new migrations, never here.
//
// A token bound to an organization reads only that organization's events in the feed. Events of a
// project carry its project; an organization's own records (its registration, its commendations)
// carried none, so they were lost to it. Every row now names the organization it belongs to, or
// none for the town's programme records.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('outbox').addColumn('organization_id', 'uuid').execute()
  await sql`update outbox o set organization_id = p.organization_id from project p where p.id = o.project_id`.execute(db)
  await sql`update outbox set organization_id = (payload->>'organizationId')::uuid
             where organization_id is null and topic in ('organization.created', 'commendation.awarded')`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('outbox').dropColumn('organization_id').execute()
}
