import { sql, type Kysely } from 'kysely'

// Frozen in time: later changes go in new migrations, never here.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('calendar')
    .addColumn('year', 'integer', (c) => c.primaryKey())
    .addColumn('declaration_deadline', 'timestamptz', (c) => c.notNull())
    .addColumn('h1_meeting_at', 'timestamptz', (c) => c.notNull())
    .addColumn('h1_report_due_at', 'timestamptz', (c) => c.notNull())
    .addColumn('h2_meeting_at', 'timestamptz', (c) => c.notNull())
    .addColumn('h2_report_due_at', 'timestamptz', (c) => c.notNull())
    .addColumn('acceptance_deadline', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('calendar_change')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('before', 'jsonb', (c) => c.notNull())
    .addColumn('after', 'jsonb', (c) => c.notNull())
    .addColumn('rescheduled_timers', 'integer', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('calendar_change_year').on('calendar_change').columns(['year', 'id']).execute()

  // What a timer is for: a calendar deadline kind, or 'delay' for a delayed transition of the machine.
  await db.schema.alterTable('timer').addColumn('kind', 'text', (c) => c.notNull().defaultTo('delay')).execute()
  await db.schema.createIndex('timer_kind_due').on('timer').columns(['kind', 'due_at']).execute()
  await sql`comment on column timer.kind is 'declarationDeadline | progressReportDue | acceptanceDeadline | delay'`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('timer_kind_due').execute()
  await db.schema.alterTable('timer').dropColumn('kind').execute()
  await db.schema.dropTable('calendar_change').execute()
  await db.schema.dropTable('calendar').execute()
}
