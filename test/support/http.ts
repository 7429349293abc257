import type { FastifyInstance } from 'fastify'
import { expect } from 'vitest'
import type { ProjectType } from '../../machines/index.js'
import { declarations, type Step } from './fixtures.js'

/** Small HTTP helpers for tests that drive the real app the way an office system would. */
export function client(app: FastifyInstance) {
  const ok = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object, headers: Record<string, string> = {}) => {
    const response = await app.inject({ method, url, ...(payload ? { payload } : {}), headers })
    expect(response.statusCode, `${method} ${url}: ${response.body}`).toBeLessThan(300)
    return response.json()
  }
  /** A request the service must refuse with this status; returns the error body. */
  const refused = async (status: number, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) => {
    const response = await app.inject({ method, url, ...(payload ? { payload } : {}) })
    expect(response.statusCode, `${method} ${url}: ${response.body}`).toBe(status)
    return response.json()
  }
  return {
    ok,
    refused,
    organization: async (name: string, category = 'village', secretary = '书记', leaderInCharge = '委员') =>
      (await ok('POST', '/api/v1/organizations', { name, category, secretary, leaderInCharge })).id as string,
    project: async (
      type: ProjectType,
      organizationId: string,
      year: number,
      steps: Step[] = [],
      declaration: Record<string, unknown> = declarations[type],
    ) => {
      const { id } = await ok('POST', '/api/v1/projects', { type, organizationId, year, declaration })
      for (const step of steps) await ok('POST', `/api/v1/projects/${id}/events`, step)
      return id as string
    },
    send: (id: string, step: Step) => ok('POST', `/api/v1/projects/${id}/events`, step),
    get: (id: string) => ok('GET', `/api/v1/projects/${id}`),
    state: async (id: string) => (await ok('GET', `/api/v1/projects/${id}`)).state as string,
    advance: (to: string) => ok('POST', '/api/v1/admin/clock', { to }),
    history: async (id: string) => (await ok('GET', `/api/v1/projects/${id}/history`)).items as Array<Record<string, any>>,
  }
}
