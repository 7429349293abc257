import { sql, type Kysely } from 'kysely'

// Frozen in time: later changes go in new migrations, never here.
//
// The feed ordered rows by (txid, id) behind a txid < xmin gate. A transaction's id is taken at its
// first write, not at commit, and xmin counts every database of the cluster, so the feed could
// reorder one project's events and stall behind another database's idle transaction. Instead a
// single positioner (whoever holds feed_head's row) gives committed rows dense positions, and the
// feed and webhooks read by position (docs/event-feed.md says why).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('outbox').addColumn('position', 'bigint').execute()
  // Rows already written keep the order the feed meant to serve them in: txid, then id, as numbers.
  await sql`update outbox o set position = r.n
              from (select id, row_number() over (order by txid, id) as n from outbox) r
             where o.id = r.id`.execute(db)
  await db.schema.createIndex('outbox_position').on('outbox').column('position').unique().execute()
  await db.schema.createIndex('outbox_unpositioned').on('outbox').column('id').where(sql.ref('position'), 'is', null).execute()

  await db.schema
    .createTable('feed_head')
    .addColumn('singleton', 'boolean', (c) => c.primaryKey().defaultTo(true).check(sql`singleton`))
    .addColumn('position', 'bigint', (c) => c.notNull())
    .execute()
  await sql`insert into feed_head (singleton, position) select true, coalesce(max(position), 0) from outbox`.execute(db)

  // A webhook's cursor becomes the position of the last row it had fanned out.
  await db.schema.alterTable('webhook').addColumn('cursor_position', 'bigint').execute()
  await sql`update webhook w set cursor_position = coalesce(
              (select max(o.position) from outbox o where (o.txid, o.id) <= (w.cursor_txid::xid8, w.cursor_id)), 0)`.execute(db)
  await db.schema.alterTable('webhook').alterColumn('cursor_position', (c) => c.setNotNull()).execute()
  await db.schema.alterTable('webhook').dropColumn('cursor_txid').dropColumn('cursor_id').execute()

  await db.schema.dropIndex('outbox_feed').execute()
  await db.schema.alterTable('outbox').dropColumn('txid').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table outbox add column txid xid8 not null default pg_current_xact_id()`.execute(db)
  await db.schema.createIndex('outbox_feed').on('outbox').columns(['txid', 'id']).execute()
  await db.schema.alterTable('webhook').addColumn('cursor_txid', 'text', (c) => c.notNull().defaultTo('0')).execute()
  await db.schema.alterTable('webhook').addColumn('cursor_id', 'bigint', (c) => c.notNull().defaultTo(0)).execute()
  // Served rows go back to (txid 0, their id): a cursor at the last served id resumes after it.
  await sql`update outbox set txid = '0'::xid8 where position is not null`.execute(db)
  await sql`update webhook w set cursor_id = coalesce((select max(o.id) from outbox o where o.position <= w.cursor_position), 0)`.execute(db)
  await db.schema.alterTable('webhook').dropColumn('cursor_position').execute()
  await db.schema.dropTable('feed_head').execute()
  await db.schema.dropIndex('outbox_unpositioned').execute()
  await db.schema.dropIndex('outbox_position').execute()
  await db.schema.alterTable('outbox').dropColumn('position').execute()
}
