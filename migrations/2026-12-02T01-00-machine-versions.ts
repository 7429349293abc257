import { sql, type Kysely } from 'kysely'

// Frozen in time: later changes go in new migrations, never here.
//
// Machine versions side by side (docs/versions.md): when each version became current in this
// database, and explicit migrations of running projects from one version to another, with the
// outcome of each project. Every machine so far is at version 1, current since the first project
// of its type; a type without projects gets its row when the service starts (with its clock).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('machine_version')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('current_since', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('machine_version_pk', ['type', 'version'])
    .execute()
  await sql`
    insert into machine_version (type, version, current_since)
    select p.type, 1, min(p.created_at) from project p
     where p.type in ('foundation', 'innovation', 'promotion') group by p.type`.execute(db)

  await db.schema
    .createTable('migration')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('from_version', 'integer', (c) => c.notNull())
    .addColumn('to_version', 'integer', (c) => c.notNull())
    .addColumn('state_map', 'jsonb', (c) => c.notNull())
    .addColumn('filter', 'jsonb', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('running', 'completed')`))
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('planned', 'integer', (c) => c.notNull())
    .addColumn('moved', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('blocked', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('completed_at', 'timestamptz')
    .execute()
  // One migration of a type runs at a time: two would race for the same projects.
  await sql`create unique index migration_one_running_per_type on migration (type) where status = 'running'`.execute(db)
  await sql`create index migration_by_created on migration (created_at desc, id)`.execute(db)

  await db.schema
    .createTable('migration_outcome')
    .addColumn('migration_id', 'uuid', (c) => c.notNull().references('migration.id'))
    .addColumn('project_id', 'uuid', (c) => c.notNull().references('project.id'))
    .addColumn('seq', 'bigserial', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome in ('moved', 'blocked')`))
    .addColumn('from_state', 'text', (c) => c.notNull())
    .addColumn('to_state', 'text')
    .addColumn('reason', 'text')
    .addColumn('details', 'jsonb')
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('migration_outcome_pk', ['migration_id', 'project_id'])
    .execute()
  await sql`create index migration_outcome_in_order on migration_outcome (migration_id, seq)`.execute(db)
  // A migration reads a type's projects at one version, in id order, batch by batch.
  await sql`create index project_by_machine_version on project (type, machine_version, id)`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index project_by_machine_version`.execute(db)
  await db.schema.dropTable('migration_outcome').execute()
  await db.schema.dropTable('migration').execute()
  await db.schema.dropTable('machine_version').execute()
}
