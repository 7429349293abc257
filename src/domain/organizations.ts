import { randomUUID } from 'node:crypto'
import type { OrganizationCategory } from '../../machines/index.js'
import type { Executor } from '../db/database.js'
import type { OrganizationRow } from '../db/tables/organization.js'
import { notFound, Refusal } from '../errors.js'
import { appendOutbox } from './outbox.js'
import { pageQuery, type Page } from './pagination.js'

export interface NewOrganization {
  name: string
  category: OrganizationCategory
  secretary: string
  leaderInCharge: string
  parentId?: string | undefined
}

export async function createOrganization(db: Executor, input: NewOrganization, now: Date): Promise<OrganizationRow> {
  if (input.parentId) await getOrganization(db, input.parentId)
  const exists = (id: string) => new Refusal(409, 'ORGANIZATION_EXISTS', `an organization named ${input.name} already exists`, { id })
  const existing = await db.selectFrom('organization').select('id').where('name', '=', input.name).executeTakeFirst()
  if (existing) throw exists(existing.id)
  const row = await db
    .insertInto('organization')
    .values({
      id: randomUUID(),
      name: input.name,
      category: input.category,
      secretary: input.secretary,
      leader_in_charge: input.leaderInCharge,
      parent_id: input.parentId ?? null,
      created_at: now,
      updated_at: now,
    })
    // Two requests naming the same new organization at once: the second waits for the first and is told it exists.
    .onConflict((oc) => oc.column('name').doNothing())
    .returningAll()
    .executeTakeFirst()
  if (!row) {
    const winner = await db.selectFrom('organization').select('id').where('name', '=', input.name).executeTakeFirstOrThrow()
    throw exists(winner.id)
  }
  await appendOutbox(db, 'organization.created', { organizationId: row.id, name: row.name, category: row.category }, now, { organizationId: row.id })
  return row
}

export async function findOrganization(
  db: Executor,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<OrganizationRow | undefined> {
  let query = db.selectFrom('organization').selectAll().where('id', '=', id)
  if (options.forUpdate) query = query.forUpdate()
  return query.executeTakeFirst()
}

export async function getOrganization(db: Executor, id: string, options: { forUpdate?: boolean } = {}): Promise<OrganizationRow> {
  const row = await findOrganization(db, id, options)
  if (!row) throw notFound('organization', id, 'ORGANIZATION_NOT_FOUND')
  return row
}

export async function listOrganizations(
  db: Executor,
  filter: { category?: OrganizationCategory | undefined; id?: string | undefined; cursor?: string | undefined; limit: number },
): Promise<Page<OrganizationRow>> {
  let query = db.selectFrom('organization').selectAll()
  if (filter.category) query = query.where('category', '=', filter.category)
  if (filter.id) query = query.where('id', '=', filter.id)
  return pageQuery(query, filter)
}
