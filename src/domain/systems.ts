import type { Executor } from '../db/database.js'
import type { TownSystemRow } from '../db/tables/system.js'
import { notFound } from '../errors.js'

/** Town-wide systems (制度) that projects' practices were solidified into (R15). */
export async function getSystem(db: Executor, id: string): Promise<TownSystemRow> {
  const row = await db.selectFrom('town_system').selectAll().where('id', '=', id).executeTakeFirst()
  if (!row) throw notFound('system', id, 'SYSTEM_NOT_FOUND')
  return row
}

export async function listSystems(db: Executor): Promise<TownSystemRow[]> {
  return db.selectFrom('town_system').selectAll().orderBy('established_at').orderBy('id').execute()
}
