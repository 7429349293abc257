import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openTestDatabase, type TestDatabase } from '../support/databases.js'
import { exited, failedStart, freePort, startServiceProcess, type ServiceProcess } from '../support/service-process.js'

/**
 * The service as `npm start` runs it, in processes of its own: the first start's admin token goes
 * to a file only its user can read, never into the log; a second process on the same PGlite folder
 * refuses to start, naming the folder and the first; the manual clock is one for every process
 * and survives a restart.
 */
const started: ServiceProcess[] = []
const stop = async (service: ServiceProcess, signal: NodeJS.Signals = 'SIGKILL') => {
  service.child.kill(signal)
  await exited(service.child)
}
const clockOf = async (service: ServiceProcess, token: string) =>
  (await (await fetch(`${service.base}/api/v1/admin/clock`, { headers: { authorization: `Bearer ${token}` } })).json()).now as string
const advance = async (service: ServiceProcess, token: string, to: string) => {
  const response = await fetch(`${service.base}/api/v1/admin/clock`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ to }),
  })
  expect(response.status, await response.clone().text()).toBe(200)
}

afterAll(async () => {
  for (const service of started) if (service.child.exitCode === null) await stop(service)
})

describe('one PGlite folder, one process', () => {
  let folder: string
  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'djf-folder-'))
  })
  afterAll(() => rmSync(folder, { recursive: true, force: true }))

  it('writes the first admin token to a 0600 file and not the log; refuses a second process; takes over after a kill; keeps the manual clock', async () => {
    const env = { DATA_DIR: folder, CLOCK: 'manual', CLOCK_START: '2026-03-01T09:00:00+08:00', LOG_LEVEL: 'info' }
    const first = await startServiceProcess(await freePort(), env)
    started.push(first)
    // The database's files are its user's alone: the folder is 0700 (PGlite writes its files 0666).
    expect(statSync(folder).mode & 0o777).toBe(0o700)
    const file = join(folder, 'admin-token')
    expect(existsSync(file)).toBe(true)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const token = readFileSync(file, 'utf8').trim()
    expect(token).toMatch(/^djf_/)
    expect(first.stdout()).toContain('admin-token')
    expect(first.stdout() + first.stderr()).not.toContain(token)
    expect(await clockOf(first, token)).toBe('2026-03-01T01:00:00.000Z')

    const second = await failedStart(await freePort(), env)
    expect(second.code).not.toBe(0)
    expect(second.output).toContain(folder)
    expect(second.output).toContain(`pid ${first.child.pid}`)

    await advance(first, token, '2026-04-02T00:00:00+08:00')
    await stop(first)
    // Killed: its lock is stale, the next start takes the folder; its CLOCK_START does not rewind the clock.
    const third = await startServiceProcess(await freePort(), { ...env, CLOCK_START: '2026-01-01T00:00:00+08:00' })
    started.push(third)
    expect(await clockOf(third, token)).toBe('2026-04-01T16:00:00.000Z')
    // A graceful stop releases the folder.
    await stop(third, 'SIGTERM')
    expect(existsSync(join(folder, 'dangjian-flow.lock'))).toBe(false)
  }, 240_000)
})

describe.runIf(process.env.TEST_DATABASE_URL)('two processes on one PostgreSQL database', () => {
  let database: TestDatabase
  let env: Record<string, string>
  const ADMIN = 'djf_processes_admin_token_012345'

  beforeAll(async () => {
    database = await openTestDatabase('postgres')
    const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(database.db)).rows[0]!.s
    const url = new URL(process.env.TEST_DATABASE_URL!)
    url.searchParams.set('options', `-c search_path=${schema}`)
    env = { DATABASE_URL: url.toString(), ADMIN_TOKEN: ADMIN, CLOCK: 'manual', CLOCK_START: '2026-03-01T09:00:00+08:00' }
  })
  afterAll(async () => database?.drop())

  it('share one manual clock, which a restart does not rewind; a start carries out a migration’s re-plan request', async () => {
    const one = await startServiceProcess(await freePort(), env)
    started.push(one)
    // The migrations' request to re-plan was carried out by the first start.
    expect(await database.db.selectFrom('replan_request').selectAll().execute()).toEqual([])
    const two = await startServiceProcess(await freePort(), { ...env, CLOCK_START: '2027-01-01T00:00:00+08:00' })
    started.push(two)
    expect(await clockOf(two, ADMIN)).toBe('2026-03-01T01:00:00.000Z')
    await advance(one, ADMIN, '2026-06-01T00:00:00+08:00')
    expect(await clockOf(two, ADMIN)).toBe('2026-05-31T16:00:00.000Z')
    // A draft for next year, whose timer a (simulated) migration leaves to be re-planned.
    const post = (path: string, body: object) =>
      fetch(`${two.base}/api/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
    const org = (await (await post('/organizations', { name: '重排村党支部', category: 'village', secretary: '书记', leaderInCharge: '委员' })).json()).id
    const project = (await (await post('/projects', { type: 'innovation', organizationId: org, year: 2027, declaration: { title: '下一年度的项目' } })).json()).id
    await database.db.deleteFrom('timer').where('project_id', '=', project).execute()
    await database.db.insertInto('replan_request').values({ reason: 'test' }).execute()
    await stop(one)
    const again = await startServiceProcess(await freePort(), env)
    started.push(again)
    expect(await clockOf(again, ADMIN)).toBe('2026-05-31T16:00:00.000Z')
    expect(await database.db.selectFrom('replan_request').selectAll().execute()).toEqual([])
    const timers = await database.db.selectFrom('timer').select(['kind', 'due_at']).where('project_id', '=', project).execute()
    expect(timers).toEqual([{ kind: 'declarationDeadline', due_at: new Date('2027-03-31T16:00:00.000Z') }])
  }, 240_000)
})
