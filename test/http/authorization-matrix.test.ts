import type { FastifyInstance, InjectOptions } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { currentDefinition, projectTypes } from '../../machines/index.js'
import { createPrincipal, type Scope } from '../../src/domain/principals.js'
import { ADMIN_TOKEN, createTestApp } from '../support/app.js'
import { databaseKinds, openTestDatabase, type TestDatabase } from '../support/databases.js'
import { pathTo, pathsOf } from '../support/fixtures.js'
import { client } from '../support/http.js'
import { seedProgramme } from '../support/programme.js'
import { multipartBody, pngBytes } from '../support/evidence-bytes.js'

/** Foundation projects start on the current machine, which files declarations instead of reviewing them (docs/versions.md). */
const foundationPathTo = pathsOf('foundation').pathTo

/**
 * Who may call what, from the route table itself: every API route × every kind of principal ×
 * bound or not × its own organization's ids or another's. The expectations below are written
 * here, apart from the routes' declarations, and a route without a row fails the suite, so no
 * route ships without being attacked. A principal bound to organization A must never see B's
 * records: B's ids answer 404, and no answer carries B's ids or name.
 */
const kinds = ['admin', 'reviewer', 'assessor', 'orgA', 'sysRead', 'sysWrite', 'sysEvents', 'sysA', 'sysAEvents'] as const
type Kind = (typeof kinds)[number]
const bound: ReadonlySet<Kind> = new Set(['orgA', 'sysA', 'sysAEvents'])

const all = kinds
/** Reads projects and the programme (a bound one its own): every role but systems without projects:read. */
const readers: Kind[] = ['admin', 'reviewer', 'assessor', 'orgA', 'sysRead', 'sysA']
/** Reads across organizations: the organization section, its groups, and systems with projects:read. */
const town: Kind[] = ['admin', 'reviewer', 'assessor', 'sysRead', 'sysA']
const adminAndSystems: Kind[] = ['admin', 'sysRead', 'sysA']
const adminOnly: Kind[] = ['admin']
const declarers: Kind[] = ['admin', 'orgA', 'sysWrite', 'sysA']
/**
 * Upload evidence files: those who send events carrying them. An assessor too, but only as one of
 * the year's acceptance group to a project it is assessing (test/files/evidence-files.test.ts):
 * the matrix's projects are drafts, so here 403.
 */
const uploaders: Kind[] = ['admin', 'orgA', 'sysWrite', 'sysA']
const feedReaders: Kind[] = ['admin', 'sysEvents', 'sysA', 'sysAEvents']

interface Ids {
  org: string
  project: string
  spotCheck: string
  system: string
  webhook: string
  principal: string
  migration: string
  /** An evidence file the project holds. */
  file: string
}

/** A route's request for the matrix. A write gets a body (or id) that fails validation: the access check comes first, so 403 vs 400 tells it. */
interface Row {
  allowed: readonly Kind[]
  request: (ids: Ids) => InjectOptions
  /** Its answer names records of every organization by design (town-wide systems). */
  townWide?: boolean
}

const get = (url: string) => ({ method: 'GET' as const, url })
const invalid = (method: 'POST' | 'PUT' | 'DELETE', url: string) => ({ method, url, payload: { unknownField: true } })

