/**
 * Scale (issue 7 §2), on PostgreSQL (DATABASE_URL, required): N projects (1,000,000 by default)
 * across ten past years, three types and every state, in 2,000 organizations; then, through the
 * HTTP API, p50/p99 of the list and filter queries the console and office systems make and of
 * the counts per state; then the March deadline sweeping S drafts of the current year. Prints a
 * table and the figures as JSON, with the process's RSS per phase; asserts nothing.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:scale
 *   BENCH_PROJECTS=1000000 BENCH_SWEEP=100000 BENCH_SAMPLES=200
 *
 * The projects are copies of real ones: one project of each type is walked through the engine
 * to each state it can reach, and PostgreSQL copies those rows (generate_series), so the
 * snapshots are what the engine wrote. Copies have no history rows and no timers of their own;
 * the S sweep drafts get their declaration-deadline timer as the engine would set it.
 */
import { sql } from 'kysely'
import { pino } from 'pino'
import { organizationCategories, projectTypes } from '../machines/index.js'
import { createOrganization } from '../src/domain/organizations.js'
import { ensureAdmin } from '../src/domain/principals.js'
import { ManualClock } from '../src/engine/clock.js'
import { firesAfter, defaultCalendar } from '../src/calendar/year-calendar.js'
import { createService } from '../src/service.js'
import { declarations, pathTo } from '../test/support/fixtures.js'
import { seedProgramme } from '../test/support/programme.js'
import { openBenchDatabase } from './support/database.js'

if (!process.env.DATABASE_URL) throw new Error('bench:scale runs on PostgreSQL: set DATABASE_URL')
const projects = Number(process.env.BENCH_PROJECTS ?? 1_000_000)
const sweep = Math.min(projects, Number(process.env.BENCH_SWEEP ?? 100_000))
const samples = Number(process.env.BENCH_SAMPLES ?? 200)
const organizations = 2000
const pastYears = Array.from({ length: 10 }, (_, i) => 2016 + i)
const sweepYear = 2026

const mib = (bytes: number) => Math.round(bytes / 2 ** 20)
let phasePeak = 0
const sampler = setInterval(() => (phasePeak = Math.max(phasePeak, process.memoryUsage().rss)), 50)
const rss: Record<string, number> = {}
const endPhase = (name: string) => {
  rss[name] = mib(Math.max(phasePeak, process.memoryUsage().rss))
  phasePeak = 0
}

const database = await openBenchDatabase(10)
const clock = new ManualClock('2026-03-01T02:00:00.000Z')
const service = await createService({
  database,
  clock,
  logger: pino({ level: 'silent' }),
  scheduler: { intervalMs: 3_600_000, batchSize: 1000 },
  rateLimitPerMinute: 1e9,
})
const { db } = database
const token = 'djf_bench_admin_token_0123456789'
await ensureAdmin(db, token, clock.now())
await seedProgramme(db)

// Templates: one project of each type in each state its machine reaches by the fixtures' paths.
const templateIds: string[] = []
for (const type of projectTypes) {
  for (const [state, steps] of Object.entries(pathTo)) {
    // One organization per template: a foundation project is one per organization and year.
    const org = await createOrganization(db, { name: `模板-${type}-${state}`, category: 'village', secretary: '书记', leaderInCharge: '委员' }, clock.now())
    try {
      const { project } = await service.engine.start({ type, organizationId: org.id, year: sweepYear, declaration: declarations[type] }, 'bench')
      for (const step of steps) await service.engine.send(project.id, step, { actor: step.type.endsWith('DEADLINE') ? 'scheduler' : 'bench' })
      templateIds.push(project.id)
    } catch {
      // This type's machine does not reach the state this way; the other types cover it.
    }
  }
}
const draftTemplate = (
  await db.selectFrom('project').select('id').where('id', 'in', templateIds).where('type', '=', 'innovation').where('state', '=', 'draft').executeTakeFirstOrThrow()
).id

const seedStart = performance.now()
await sql`
  insert into organization (id, name, category, secretary, leader_in_charge, created_at, updated_at)
  select gen_random_uuid(), '规模测试党组织 ' || n, (${sql.val(organizationCategories)}::text[])[1 + n % ${organizationCategories.length}],
         '书记', '委员', now(), now()
    from generate_series(1, ${organizations}) n`.execute(db)
await sql`create temporary table bench_org as
  select row_number() over (order by id) - 1 as k, id from organization where name like '规模测试党组织 %'`.execute(db)
await sql`create temporary table bench_template as
  select row_number() over (order by id) - 1 as k, * from project where id = any(${templateIds}::uuid[])`.execute(db)

// Copies in chunks, so no statement holds a million rows; the first S are drafts of this year.
const chunk = 100_000
for (let from = 1; from <= projects; from += chunk) {
  const to = Math.min(projects, from + chunk - 1)
  await sql`
    insert into project (id, type, machine_version, organization_id, year, title, state, phase, status, snapshot, version, created_at, updated_at)
    select gen_random_uuid(), t.type, t.machine_version, o.id,
           case when n <= ${sweep} then ${sweepYear} else (${sql.val(pastYears)}::int[])[1 + (n / ${templateIds.length}) % ${pastYears.length}] end,
           t.title || ' #' || n, t.state, t.phase, t.status, t.snapshot, t.version,
           timestamptz '2016-01-01' + n * interval '1 minute', timestamptz '2016-01-01' + n * interval '1 minute'
      from generate_series(${from}::int, ${to}::int) n
      join bench_org o on o.k = n % ${organizations}
      join bench_template t on t.k = case when n <= ${sweep} then (select k from bench_template where id = ${draftTemplate})
                                          else n % ${templateIds.length} end`.execute(db)
}
const dueAt = firesAfter(defaultCalendar(sweepYear).declarationDeadline)
await sql`
  insert into timer (project_id, key, kind, event, due_at, created_at)
  select id, 'declarationDeadline', 'declarationDeadline', '{"type":"DECLARATION_DEADLINE"}'::jsonb, ${dueAt}, now()
    from project where year = ${sweepYear} and state = 'draft' and title like '% #%'`.execute(db)
