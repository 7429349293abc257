import type { ManualClock } from '../../src/engine/clock.js'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { acceptedEvents, currentDefinition, projectTypes, type ProjectType } from '../../machines/index.js'
import type { Engine } from '../../src/engine/engine.js'
import { createTestApp } from '../support/app.js'
import { openTestDatabase, type TestDatabase } from '../support/databases.js'
import { declarations, preconditionsFor, stepFor, type Step } from '../support/fixtures.js'
import { client } from '../support/http.js'
import { simplePaths } from '../support/paths.js'
import { seedProgramme } from '../support/programme.js'

/**
 * Every path (issue 7 §5): the simple paths of each machine's graph — from the initial state to a
 * final one, no state twice — generated from the machine definition and replayed through the API.
 * Deadline events are the scheduler's, so those steps go through the engine as the scheduler sends them.
 */
/** What the answer's nextEvents must say in a state, read from the machine definition (I5). */
function nextEventsIn(type: ProjectType, state: string) {
  const definition = currentDefinition(type)
  const events = definition.events as Record<string, { label: string; roles: readonly string[] }>
  return acceptedEvents(definition, state).map((event) => ({ type: event, label: events[event]!.label, roles: [...events[event]!.roles] }))
}

describe('every simple path of every machine, replayed through the API', () => {
  let database: TestDatabase
  let app: FastifyInstance
  let engine: Engine
  let clock: ManualClock

  beforeAll(async () => {
    database = await openTestDatabase('pglite')
    await seedProgramme(database.db)
    ;({ app, engine, clock } = await createTestApp(database))
  })
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  /** A deadline's event, as the scheduler sends it: after the project was created (a millisecond later at least). */
  const sendAsScheduler = (id: string, step: Step) => {
    clock.advanceBy(1)
    return engine.send(id, step, { actor: 'scheduler' })
  }

  it.each(projectTypes)('%s', async (type) => {
    const paths = simplePaths(type)
    expect(paths.length).toBeGreaterThan(10)
    const deadlineEvents = new Set(
      Object.entries(currentDefinition(type).events)
        .filter(([, spec]) => 'deadline' in spec)
        .map(([event]) => event),
    )
    const api = client(app)
    for (const [n, path] of paths.entries()) {
      const org = await api.organization(`路径-${type}-${n}`)
      const created = await api.ok('POST', '/api/v1/projects', { type, organizationId: org, year: 2026, declaration: declarations[type] })
      const id = created.id as string
      // Every answer is the project as stored, pending timers included.
      expect(created).toEqual(await api.get(id))
      expect(created.nextEvents).toEqual(nextEventsIn(type, created.state as string))
      for (const [i, edge] of path.entries()) {
        const needs = preconditionsFor(path[i - 1]?.from ?? null, edge)
        for (const step of needs) expect(await api.send(id, step)).toEqual(await api.get(id))
        const step: Step = stepFor(edge.event, edge.to)
        const answer = deadlineEvents.has(edge.event) ? undefined : await api.send(id, step)
        if (!answer) await sendAsScheduler(id, step)
        const stored = await api.get(id)
        expect(stored.state, `${path.map((e) => e.event).join(' → ')}`).toBe(edge.to)
        // Every state of every machine says what it accepts next, from its own machine (answers are shared per state).
        expect(stored.nextEvents).toEqual(nextEventsIn(type, edge.to))
        if (answer) expect(answer).toEqual(stored)
      }
    }
  }, 300_000)
})
