import { sql, type Kysely } from 'kysely'

// Frozen in time: later changes go in new migrations, never here.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('handbook_version')
    .addColumn('version', 'text', (c) => c.primaryKey())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('published_by', 'text', (c) => c.notNull())
    .addColumn('published_at', 'timestamptz', (c) => c.notNull())
    .execute()
  await db.schema
    .createTable('handbook_item')
    .addColumn('version', 'text', (c) => c.notNull().references('handbook_version.version'))
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('requirement', 'text', (c) => c.notNull())
    .addColumn('standard', 'text', (c) => c.notNull())
    .addColumn('frequency', 'text', (c) => c.notNull())
    .addColumn('required', 'boolean', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('handbook_item_pk', ['version', 'category', 'code'])
    .execute()

  await db.schema
    .createTable('group_member')
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('group', 'text', (c) => c.notNull())
    .addColumn('member', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('added_by', 'text', (c) => c.notNull())
    .addColumn('added_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('group_member_pk', ['year', 'group', 'member'])
    .addCheckConstraint('group_member_group_known', sql`"group" in ('review', 'acceptance')`)
    .execute()

  await db.schema
    .createTable('grading_policy')
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('weights', 'jsonb', (c) => c.notNull())
    .addColumn('thresholds', 'jsonb', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('grading_policy_pk', ['year', 'type'])
    .execute()

  await db.schema
    .createTable('spot_check')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('category', 'text')
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('amount', 'double precision', (c) => c.notNull())
    .addColumn('seed', 'text', (c) => c.notNull())
    .addColumn('population', 'jsonb', (c) => c.notNull())
    .addColumn('selected', 'jsonb', (c) => c.notNull())
    .addColumn('drawn_by', 'text', (c) => c.notNull())
    .addColumn('drawn_at', 'timestamptz', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('spot_check_year').on('spot_check').columns(['year', 'drawn_at']).execute()

  await db.schema
    .createTable('town_system')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('effective_date', 'text', (c) => c.notNull())
    .addColumn('source_project_id', 'uuid', (c) => c.notNull().unique().references('project.id'))
    .addColumn('established_by', 'text', (c) => c.notNull())
    .addColumn('established_at', 'timestamptz', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('commendation')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('recipient_type', 'text', (c) => c.notNull())
    .addColumn('organization_id', 'uuid', (c) => c.notNull().references('organization.id'))
    .addColumn('project_id', 'uuid', (c) => c.references('project.id'))
    .addColumn('worker_name', 'text')
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('basis', 'jsonb', (c) => c.notNull())
    .addColumn('follows_id', 'uuid', (c) => c.references('commendation.id'))
    .addColumn('awarded_by', 'text', (c) => c.notNull())
    .addColumn('awarded_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('commendation_year').on('commendation').columns(['year', 'organization_id']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['commendation', 'town_system', 'spot_check', 'grading_policy', 'group_member', 'handbook_item', 'handbook_version']) {
    await db.schema.dropTable(table).execute()
  }
}
