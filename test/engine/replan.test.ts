import type { ManualClock } from '../../src/engine/clock.js'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { projectTypes } from '../../machines/index.js'
import { standardDefaults } from '../../src/calendar/year-calendar.js'
import { loadCalendars } from '../../src/domain/calendars.js'
import { desiredTimers } from '../../src/engine/deadlines.js'
import type { Engine } from '../../src/engine/engine.js'
import { calendarYearsOf } from '../../src/engine/load.js'
import { carryOutReplanRequests } from '../../src/engine/replan.js'
import { definitionOf, restoreSnapshot } from '../../src/engine/snapshot.js'
import { createTestApp } from '../support/app.js'
import { databaseKinds, openTestDatabase, type TestDatabase } from '../support/databases.js'
import { declarations, pathsOf, type Step } from '../support/fixtures.js'
import { client } from '../support/http.js'
import { seedProgramme } from '../support/programme.js'

/**
 * One planner of calendar timers: after a calendar change every running project's timers are
 * what a fresh plan of that project gives — the same code as after a transition, with the
 * after-approval filter, extensions and the machine's guards — and nothing else.
 */
describe.each(databaseKinds)('re-planning timers, on %s', (kind) => {
  let database: TestDatabase
  let app: FastifyInstance
  let engine: Engine
  let clock: ManualClock
  let api: ReturnType<typeof client>

  beforeAll(async () => {
    database = await openTestDatabase(kind)
    await seedProgramme(database.db, [2026, 2027])
    // February: every state is reachable before any deadline of the year has passed.
    ;({ app, engine, clock } = await createTestApp(database, { start: '2026-02-01T00:00:00.000Z' }))
    api = client(app)
    const deadlineEvents = new Set(['DECLARATION_DEADLINE', 'RESUBMISSION_DEADLINE', 'PROGRESS_REPORT_DUE', 'ACCEPTANCE_DEADLINE'])
    // A deadline's event, as the scheduler sends it: after the project was created (a millisecond later at least).
    const sendAsScheduler = (id: string, step: Step) => {
      clock.advanceBy(1)
      return engine.send(id, step, { actor: 'scheduler' })
    }
    const drive = async (id: string, steps: Step[]) => {
      for (const step of steps) {
        if (deadlineEvents.has(step.type)) await sendAsScheduler(id, step)
        else await api.send(id, step)
      }
    }
    for (const type of projectTypes) {
      const { pathTo } = pathsOf(type)
      for (const [state, steps] of Object.entries(pathTo)) {
        const org = await api.organization(`重排-${type}-${state}`)
        const { id } = await api.ok('POST', '/api/v1/projects', { type, organizationId: org, year: 2026, declaration: declarations[type] })
        await drive(id, steps)
      }
      // Overdue, then extended into 2027 (滚动实施): its deadlines read both years' calendars.
      const org = await api.organization(`重排-${type}-延期`)
      const { id } = await api.ok('POST', '/api/v1/projects', { type, organizationId: org, year: 2026, declaration: declarations[type] })
      await drive(id, [...pathTo.overdueAcceptance!, { type: 'GRANT_EXTENSION', until: '2027-09-30', reason: '跨年度' }])
    }
  })
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  /** Every running project's stored timers against a fresh plan from the stored calendars. */
  async function compareWithFreshPlans() {
    const projects = await database.db.selectFrom('project').selectAll().where('status', '=', 'active').execute()
    const calendarOf = await loadCalendars(database.db, projects.flatMap(calendarYearsOf), standardDefaults)
    const timers = await database.db.selectFrom('timer').selectAll().execute()
    let compared = 0
    for (const project of projects) {
      const definition = definitionOf(project)
      const fresh = desiredTimers(definition, restoreSnapshot(definition, project), project.year, calendarOf)
        .map((d) => ({ kind: d.kind, dueAt: d.dueAt.toISOString(), event: d.event }))
        .sort((a, b) => a.kind.localeCompare(b.kind))
      const stored = timers
        .filter((t) => t.project_id === project.id)
        .map((t) => ({ kind: t.kind, dueAt: t.due_at.toISOString(), event: t.event }))
        .sort((a, b) => a.kind.localeCompare(b.kind))
      expect(stored, `${project.title} in ${project.state}`).toEqual(fresh)
      compared += fresh.length
    }
    return compared
  }

  it('starts where a fresh plan would be', async () => {
    expect(await compareWithFreshPlans()).toBeGreaterThan(20)
  })

  it('after every date of both calendars changes, every timer is where a fresh plan puts it', async () => {
    const before = await database.db.selectFrom('timer').select(['project_id', 'kind', 'due_at']).execute()
    const changed = await api.ok('PUT', '/api/v1/calendars/2026', {
      declarationDeadline: '2026-04-15',
      progressMeetings: [
        { meetingAt: '2026-07-10T09:00:00+08:00', reportDueAt: '2026-07-03' },
        { meetingAt: '2026-12-15T09:00:00+08:00', reportDueAt: '2026-12-08' },
      ],
      acceptanceDeadline: '2026-12-25',
    })
    await api.ok('PUT', '/api/v1/calendars/2027', {
      declarationDeadline: '2027-04-10',
      progressMeetings: [
        { meetingAt: '2027-07-05T09:00:00+08:00', reportDueAt: '2027-06-28' },
        { meetingAt: '2027-12-10T09:00:00+08:00', reportDueAt: '2027-12-03' },
      ],
      acceptanceDeadline: '2027-12-30',
    })
    expect(await compareWithFreshPlans()).toBeGreaterThan(20)
    const after = await database.db.selectFrom('timer').select(['project_id', 'kind', 'due_at']).execute()
    const moved = after.filter((t) => !before.some((b) => b.project_id === t.project_id && b.kind === t.kind && b.due_at.getTime() === t.due_at.getTime()))
    // Every date changed, so every timer moved — but the extended projects' acceptance deadlines, which are theirs, not the calendar's.
    const extendedAcceptance = after.filter((t) => t.kind === 'acceptanceDeadline' && t.due_at.toISOString() === '2027-09-30T16:00:00.000Z')
    expect(extendedAcceptance).toHaveLength(projectTypes.length)
    expect(moved.length).toBe(after.length - projectTypes.length)
    expect(changed.rescheduledTimers).toBeGreaterThan(0)
  })

  it('carries out a migration’s re-plan request once, putting back timers that went missing', async () => {
    // A timer lost, another one wrong: a re-plan requested by a migration repairs both.
    const [a, b] = await database.db.selectFrom('timer').select(['id', 'project_id']).orderBy('id').limit(2).execute()
    await database.db.deleteFrom('timer').where('id', '=', a!.id).execute()
    await database.db.updateTable('timer').set({ due_at: new Date('2030-01-01T00:00:00Z') }).where('id', '=', b!.id).execute()
    await database.db.insertInto('replan_request').values({ reason: 'test' }).execute()
    const first = await carryOutReplanRequests(database.db, standardDefaults, new Date('2026-02-01T00:00:00Z'))
    expect(first?.changed).toBe(2)
    expect(await carryOutReplanRequests(database.db, standardDefaults, new Date('2026-02-01T00:00:00Z'))).toBeNull()
    await compareWithFreshPlans()
  })
})
