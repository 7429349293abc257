import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, createTestApp } from '../support/app.js'
import { databaseKinds, openTestDatabase, type TestDatabase } from '../support/databases.js'
import { pathTo } from '../support/fixtures.js'
import { client } from '../support/http.js'
import { seedProgramme } from '../support/programme.js'

/** Clients that hang up mid-request (issue 7 §3): each transition is whole or absent, never half. */
describe.each(databaseKinds)('requests cancelled by the client on %s', (kind) => {
  let database: TestDatabase
  let app: FastifyInstance
  let address: string
  let id: string

  beforeAll(async () => {
    database = await openTestDatabase(kind)
    await seedProgramme(database.db)
    ;({ app } = await createTestApp(database))
    id = await client(app).project('innovation', await client(app).organization('取消测试党支部'), 2026, pathTo.implementing)
    address = await app.listen({ host: '127.0.0.1', port: 0 })
  })
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  it('leaves nothing half-written when 60 clients hang up at random moments', async () => {
    const attempts = Array.from({ length: 60 }, async (_, i) => {
      const abort = new AbortController()
      setTimeout(() => abort.abort(), i % 12)
      return fetch(`${address}/api/v1/projects/${id}/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'RECORD_LEDGER_ENTRY', date: '2026-06-01', content: `第${i}次`, evidence: [] }),
        signal: abort.signal,
      }).then(
        (r) => r.status,
        () => 'aborted',
      )
    })
    const outcomes = await Promise.all(attempts)
    expect(outcomes).toContain('aborted')
    // Let handlers whose clients went away finish what they started.
    await new Promise((r) => setTimeout(r, 500))
    const project = await database.db.selectFrom('project').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
    const history = await database.db.selectFrom('project_history').select(['version', 'event_type']).where('project_id', '=', id).orderBy('version').execute()
    expect(history.map((h) => h.version)).toEqual(Array.from({ length: project.version }, (_, i) => i + 1))
    const ledgerEvents = history.filter((h) => h.event_type === 'RECORD_LEDGER_ENTRY').length
    expect((project.snapshot as { context: { ledger: unknown[] } }).context.ledger).toHaveLength(ledgerEvents)
    const notices = await database.db.selectFrom('outbox').select('id').where('project_id', '=', id).where('topic', 'in', ['project.created', 'project.transitioned']).execute()
    expect(notices).toHaveLength(project.version)
    expect(ledgerEvents).toBeGreaterThanOrEqual(outcomes.filter((o) => o === 200).length)
  })
})
