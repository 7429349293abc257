import { sql, type Kysely } from 'kysely'

// Frozen in time: later changes go in new migrations, never here.
//
// The sandbox's manual clock lived in each process's memory: two processes on one database
// disagreed about the time, and a restart went back to CLOCK_START. It is one row here instead.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('service_clock')
    .addColumn('singleton', 'boolean', (c) => c.primaryKey().defaultTo(true).check(sql`singleton`))
    .addColumn('now', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('service_clock').execute()
}