const matrix: Record<string, Row> = {
  'GET /api/v1/machines': { allowed: all, request: () => get('/api/v1/machines') },
  'GET /api/v1/machines/:type': { allowed: all, request: () => get('/api/v1/machines/innovation') },
  'GET /api/v1/machines/:type/diff': { allowed: all, request: () => get('/api/v1/machines/foundation/diff?from=1&to=2') },
  // How many projects stand in each state across the town.
  'GET /api/v1/machines/:type/versions': { allowed: town, request: () => get('/api/v1/machines/foundation/versions') },
  'POST /api/v1/migrations': { allowed: adminOnly, request: () => invalid('POST', '/api/v1/migrations') },
  'GET /api/v1/migrations': { allowed: adminOnly, request: () => get('/api/v1/migrations') },
  'GET /api/v1/migrations/:id': { allowed: adminOnly, request: (ids) => get(`/api/v1/migrations/${ids.migration}`) },
  'GET /api/v1/migrations/:id/projects': { allowed: adminOnly, request: (ids) => get(`/api/v1/migrations/${ids.migration}/projects`) },
  'POST /api/v1/organizations': { allowed: adminOnly, request: () => invalid('POST', '/api/v1/organizations') },
  'GET /api/v1/organizations': { allowed: town, request: () => get('/api/v1/organizations') },
  'GET /api/v1/organizations/:id': { allowed: readers, request: (ids) => get(`/api/v1/organizations/${ids.org}`) },
  'POST /api/v1/projects': { allowed: declarers, request: () => invalid('POST', '/api/v1/projects') },
  'GET /api/v1/projects': { allowed: readers, request: () => get('/api/v1/projects?limit=200') },
  'GET /api/v1/projects/:id': { allowed: readers, request: (ids) => get(`/api/v1/projects/${ids.project}`) },
  // Every role may try; the machine's roles decide each event (checked below, event by event).
  'POST /api/v1/projects/:id/events': { allowed: all, request: (ids) => ({ method: 'POST', url: `/api/v1/projects/${ids.project}/events`, payload: {} }) },
  'GET /api/v1/projects/:id/history': { allowed: readers, request: (ids) => get(`/api/v1/projects/${ids.project}/history`) },
  'POST /api/v1/projects/:id/files': { allowed: uploaders, request: (ids) => invalid('POST', `/api/v1/projects/${ids.project}/files`) },
  'GET /api/v1/projects/:id/files': { allowed: readers, request: (ids) => get(`/api/v1/projects/${ids.project}/files`) },
  'GET /api/v1/projects/:id/files/:sha256': { allowed: readers, request: (ids) => get(`/api/v1/projects/${ids.project}/files/${ids.file}`) },
  // A file no project holds: the row tells 403 from 404 without taking the real one away.
  'DELETE /api/v1/projects/:id/files/:sha256': { allowed: ['admin', 'orgA', 'sysWrite', 'sysA'], request: (ids) => ({ method: 'DELETE', url: `/api/v1/projects/${ids.project}/files/${'f'.repeat(64)}` }) },
  'GET /api/v1/stats/states': { allowed: town, request: () => get('/api/v1/stats/states?year=2026') },
  'GET /api/v1/calendars/:year': { allowed: all, request: () => get('/api/v1/calendars/2026') },
  'PUT /api/v1/calendars/:year': { allowed: adminOnly, request: () => invalid('PUT', '/api/v1/calendars/2026') },
  'GET /api/v1/calendars/:year/changes': { allowed: all, request: () => get('/api/v1/calendars/2026/changes') },
  'GET /api/v1/timers': { allowed: adminAndSystems, request: () => get('/api/v1/timers?limit=200') },
  'GET /api/v1/admin/clock': { allowed: all, request: () => get('/api/v1/admin/clock') },
  'POST /api/v1/admin/clock': { allowed: adminOnly, request: () => invalid('POST', '/api/v1/admin/clock') },
  'POST /api/v1/handbooks': { allowed: adminOnly, request: () => invalid('POST', '/api/v1/handbooks') },
  'GET /api/v1/handbooks': { allowed: all, request: () => get('/api/v1/handbooks') },
  'GET /api/v1/handbooks/:version': { allowed: all, request: () => get('/api/v1/handbooks/2026') },
  'PUT /api/v1/review-groups/:year': { allowed: adminOnly, request: () => invalid('PUT', '/api/v1/review-groups/2026') },
  'GET /api/v1/review-groups/:year': { allowed: all, request: () => get('/api/v1/review-groups/2026') },
  'PUT /api/v1/acceptance-groups/:year': { allowed: adminOnly, request: () => invalid('PUT', '/api/v1/acceptance-groups/2026') },
  'GET /api/v1/acceptance-groups/:year': { allowed: all, request: () => get('/api/v1/acceptance-groups/2026') },
  'GET /api/v1/grading/:year': { allowed: all, request: () => get('/api/v1/grading/2026') },
  'PUT /api/v1/grading/:year/:type': { allowed: adminOnly, request: () => invalid('PUT', '/api/v1/grading/2026/innovation') },
  'GET /api/v1/compliance': { allowed: town, request: () => get('/api/v1/compliance?year=2026') },
  'GET /api/v1/organizations/:id/compliance': { allowed: readers, request: (ids) => get(`/api/v1/organizations/${ids.org}/compliance?year=2026`) },
  'POST /api/v1/spot-checks': { allowed: adminOnly, request: () => invalid('POST', '/api/v1/spot-checks') },
  'GET /api/v1/spot-checks': { allowed: adminAndSystems, request: () => get('/api/v1/spot-checks?year=2026') },
  'GET /api/v1/spot-checks/:id': { allowed: adminAndSystems, request: (ids) => get(`/api/v1/spot-checks/${ids.spotCheck}`) },
  'GET /api/v1/systems': { allowed: readers, request: () => get('/api/v1/systems'), townWide: true },
  'GET /api/v1/systems/:id': { allowed: readers, request: (ids) => get(`/api/v1/systems/${ids.system}`), townWide: true },
  'POST /api/v1/systems/:id/projects': { allowed: adminOnly, request: (ids) => invalid('POST', `/api/v1/systems/${ids.system}/projects`) },
  'POST /api/v1/commendations': { allowed: adminOnly, request: () => invalid('POST', '/api/v1/commendations') },
  'GET /api/v1/commendations': { allowed: readers, request: () => get('/api/v1/commendations?year=2026') },
  'GET /api/v1/reports/annual': { allowed: adminAndSystems, request: () => get('/api/v1/reports/annual?year=2026') },
  'POST /api/v1/principals': { allowed: adminOnly, request: () => invalid('POST', '/api/v1/principals') },
  'GET /api/v1/principals': { allowed: adminOnly, request: () => get('/api/v1/principals') },
  // Every token may read who it is.
  'GET /api/v1/principals/me': { allowed: all, request: () => get('/api/v1/principals/me') },
  'DELETE /api/v1/principals/:id': { allowed: adminOnly, request: () => ({ method: 'DELETE', url: '/api/v1/principals/not-a-uuid' }) },
  'GET /api/v1/events': { allowed: feedReaders, request: () => get('/api/v1/events?limit=1000') },
  'POST /api/v1/webhooks': { allowed: adminOnly, request: () => invalid('POST', '/api/v1/webhooks') },
  'GET /api/v1/webhooks': { allowed: adminOnly, request: () => get('/api/v1/webhooks') },
  'GET /api/v1/webhooks/:id': { allowed: adminOnly, request: (ids) => get(`/api/v1/webhooks/${ids.webhook}`) },
  'GET /api/v1/webhooks/:id/deliveries': { allowed: adminOnly, request: (ids) => get(`/api/v1/webhooks/${ids.webhook}/deliveries`) },
  'POST /api/v1/webhooks/:id/enable': { allowed: adminOnly, request: () => ({ method: 'POST', url: '/api/v1/webhooks/not-a-uuid/enable', payload: {} }) },
  'POST /api/v1/webhooks/:id/redeliver': { allowed: adminOnly, request: () => ({ method: 'POST', url: '/api/v1/webhooks/not-a-uuid/redeliver', payload: {} }) },
}

