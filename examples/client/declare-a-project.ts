import createClient from 'openapi-fetch'
import type { components, paths } from './api.js'

/**
 * An office system's client of dangjian-flow, typed from its OpenAPI document: the paths, bodies,
 * events and answers below are checked by the TypeScript compiler against docs/openapi.json
 * (openapi-typescript + openapi-fetch). It registers an organization, declares an innovation
 * project in draft and submits it. `npm test` runs it against the real service.
 */
export type ProjectEvent = components['schemas']['ProjectEvent']
export type Project = components['schemas']['Project']

export function dangjianClient(baseUrl: string, token: string, fetch: typeof globalThis.fetch = globalThis.fetch) {
  return createClient<paths>({ baseUrl, fetch, headers: { authorization: `Bearer ${token}` } })
}

/** Sends one event on the version the caller saw; a refusal comes back as the API's error, typed. */
export async function sendEvent(client: ReturnType<typeof dangjianClient>, project: Project, event: ProjectEvent) {
  const { data, error } = await client.POST('/api/v1/projects/{id}/events', {
    params: { path: { id: project.id }, header: { 'if-match': `"${project.version}"`, 'idempotency-key': crypto.randomUUID() } },
    body: event,
  })
  if (error) throw new Error(`${event.type} refused: ${error.code} ${error.message}`)
  return data
}

export async function declareAndSubmit(client: ReturnType<typeof dangjianClient>, organizationName: string) {
  const organization = await client.POST('/api/v1/organizations', {
    body: { name: organizationName, category: 'village', secretary: '张书记', leaderInCharge: '李委员' },
  })
  if (organization.error) throw new Error(`${organization.error.code}: ${organization.error.message}`)

  const created = await client.POST('/api/v1/projects', {
    body: {
      type: 'innovation',
      organizationId: organization.data.id,
      year: 2026,
      declaration: {
        title: '流动党员云支部',
        background: '外出务工党员多，难以参加组织生活',
        targets: [{ indicator: '流动党员参学率', value: 90, unit: '%' }],
        measures: ['开通线上支部', '每月一次线上组织生活'],
        milestones: [{ date: '2026-06-30', content: '线上支部开通' }],
        directlyResponsible: { name: '李委员', position: '组织委员' },
        expectedResults: '流动党员按时参加组织生活',
        problem: '流动党员难以参加组织生活',
        timeLimit: '2026-12-15',
        requirements: ['每月线上学习一次'],
      },
    },
  })
  if (created.error) throw new Error(`${created.error.code}: ${created.error.message}`)

  const submitted = await sendEvent(client, created.data, { type: 'SUBMIT' })
  return { organizationId: organization.data.id, project: submitted }
}
