import { sql, type Kysely } from 'kysely'

// Frozen in time: later changes go in new migrations, never here.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('organization')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('secretary', 'text', (c) => c.notNull())
    .addColumn('leader_in_charge', 'text', (c) => c.notNull())
    .addColumn('parent_id', 'uuid', (c) => c.references('organization.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addCheckConstraint('organization_category_known', sql`category in ('village','organ','school','social','enterprise')`)
    .execute()
  await db.schema.createIndex('organization_name_unique').on('organization').column('name').unique().execute()

  await db.schema
    .createTable('project')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('machine_version', 'integer', (c) => c.notNull())
    .addColumn('organization_id', 'uuid', (c) => c.notNull().references('organization.id'))
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('phase', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('snapshot', 'jsonb', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addCheckConstraint('project_type_known', sql`type in ('foundation','innovation','promotion')`)
    .addCheckConstraint('project_version_positive', sql`version >= 1`)
    .execute()
  await db.schema.createIndex('project_year_type_state').on('project').columns(['year', 'type', 'state']).execute()
  await db.schema.createIndex('project_organization_year').on('project').columns(['organization_id', 'year']).execute()
  await db.schema.createIndex('project_listing').on('project').columns(['created_at', 'id']).execute()

  await db.schema
    .createTable('project_history')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('project_id', 'uuid', (c) => c.notNull().references('project.id'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('from_state', 'text')
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('event', 'jsonb', (c) => c.notNull())
    .addColumn('to_state', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('project_history_one_per_version', ['project_id', 'version'])
    .execute()

  await db.schema
    .createTable('timer')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('project_id', 'uuid', (c) => c.notNull().references('project.id'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('event', 'jsonb', (c) => c.notNull())
    .addColumn('due_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('timer_one_per_key', ['project_id', 'key'])
    .execute()
  await db.schema.createIndex('timer_due').on('timer').columns(['due_at', 'id']).execute()

  await db.schema
    .createTable('outbox')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('project_id', 'uuid', (c) => c.references('project.id'))
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['outbox', 'timer', 'project_history', 'project', 'organization']) {
    await db.schema.dropTable(table).execute()
  }
}