describe.each(databaseKinds)('the authorization matrix on %s', (kind) => {
  let database: TestDatabase
  let app: FastifyInstance
  const tokens = {} as Record<Kind, string>
  let own: Ids
  let other: Ids
  /** What must never reach a principal bound to A. */
  let markersOfB: string[]

  beforeAll(async () => {
    database = await openTestDatabase(kind)
    await seedProgramme(database.db)
    ;({ app } = await createTestApp(database))
    const api = client(app)
    const orgA = await api.organization('甲村党支部')
    const orgB = await api.organization('乙村党支部')
    const projectOf = async (org: string) => api.project('innovation', org, 2026)
    const [projectA, projectB] = [await projectOf(orgA), await projectOf(orgB)]
    await api.project('promotion', orgA, 2026, pathTo.implementing)
    const implementingB = await api.project('promotion', orgB, 2026, pathTo.implementing)
    const solidified = await api.project('innovation', orgB, 2026, pathTo.institutionalized)
    // An organization's commendation rests on its assessed projects (R18).
    await api.project('foundation', orgA, 2026, foundationPathTo.accepted)
    const spotCheck = (await api.ok('POST', '/api/v1/spot-checks', { year: 2026, count: 10, seed: 'matrix' })).id
    const system = (await api.ok('GET', '/api/v1/systems')).items[0].id
    for (const org of [orgA, orgB]) {
      await api.ok('POST', '/api/v1/commendations', {
        year: 2026,
        kind: 'commendation',
        level: 'town',
        recipientType: 'organization',
        organizationId: org,
        title: '先进基层党组织',
        reason: '年度考核优秀',
        awardedAt: '2026-12-20',
      })
    }
    const webhook = (await api.ok('POST', '/api/v1/webhooks', { url: 'http://127.0.0.1:9/hooks', secret: 'matrix-secret-0123456789', topics: [] })).id
    const principal = (await api.ok('POST', '/api/v1/principals', { name: '某评审员', role: 'reviewer' })).id
    // A migration that selects nothing (no foundation project of 2099); never run here.
    const migration = (await api.ok('POST', '/api/v1/migrations', { type: 'foundation', fromVersion: 1, toVersion: 2, filter: { year: 2099 }, dryRun: false })).id
    const fileOf = async (project: string) => {
      const form = multipartBody('file', '活动照片.png', 'image/png', pngBytes())
      const response = await app.inject({ method: 'POST', url: `/api/v1/projects/${project}/files`, payload: form.body, headers: { 'content-type': form.contentType } })
      expect(response.statusCode).toBe(201)
      return response.json().sha256 as string
    }
    own = { org: orgA, project: projectA, spotCheck, system, webhook, principal, migration, file: await fileOf(projectA) }
    other = { org: orgB, project: projectB, spotCheck, system, webhook, principal, migration, file: await fileOf(projectB) }
    markersOfB = [orgB, '乙村党支部', projectB, implementingB, solidified, other.file]

    const make = async (name: string, role: 'reviewer' | 'assessor' | 'organization' | 'system', scopes?: Scope[], organizationId?: string) =>
      (await createPrincipal(database.db, { name, role, scopes, organizationId }, 'test', new Date())).token
    tokens.admin = ADMIN_TOKEN
    tokens.reviewer = await make('评审员甲', 'reviewer')
    tokens.assessor = await make('验收员甲', 'assessor')
    tokens.orgA = await make('甲村党支部', 'organization', undefined, orgA)
    tokens.sysRead = await make('只读系统', 'system', ['projects:read'])
    tokens.sysWrite = await make('只写系统', 'system', ['projects:write'])
    tokens.sysEvents = await make('事件系统', 'system', ['events:read'])
    tokens.sysA = await make('甲村系统', 'system', ['projects:read', 'projects:write', 'events:read'], orgA)
    tokens.sysAEvents = await make('甲村事件系统', 'system', ['events:read'], orgA)
  })
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  const send = (who: Kind, options: InjectOptions) =>
    app.inject({ ...options, headers: { ...(options.headers ?? {}), authorization: `Bearer ${tokens[who]}` } })

  it('has a row for every route, and every route × principal × organization answers as the row says', async () => {
    const routes = app.accessTable
    expect(routes.length).toBeGreaterThan(40)
    const rowOf = (method: string, url: string) => matrix[`${method === 'HEAD' ? 'GET' : method} ${url}`]
    const missing = routes.filter((r) => !rowOf(r.method, r.url)).map((r) => `${r.method} ${r.url}`)
    expect(missing, 'routes without a row in the authorization matrix').toEqual([])
    const stale = Object.keys(matrix).filter((key) => !routes.some((r) => `${r.method} ${r.url}` === key))
    expect(stale, 'rows for routes that no longer exist').toEqual([])

    const failures: string[] = []
    let cells = 0
    for (const route of routes) {
      const row = rowOf(route.method, route.url)!
      const idRoute = route.url.includes(':id')
      for (const who of kinds) {
        for (const ids of idRoute ? [own, other] : [own]) {
          cells += 1
          const options = { ...row.request(ids), method: route.method as InjectOptions['method'] }
          const response = await send(who, options)
          const where = `${route.method} ${options.url} as ${who}${ids === other ? ' (other organization)' : ''}: ${response.statusCode} ${response.body.slice(0, 200)}`
          const allowed = row.allowed.includes(who)
          if (response.statusCode === 401 || response.statusCode >= 500) failures.push(`unexpected ${where}`)
          else if (!allowed && response.statusCode !== 403) failures.push(`should be 403: ${where}`)
          else if (allowed && response.statusCode === 403) failures.push(`should be allowed: ${where}`)
          else if (allowed && route.method !== 'HEAD' && response.statusCode < 300 && bound.has(who) && !row.townWide) {
            const leaked = markersOfB.filter((marker) => response.body.includes(marker))
            if (leaked.length) failures.push(`leaks ${leaked.join(', ')}: ${where}`)
          }
          // Another organization's record does not exist for a bound principal: an id route answers 404.
          if (allowed && bound.has(who) && ids === other && route.method === 'GET' && !row.townWide && !route.url.startsWith('/api/v1/webhooks') && !route.url.startsWith('/api/v1/spot-checks')) {
            if (response.statusCode !== 404) failures.push(`should be 404: ${where}`)
          }
          // Its own organization's records, or anyone's for an unbound principal, are there.
          if (allowed && route.method === 'GET' && options.payload === undefined && (ids === own || !bound.has(who)) && response.statusCode !== 200) {
            failures.push(`should be 200: ${where}`)
          }
        }
      }
    }
    expect(failures).toEqual([])
    expect(cells).toBeGreaterThan(500)
  })

  it('shows unbound readers every organization, so the leak check above has something to find', async () => {
    for (const url of ['/api/v1/organizations', '/api/v1/projects?limit=200', '/api/v1/compliance?year=2026', '/api/v1/timers?limit=200', '/api/v1/commendations?year=2026', '/api/v1/reports/annual?year=2026', '/api/v1/spot-checks?year=2026']) {
      const body = (await send('sysRead', get(url))).body
      expect(markersOfB.some((m) => body.includes(m)), url).toBe(true)
    }
    expect((await send('sysEvents', get('/api/v1/events?limit=1000'))).body).toContain(other.project)
    // A bound token's feed holds its organization's records and the town's settings, and no one else's.
    const feed = (await send('sysAEvents', get('/api/v1/events?limit=1000'))).json().items as Array<{ topic: string; payload: { organizationId?: string } }>
    const topics = new Set(feed.map((e) => e.topic))
    for (const topic of ['organization.created', 'commendation.awarded', 'project.created', 'project.transitioned', 'handbook.published', 'group.formed']) expect(topics, topic).toContain(topic)
    expect(feed.filter((e) => e.topic === 'organization.created').map((e) => e.payload.organizationId)).toEqual([own.org])
    expect(topics).not.toContain('spotcheck.drawn')
    const counts = async (who: Kind) => Object.values((await send(who, get('/api/v1/stats/states?year=2026'))).json().counts as Record<string, Record<string, number>>).flatMap(Object.values).reduce((a, b) => a + b, 0)
    const projectsOfA = (await database.db.selectFrom('project').select('id').where('organization_id', '=', own.org).where('year', '=', 2026).execute()).length
    expect(await counts('sysA')).toBe(projectsOfA)
    expect(await counts('sysRead')).toBeGreaterThan(projectsOfA)
  })

  it('answers 404 to every event of every machine sent to another organization’s project, deadline events and unknown events included', async () => {
    for (const who of ['orgA', 'sysA'] as const) {
      for (const type of projectTypes) {
        const events = [...Object.keys(currentDefinition(type).events), 'NO_SUCH_EVENT', '__proto__']
        for (const event of events) {
          const response = await send(who, { method: 'POST', url: `/api/v1/projects/${other.project}/events`, payload: { type: event } })
          expect(response.statusCode, `${who} ${type} ${event}: ${response.body}`).toBe(404)
          expect(response.json().code).toBe('PROJECT_NOT_FOUND')
        }
      }
      // The same as for an id that exists nowhere.
      const unknown = await send(who, { method: 'POST', url: '/api/v1/projects/00000000-0000-4000-8000-000000000000/events', payload: { type: 'DECLARATION_DEADLINE' } })
      expect(unknown.statusCode).toBe(404)
      // Declaring for another organization: as if it did not exist.
      const declared = await send(who, { method: 'POST', url: '/api/v1/projects', payload: { type: 'innovation', organizationId: other.org, year: 2026, declaration: { title: '越界申报' } } })
      expect(declared.json()).toMatchObject({ statusCode: 404, code: 'ORGANIZATION_NOT_FOUND' })
      for (const url of [`/api/v1/timers?projectId=${other.project}`, `/api/v1/projects?organizationId=${other.org}`, `/api/v1/commendations?organizationId=${other.org}`]) {
        const response = await send(who, get(url))
        if (response.statusCode === 403) continue
        expect(response.json().items, `${who} ${url}`).toEqual([])
      }
    }
  })

  it('binds only organization and system principals to an organization', async () => {
    for (const role of ['admin', 'reviewer', 'assessor']) {
      const response = await send('admin', { method: 'POST', url: '/api/v1/principals', payload: { name: `绑定的${role}`, role, organizationId: own.org } })
      expect(response.statusCode, role).toBe(400)
    }
  })
})
