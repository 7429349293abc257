import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { systemClock } from '../src/engine/clock.js'
import { ensureAdmin } from '../src/domain/principals.js'
import { createService } from '../src/service.js'
import { readmePath } from '../scripts/write-diagrams.js'
import { silentLogger } from './support/app.js'
import { openTestDatabase, type TestDatabase } from './support/databases.js'

/** The README's curl walk, run as written against the real service on a loopback port. */
describe('README curl walk', () => {
  let database: TestDatabase
  let app: FastifyInstance
  let address: string

  beforeAll(async () => {
    database = await openTestDatabase('pglite')
    ;({ app } = await createService({ database, clock: systemClock, logger: silentLogger }))
    const readme = readFileSync(readmePath, 'utf8')
    await ensureAdmin(database.db, readme.match(/ADMIN='([^']+)'/)![1], new Date())
    address = await app.listen({ host: '127.0.0.1', port: 0 })
  })
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  it('takes an innovation project from draft to closed, as the README says', async () => {
    const readme = readFileSync(readmePath, 'utf8')
    const section = readme.indexOf('## Walk one innovation project from draft to closed')
    const from = readme.indexOf('API=http://127.0.0.1:3000/api/v1', section)
    const walk = readme.slice(from, readme.indexOf('```', from))
    const script = walk.replace('API=http://127.0.0.1:3000/api/v1', `API=${address}/api/v1`)
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], { timeout: 60_000 })
    const ending = readme.match(/ending at `([^`]+)`/)![1]!
    expect(stdout).toContain(`\n${ending}\n`)
    expect(stdout).toContain('镇流动党员线上组织生活制度')
    expect(stdout).toMatch(/1 null → CREATE → draft 东村党支部/)
    expect(stdout).toMatch(/4 underReview → RECORD_REVIEW → underReview 评审员甲/)
    expect(stdout).toMatch(/7 underReview → APPROVE → planning 组织科/)
  })
})