// As autovacuum leaves a table that has settled: statistics and the visibility map current.
await sql`vacuum analyze project`.execute(db)
const seedMs = performance.now() - seedStart
const size = (await sql<{ bytes: string }>`select pg_total_relation_size('project')::text as bytes`.execute(db)).rows[0]!.bytes
endPhase('seed')

// Queries through the API, one at a time, as the console and an office system make them.
const url = await service.app.listen({ host: '127.0.0.1', port: 0 })
const headers = { authorization: `Bearer ${token}` }
const combos = (
  await sql<{ type: string; state: string }>`select distinct type, state from bench_template`.execute(db)
).rows
const orgIds = (await sql<{ id: string }>`select id from bench_org`.execute(db)).rows.map((r) => r.id)
const someIds = (await sql<{ id: string }>`select id from project tablesample system (1) limit 2000`.execute(db)).rows.map((r) => r.id)
const pick = <T>(items: readonly T[]) => items[Math.floor(Math.random() * items.length)]!

async function get(path: string) {
  const response = await fetch(`${url}${path}`, { headers })
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`)
  return response.json() as Promise<{ items?: unknown[]; nextCursor?: string | null }>
}

async function measure(name: string, request: () => Promise<unknown>) {
  for (let i = 0; i < 10; i++) await request()
  const times: number[] = []
  for (let i = 0; i < samples; i++) {
    const start = performance.now()
    await request()
    times.push(performance.now() - start)
  }
  times.sort((a, b) => a - b)
  const at = (q: number) => Math.round(times[Math.min(times.length - 1, Math.floor(q * times.length))]! * 10) / 10
  return { query: name, p50: at(0.5), p99: at(0.99), max: Math.round(times[times.length - 1]! * 10) / 10 }
}

const queries = [
  await measure('GET /projects?type&state&year (first page of 50)', () => {
    const { type, state } = pick(combos)
    return get(`/api/v1/projects?type=${type}&state=${state}&year=${pick(pastYears)}`)
  }),
  await measure('… the same, five pages by cursor (all five timed)', async () => {
    const { type, state } = pick(combos)
    const filter = `type=${type}&state=${state}&year=${pick(pastYears)}`
    let page = await get(`/api/v1/projects?${filter}`)
    for (let i = 0; i < 4 && page.nextCursor; i++) {
      page = await get(`/api/v1/projects?${filter}&cursor=${encodeURIComponent(page.nextCursor)}`)
    }
    return page
  }),
  await measure('GET /projects?organizationId', () => get(`/api/v1/projects?organizationId=${pick(orgIds)}`)),
  await measure('GET /projects?organizationId&year', () => get(`/api/v1/projects?organizationId=${pick(orgIds)}&year=${pick(pastYears)}`)),
  await measure('GET /projects (all, first page)', () => get('/api/v1/projects')),
  await measure('GET /projects?overdue=true&year', () => get(`/api/v1/projects?overdue=true&year=${pick(pastYears)}`)),
  await measure('GET /stats/states?year (counts per state)', () => get(`/api/v1/stats/states?year=${pick(pastYears)}`)),
  await measure('GET /projects/:id', () => get(`/api/v1/projects/${pick(someIds)}`)),
]
endPhase('queries')

// The March deadline over the S drafts of this year.
clock.advanceTo('2026-04-01T00:00:00.000+08:00')
const sweepStart = performance.now()
const { fired, skipped } = await service.scheduler.runDue()
const sweepMs = performance.now() - sweepStart
endPhase('sweep')
const overdue = Number(
  (await sql<{ n: string }>`select count(*) as n from project where year = ${sweepYear} and state = 'overdueDeclaration'`.execute(db)).rows[0]!.n,
)

await service.app.close()
clearInterval(sampler)
const figures = {
  projects,
  organizations,
  templates: templateIds.length,
  seed: { ms: Math.round(seedMs), projectTableMiB: mib(Number(size)) },
  queries,
  sweep: { drafts: sweep, fired, skipped, overdue, ms: Math.round(sweepMs), projectsPerSecond: Math.round(fired / (sweepMs / 1000)) },
  rssMiB: rss,
}
console.log(`\n${projects.toLocaleString('en')} projects, ${samples} samples per query, one at a time over HTTP (ms):\n`)
console.log('| query | p50 | p99 | max |\n|---|---:|---:|---:|')
for (const q of queries) console.log(`| ${q.query} | ${q.p50} | ${q.p99} | ${q.max} |`)
console.log(`\nsweep: ${fired.toLocaleString('en')} drafts → overdueDeclaration in ${(sweepMs / 1000).toFixed(1)} s (${figures.sweep.projectsPerSecond.toLocaleString('en')}/s)`)
console.log(`RSS peak MiB: ${Object.entries(rss).map(([k, v]) => `${k} ${v}`).join(', ')}\n`)
console.log(JSON.stringify(figures, null, 2))
await database.drop()
