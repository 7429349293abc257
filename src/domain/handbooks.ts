import type { OrganizationCategory } from '../../machines/index.js'
import type { Executor } from '../db/database.js'
import type { HandbookItemRow, HandbookVersionRow } from '../db/tables/handbook.js'
import { notFound, Refusal } from '../errors.js'
import { appendOutbox } from './outbox.js'

/**
 * Versions of the Town Party-Building Project Management Handbook (R1). A version is published
 * whole and never changed: a new edition is a new version, and projects keep the one they named.
 */
export interface NewHandbookItem {
  code: string
  categories: OrganizationCategory[]
  requirement: string
  standard: string
  frequency: string
  required: boolean
}

export async function publishHandbookVersion(
  db: Executor,
  input: { version: string; title: string; items: NewHandbookItem[] },
  actor: string,
  now: Date,
): Promise<HandbookVersionRow> {
  const row = await db
    .insertInto('handbook_version')
    .values({ version: input.version, title: input.title, published_by: actor, published_at: now })
    // Published already, or being published by a request that commits first: versions never change.
    .onConflict((oc) => oc.column('version').doNothing())
    .returningAll()
    .executeTakeFirst()
  if (!row) {
    throw new Refusal(409, 'HANDBOOK_VERSION_EXISTS', `handbook version ${input.version} is already published; publish a new version`, {
      version: input.version,
    })
  }
  const items = input.items.flatMap((item, position) =>
    item.categories.map((category) => ({
      version: input.version,
      category,
      code: item.code,
      requirement: item.requirement,
      standard: item.standard,
      frequency: item.frequency,
      required: item.required,
      position,
    })),
  )
  if (items.length) await db.insertInto('handbook_item').values(items).execute()
  await appendOutbox(db, 'handbook.published', { version: row.version, title: row.title, items: input.items.length }, now)
  return row
}

export async function listHandbookVersions(db: Executor): Promise<HandbookVersionRow[]> {
  return db.selectFrom('handbook_version').selectAll().orderBy('published_at').orderBy('version').execute()
}

export async function getHandbookVersion(
  db: Executor,
  version: string,
  category?: OrganizationCategory,
): Promise<{ version: HandbookVersionRow; items: HandbookItemRow[] }> {
  const row = await db.selectFrom('handbook_version').selectAll().where('version', '=', version).executeTakeFirst()
  if (!row) throw notFound('handbook version', version, 'HANDBOOK_VERSION_NOT_FOUND')
  let query = db.selectFrom('handbook_item').selectAll().where('version', '=', version)
  if (category) query = query.where('category', '=', category)
  return { version: row, items: await query.orderBy('position').orderBy('category').execute() }
}

/** What a foundation declaration must cover: the version's items for the organization's category. */
export async function handbookFacts(db: Executor, version: string, category: OrganizationCategory) {
  const exists = await db.selectFrom('handbook_version').select('version').where('version', '=', version).executeTakeFirst()
  const items = exists
    ? await db
        .selectFrom('handbook_item')
        .select(['code', 'required'])
        .where('version', '=', version)
        .where('category', '=', category)
        .orderBy('position')
        .execute()
    : []
  return {
    version,
    exists: !!exists,
    category,
    requiredItems: items.filter((i) => i.required).map((i) => i.code),
    knownItems: items.map((i) => i.code),
  }
}
