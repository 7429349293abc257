import type { Executor } from '../db/database.js'
import type { GroupKind } from '../db/tables/group.js'
import { appendOutbox } from './outbox.js'

/** The year's review group (评审组, R8) and acceptance group (验收组, R14), formed by the organization section. */
export async function setGroupMembers(
  db: Executor,
  year: number,
  group: GroupKind,
  members: string[],
  actor: string,
  now: Date,
): Promise<string[]> {
  await db.deleteFrom('group_member').where('year', '=', year).where('group', '=', group).execute()
  const unique = [...new Set(members)]
  if (unique.length) {
    await db
      .insertInto('group_member')
      .values(unique.map((member, position) => ({ year, group, member, position, added_by: actor, added_at: now })))
      .execute()
  }
  await appendOutbox(db, 'group.formed', { year, group, members: unique }, now)
  return unique
}

export async function groupMembers(db: Executor, year: number, group: GroupKind): Promise<string[]> {
  const rows = await db
    .selectFrom('group_member')
    .select('member')
    .where('year', '=', year)
    .where('group', '=', group)
    .orderBy('position')
    .execute()
  return rows.map((r) => r.member)
}
