import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { transition } from 'xstate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { acceptedEvents, currentDefinition, definitionAt, type ProjectType } from '../../machines/index.js'
import { asBeforeUpgrade } from './machine-versions.js'
import { createTestApp } from './app.js'
import { openTestDatabase, type TestDatabase } from './databases.js'
import { assessmentSteps, declarations, payloads, reviewers, type Step } from './fixtures.js'
import { client } from './http.js'
import { eventSpecOf } from '../../machines/shared/events.js'
import { defaultFacts, driver } from './machine-driver.js'
import { seedProgramme } from './programme.js'

/**
 * Model-based testing (issue 7 §4): random sequences of events — valid and invalid, with random
 * payloads — sent through the HTTP API; after every step the server's state equals what the pure
 * machine predicts, refused events change nothing, and no response is a 5xx. MODEL_RUNS sets the
 * number of sequences per machine (default 60; `npm run test:model` runs 10,000). One test file
 * per machine (test/http/model-*.test.ts), so the machines run in parallel.
 */
const runs = Number(process.env.MODEL_RUNS ?? 60)

/** Valid steps for every event, plus the names the groups hold. */
const valid: Step[] = [
  ...Object.entries(payloads)
    .filter(([type]) => !['RECORD_ASSESSMENT', 'EVALUATE'].includes(type))
    .map(([type, payload]) => ({ type, ...(payload as object) })),
  ...reviewers.map((reviewer, i) => ({ type: 'RECORD_REVIEW', reviewer, score: 60 + i * 10, opinion: '意见' })),
  ...assessmentSteps(92),
  ...assessmentSteps(40),
  { type: 'EVALUATE', comment: '' },
  { type: 'RECORD_LEDGER_ENTRY', planItemId: 'P2', date: '2026-07-01', content: '完成', evidence: [], completesItem: true },
  { type: 'REQUEST_ACCEPTANCE', summaryReport: '总结', explanations: [] },
]
const eventTypes = [...new Set(valid.map((s) => s.type))]

const junk = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string(), { maxKeys: 3 }),
)
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...valid) },
  { weight: 2, arbitrary: fc.record({ type: fc.constantFrom(...eventTypes) }).chain((s) => fc.dictionary(fc.constantFrom('reason', 'score', 'reviewer', 'period', 'items', 'declaration', 'date', 'content', 'bogus'), junk, { maxKeys: 3 }).map((extra) => ({ ...extra, ...s }))) },
  { weight: 1, arbitrary: fc.record({ type: fc.string({ maxLength: 20 }) }) },
)

/** One machine's suite: its current version, or an older one (its projects started before an upgrade). */
export function modelSuite(type: ProjectType, version?: number) {
  const name = version === undefined ? type : `${type} v${version}`
  describe(`the server agrees with the pure ${name} machine`, () => {
    let database: TestDatabase
    let app: FastifyInstance
    let org: string

    beforeAll(async () => {
      database = await openTestDatabase('pglite')
      await seedProgramme(database.db)
      ;({ app } = await createTestApp(database))
      org = await client(app).organization('模型测试党支部')
    })
    afterAll(async () => {
      await app?.close()
      await database?.drop()
    })

    it(`${name}: ${runs} random event sequences`, async () => {
      const d = driver(type, version)
      const definition = version === undefined ? currentDefinition(type) : definitionAt(type, version)!
      const start = <T>(work: () => Promise<T>) => (version === undefined ? work() : asBeforeUpgrade(type, version, work))
      const events = definition.events as Record<string, { roles: readonly string[]; deadline?: string; payload: { strict: () => { safeParse: (v: unknown) => { success: boolean; data?: object } } } }>
      // What the server knows that the model must know too: no spot check exists.
      const facts = { ...defaultFacts, spotCheck: { id: '', exists: false, selected: false } }
      let fiveHundreds = 0
      let steps = 0

      await fc.assert(
        fc.asyncProperty(fc.array(step, { maxLength: 14 }), async (sequence) => {
          // Foundation projects are one a year per organization: each run declares in its own year.
          const year = 2026
          const organizationId = type === 'foundation' ? await client(app).organization(`模型测试-${Math.random()}`) : org
          const created = await start(() =>
            app.inject({ method: 'POST', url: '/api/v1/projects', payload: { type, organizationId, year, declaration: declarations[type] } }),
          )
          expect(created.statusCode).toBe(201)
          const id = created.json().id
          let model = d.start()
          let version = 1
          for (const s of sequence) {
            steps += 1
            const response = await app.inject({ method: 'POST', url: `/api/v1/projects/${id}/events`, payload: s })
            if (response.statusCode >= 500) fiveHundreds += 1
            // The model's verdict: known event, the sender's role, well-formed payload, allowed now, guards pass.
            const spec = eventSpecOf(events, s.type) as (typeof events)[string] | undefined
            const { type: _t, ...payload } = s
            const role = s.type === 'RECORD_REVIEW' && typeof s.reviewer === 'string' ? 'reviewer' : s.type === 'RECORD_ASSESSMENT' && typeof s.assessor === 'string' ? 'assessor' : 'admin'
            const parsed = spec?.payload.strict().safeParse(payload)
            let accepted = false
            if (spec && !spec.deadline && spec.roles.includes(role) && parsed?.success && acceptedEvents(definition, String(model.value)).includes(s.type)) {
              const event = { ...parsed.data, type: s.type, actor: 'x', at: '2026-03-01T02:00:00.000Z', facts } as never
              if (model.can(event)) {
                model = transition(definition.machine, model, event)[0]
                accepted = true
              }
            }
            expect(response.statusCode < 300, `${s.type} in ${String(model.value)}: ${response.body.slice(0, 200)}`).toBe(accepted)
            if (accepted) version += 1
            const project = response.statusCode < 300 ? response.json() : (await app.inject({ method: 'GET', url: `/api/v1/projects/${id}` })).json()
            expect(project.state).toBe(model.value)
            expect(project.version).toBe(version)
          }
        }),
        { numRuns: runs },
      )
      expect(fiveHundreds).toBe(0)
      expect(steps).toBeGreaterThan(0)
    }, 3_600_000)
  })
}
