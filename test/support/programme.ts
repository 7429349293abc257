import { organizationCategories } from '../../machines/index.js'
import type { Executor } from '../../src/db/database.js'
import { setGroupMembers } from '../../src/domain/groups.js'
import { publishHandbookVersion } from '../../src/domain/handbooks.js'
import { assessors, handbook, reviewers } from './fixtures.js'

/** What the organization section sets up before a year's declarations: the handbook and both groups. */
export async function seedProgramme(db: Executor, years: number[] = [2026], now = new Date('2026-01-01T00:00:00Z')) {
  const published = await db.selectFrom('handbook_version').select('version').where('version', '=', handbook.version).executeTakeFirst()
  if (!published) {
    await publishHandbookVersion(
      db,
      { ...handbook, items: handbook.items.map((item) => ({ ...item, categories: [...organizationCategories] })) },
      '组织科',
      now,
    )
  }
  for (const year of years) {
    await setGroupMembers(db, year, 'review', reviewers, '组织科', now)
    await setGroupMembers(db, year, 'acceptance', assessors, '组织科', now)
  }
}
