import { sql } from 'kysely'
import { createOrganization, getOrganization } from '../../src/domain/organizations.js'
import { ensureAdmin } from '../../src/domain/principals.js'
import { planStart } from '../../src/engine/plan.js'
import { writeTransitions } from '../../src/engine/write.js'
import { defaultCalendar } from '../../src/calendar/year-calendar.js'
import type { openBenchDatabase } from './database.js'
import type { ProjectType } from '../../machines/index.js'

/** The admin token the benchmarks' requests carry. */
export const benchToken = 'djf_bench_admin_token_0123456789'

/**
 * Seeds `count` drafts (innovation, of 2027, unless asked otherwise) in one organization, written
 * by the engine's batch writer, 1,000 to a transaction, and an admin token; returns their ids and
 * the schema they are in.
 */
export async function seedDrafts(
  database: Awaited<ReturnType<typeof openBenchDatabase>>,
  count: number,
  { type = 'innovation', year = 2027, now = new Date() }: { type?: ProjectType; year?: number; now?: Date } = {},
) {
  const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(database.db)).rows[0]!.s
  await ensureAdmin(database.db, benchToken, now)
  const org = await getOrganization(
    database.db,
    (await createOrganization(database.db, { name: '压测党支部', category: 'village', secretary: '书记', leaderInCharge: '委员' }, now)).id,
  )
  const ids: string[] = []
  const calendar = defaultCalendar(year)
  for (let done = 0; done < count; done += 1000) {
    const plans = Array.from({ length: Math.min(1000, count - done) }, (_, i) =>
      planStart(
        { type, organizationId: org.id, year, declaration: { title: `压测项目 ${done + i + 1}` } },
        org,
        { now, actor: 'bench', calendarOf: () => calendar, minReviews: 3 },
      ),
    )
    await database.db.transaction().execute((trx) => writeTransitions(trx, plans))
    ids.push(...plans.map((p) => p.project.id))
  }
  await sql`analyze`.execute(database.db)
  return { ids, schema }
}
