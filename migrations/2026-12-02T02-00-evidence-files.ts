import { sql, type Kysely } from 'kysely'

// Frozen in time: later changes go in new migrations, never here.
//
// Evidence files (docs/files.md). Content is stored once per SHA-256 (`stored_file`); with the
// database store its bytes are `file_chunk` rows written as the upload streams in, under an
// upload id, and the file row names that upload once the whole body has arrived and been hashed —
// chunks no file names are an interrupted upload's, removed later. A project holds a file
// (`project_file`, counted against its quota); an event naming it records a `file_reference`,
// which nothing can delete (restrict), so the history always proves which bytes were evidence.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('stored_file')
    .addColumn('sha256', 'text', (c) => c.primaryKey().check(sql`sha256 ~ '^[0-9a-f]{64}$'`))
    .addColumn('size', 'bigint', (c) => c.notNull().check(sql`size >= 0`))
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('storage', 'text', (c) => c.notNull().check(sql`storage in ('database', 'filesystem')`))
    .addColumn('upload_id', 'uuid')
    .addColumn('stored_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema
    .createTable('file_chunk')
    .addColumn('upload_id', 'uuid', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('bytes', 'bytea', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('file_chunk_pk', ['upload_id', 'seq'])
    .execute()
  // Photos, scans and Office files are compressed already: no second attempt on every chunk.
  await sql`alter table file_chunk alter column bytes set storage external`.execute(db)
  await db.schema
    .createTable('project_file')
    .addColumn('project_id', 'uuid', (c) => c.notNull().references('project.id'))
    .addColumn('sha256', 'text', (c) => c.notNull().references('stored_file.sha256').onDelete('restrict'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('uploaded_by', 'text', (c) => c.notNull())
    .addColumn('uploaded_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('project_file_pk', ['project_id', 'sha256'])
    .execute()
  await db.schema.createIndex('project_file_sha256').on('project_file').column('sha256').execute()
  await db.schema
    .createTable('file_reference')
    .addColumn('project_id', 'uuid', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('history_version', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('file_reference_pk', ['project_id', 'sha256', 'history_version'])
    .addForeignKeyConstraint('file_reference_file', ['project_id', 'sha256'], 'project_file', ['project_id', 'sha256'], (c) => c.onDelete('restrict').onUpdate('restrict'))
    .execute()
  // Stored bytes never change: a file named by its hash is that hash's bytes for good.
  await sql`create function refuse_file_rewrite() returns trigger language plpgsql as $$
    begin
      raise exception 'evidence files are never rewritten (%)', tg_table_name using errcode = 'restrict_violation';
    end $$`.execute(db)
  await sql`create trigger stored_file_immutable before update on stored_file
    for each row execute function refuse_file_rewrite()`.execute(db)
  await sql`create trigger file_chunk_immutable before update on file_chunk for each row execute function refuse_file_rewrite()`.execute(db)
  await sql`create trigger project_file_immutable before update on project_file for each row execute function refuse_file_rewrite()`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('file_reference').execute()
  await db.schema.dropTable('project_file').execute()
  await db.schema.dropTable('file_chunk').execute()
  await db.schema.dropTable('stored_file').execute()
  await sql`drop function refuse_file_rewrite()`.execute(db)
}
