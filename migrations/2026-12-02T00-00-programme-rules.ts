import { sql, type Kysely } from 'kysely'

// Frozen in time: later changes go in new migrations, never here.
//
// The machines now own two defaults the planner used to apply: the organization's secretary is
// the first-responsible person (R16), so each project keeps the secretary and leader in charge it
// started with; and a declaration returned for revision has a resubmission window instead of the
// March deadline, while an approved project without a plan is subject to the acceptance deadline.
// Those change which timers running projects should have: a re-plan is requested here and carried
// out by the service at its next start, through the same planner transitions use.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    update project p
       set snapshot = jsonb_set(p.snapshot, '{context,responsible}',
             jsonb_build_object('secretary', o.secretary, 'leaderInCharge', o.leader_in_charge))
      from organization o
     where o.id = p.organization_id and not (p.snapshot->'context' ? 'responsible')`.execute(db)
  await db.schema
    .createTable('replan_request')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('requested_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute()
  // Which project types exist is the machine registry's to say (machines/index.ts): a second list here would have to follow it.
  await sql`alter table project drop constraint project_type_known`.execute(db)
  await sql`insert into replan_request (reason) values ('2026-12-02: resubmission window; acceptance deadline while planning')`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table project add constraint project_type_known check (type in ('foundation','innovation','promotion'))`.execute(db)
  await db.schema.dropTable('replan_request').execute()
  await sql`update project set snapshot = snapshot #- '{context,responsible}'`.execute(db)
}
