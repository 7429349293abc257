/**
 * Instructions per request, engine against the bare baseline, counted by valgrind's callgrind
 * (PostgreSQL, DATABASE_URL required; valgrind on the PATH). This 2-core VM's speed drifts by a
 * third between runs, so req/s and CPU time move with it; an instruction count does not (the same
 * binary and inputs give the same count whatever else the machine does), which makes it the figure
 * to decide a change by. Each server runs under callgrind with counting off, takes BENCH_WARM
 * requests to warm its JIT, then counts BENCH_REQUESTS; JIT compilation in that window is
 * counted too, so the figure is a little above steady state. Takes a few minutes.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:instructions
 *   BENCH_PROJECTS=10000 BENCH_WARM=3000 BENCH_REQUESTS=1000 BENCH_ROUTES=get|post (get)
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { openBenchDatabase } from './support/database.js'
import { seedDrafts } from './support/drafts.js'
import { benchRequest, startTarget, type Kind, type Route } from './support/targets.js'

if (!process.env.DATABASE_URL) throw new Error('bench:instructions compares against a bare pg server: set DATABASE_URL')
const projects = Number(process.env.BENCH_PROJECTS ?? 10_000)
const warm = Number(process.env.BENCH_WARM ?? 3000)
const counted = Number(process.env.BENCH_REQUESTS ?? 1000)
const route: Route = process.env.BENCH_ROUTES === 'post' ? 'post' : 'get'

const database = await openBenchDatabase(10)
const { ids, schema } = await seedDrafts(database, projects)
const out = mkdtempSync(join(tmpdir(), 'djf-callgrind-'))

async function instructionsPerRequest(kind: Kind): Promise<number> {
  const target = await startTarget(kind, {
    background: false,
    schema,
    poolSize: 10,
    under: ['valgrind', '--tool=callgrind', '--instr-atstart=no', '--smc-check=all-non-file', `--callgrind-out-file=${out}/${kind}.%p`],
    quiet: true,
  })
  const requests = (amount: number) => autocannon({ url: target.url, connections: 8, amount, requests: [benchRequest(kind, route, ids)] })
  await requests(warm)
  const control = (flag: string) => execFileSync('callgrind_control', [flag, String(target.pid)], { stdio: 'ignore' })
  control('--instr=on')
  const result = await requests(counted)
  control('--instr=off')
  control('--dump')
  await target.stop()
  if (result.non2xx || result.errors) throw new Error(`${kind}: ${result.non2xx} non-2xx answers, ${result.errors} errors`)
  const dumps = readdirSync(out).filter((f) => f.startsWith(`${kind}.`) && f.endsWith('.1'))
  const totals = dumps.map((f) => Number(/^totals: (\d+)/m.exec(readFileSync(join(out, f), 'utf8'))?.[1] ?? NaN))
  return Math.round(totals.reduce((a, b) => a + b, 0) / result.requests.total)
}

const engine = await instructionsPerRequest('engine')
const bare = await instructionsPerRequest('bare')
console.log(JSON.stringify({ route, projects, warm, counted, instructionsPerRequest: { engine, bare }, ratio: Math.round((engine / bare) * 100) / 100 }, null, 2))
rmSync(out, { recursive: true, force: true })
await database.drop()
