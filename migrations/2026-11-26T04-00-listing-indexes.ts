import { sql, type Kysely } from 'kysely'

// Frozen in time: later changes go in new migrations, never here.
//
// bench:scale at 1,000,000 projects: a list filtered by type, state and year that matched few or
// no rows walked the listing index (created_at, id) to the end looking for 51 of them (p99 1.8 s).
// These indexes hold the filter and the listing order together, so the first page is a short
// index range whatever the filter matches.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('project_year_type_state').execute()
  await db.schema.createIndex('project_year_type_state_listing').on('project').columns(['year', 'type', 'state', 'created_at', 'id']).execute()
  await db.schema
    .createIndex('project_overdue_listing')
    .on('project')
    .columns(['year', 'created_at', 'id'])
    .where(sql.ref('state'), 'in', ['overdueDeclaration', 'overdueAcceptance'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('project_overdue_listing').execute()
  await db.schema.dropIndex('project_year_type_state_listing').execute()
  await db.schema.createIndex('project_year_type_state').on('project').columns(['year', 'type', 'state']).execute()
}
