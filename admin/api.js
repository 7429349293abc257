// The console speaks the same API as everyone else, with the signed-in principal's bearer token.
const base = '/api/v1'
export const token = {
  get: () => sessionStorage.getItem('djf.token'),
  set: (value) => sessionStorage.setItem('djf.token', value),
  clear: () => {
    sessionStorage.removeItem('djf.token')
    sessionStorage.removeItem('djf.principal')
  },
}

/** Who is signed in (GET /api/v1/principals/me): the console shows each role what it may do. */
export const session = {
  principal: () => JSON.parse(sessionStorage.getItem('djf.principal') ?? 'null'),
  remember: (principal) => sessionStorage.setItem('djf.principal', JSON.stringify(principal)),
  /** The organization section, reviewers, assessors and systems see the town; an organization its own. */
  seesTown: () => session.principal()?.role !== 'organization',
}

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`)
    this.status = status
    this.body = body
  }
}

export async function api(path, { method = 'GET', body, headers = {} } = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token.get() ?? ''}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  })
  const data = await response.json().catch(() => null)
  if (!response.ok) throw new ApiError(response.status, data)
  return data
}

/** Saves a file the API serves (an evidence file) under its name: fetched with the token, handed to the browser as a download. */
export async function download(path, name) {
  const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token.get() ?? ''}` } })
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null))
  const url = URL.createObjectURL(await response.blob())
  const link = Object.assign(document.createElement('a'), { href: url, download: name })
  link.click()
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

/** Uploads a file to a project (multipart, as a form would); resolves to its SHA-256. */
export async function uploadFile(projectId, file) {
  const body = new FormData()
  body.append('file', file, file.name)
  const response = await fetch(`${base}/projects/${projectId}/files`, { method: 'POST', headers: { authorization: `Bearer ${token.get() ?? ''}` }, body })
  const data = await response.json().catch(() => null)
  if (!response.ok) throw new ApiError(response.status, data)
  return data.sha256
}

export const query = (params) => {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== '' && v !== false)
  return entries.length ? `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)]))}` : ''
}
