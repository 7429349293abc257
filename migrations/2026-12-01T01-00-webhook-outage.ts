import type { Kysely } from 'kysely'

// Frozen in time: later changes go in new migrations, never here.
//
// A webhook was disabled after ten failed attempts in a row, which a burst of first attempts of ten
// different deliveries reached in a fraction of a second. It is now disabled after an outage: every
// attempt failing for a stretch of time, counted from the first failure since the last success.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webhook').addColumn('failing_since', 'timestamptz').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webhook').dropColumn('failing_since').execute()
}
