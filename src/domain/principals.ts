import { createHash, randomBytes, randomUUID } from 'node:crypto'
import type { Role } from '../../machines/index.js'
import type { Executor } from '../db/database.js'
import type { PrincipalRow } from '../db/tables/principal.js'
import { notFound, Refusal } from '../errors.js'
import { getOrganization } from './organizations.js'

/**
 * API principals and their bearer tokens (issue 5). A token is shown once, when it is made;
 * the service keeps only its SHA-256, so a stolen database does not hand out access.
 */
export const scopes = ['projects:read', 'projects:write', 'events:read'] as const
export type Scope = (typeof scopes)[number]

export interface NewPrincipal {
  name: string
  role: Role
  organizationId?: string | undefined
  scopes?: Scope[] | undefined
  expiresAt?: Date | undefined
}

export const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex')
export const newToken = () => `djf_${randomBytes(32).toString('base64url')}`

export async function createPrincipal(
  db: Executor,
  input: NewPrincipal,
  createdBy: string,
  now: Date,
  token: string = newToken(),
): Promise<{ principal: PrincipalRow; token: string }> {
  if (input.role === 'organization' && !input.organizationId) {
    throw new Refusal(400, 'VALIDATION_FAILED', 'an organization principal is bound to one organization', {
      fields: [{ path: 'body.organizationId', message: 'required for the organization role' }],
    })
  }
  if (input.organizationId && input.role !== 'organization' && input.role !== 'system') {
    // The organization section and its groups work across organizations; binding them would mean nothing.
    throw new Refusal(400, 'VALIDATION_FAILED', `a ${input.role} principal is not bound to an organization`, {
      fields: [{ path: 'body.organizationId', message: 'only organization and system principals are bound to one' }],
    })
  }
  if (input.organizationId) await getOrganization(db, input.organizationId)
  const principal = await db
    .insertInto('principal')
    .values({
      id: randomUUID(),
      name: input.name,
      role: input.role,
      organization_id: input.organizationId ?? null,
      scopes: JSON.stringify(input.role === 'system' ? (input.scopes ?? ['projects:read']) : []),
      token_hash: hashToken(token),
      token_prefix: token.slice(0, 8),
      expires_at: input.expiresAt ?? null,
      revoked_at: null,
      created_by: createdBy,
      created_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return { principal, token }
}

export type Authentication =
  | { ok: true; principal: PrincipalRow }
  | { ok: false; code: 'TOKEN_UNKNOWN' | 'TOKEN_EXPIRED' | 'TOKEN_REVOKED' }

/** The principal whose token has this SHA-256, if it may still act. */
export async function authenticate(db: Executor, tokenHash: string, now: Date): Promise<Authentication> {
  const principal = await db.selectFrom('principal').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst()
  if (!principal) return { ok: false, code: 'TOKEN_UNKNOWN' }
  return checkPrincipal(principal, now)
}

export function checkPrincipal(principal: PrincipalRow, now: Date): Authentication {
  if (principal.revoked_at) return { ok: false, code: 'TOKEN_REVOKED' }
  if (principal.expires_at && principal.expires_at <= now) return { ok: false, code: 'TOKEN_EXPIRED' }
  return { ok: true, principal }
}

export async function listPrincipals(db: Executor): Promise<PrincipalRow[]> {
  return db.selectFrom('principal').selectAll().orderBy('created_at').orderBy('id').execute()
}

export async function revokePrincipal(db: Executor, id: string, now: Date): Promise<PrincipalRow> {
  const row = await db
    .updateTable('principal')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returningAll()
    .executeTakeFirst()
  if (row) return row
  const existing = await db.selectFrom('principal').selectAll().where('id', '=', id).executeTakeFirst()
  if (!existing) throw notFound('principal', id, 'PRINCIPAL_NOT_FOUND')
  return existing
}

export async function countPrincipals(db: Executor): Promise<number> {
  const row = await db.selectFrom('principal').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()
  return Number(row.n)
}

export const hasScope = (principal: PrincipalRow, scope: Scope) =>
  principal.role !== 'system' || (principal.scopes as string[]).includes(scope)

/**
 * On a fresh database, someone must be able to get in: ADMIN_TOKEN, when set, becomes an admin
 * token; otherwise the first start makes one and returns it to be printed once.
 */
export async function ensureAdmin(db: Executor, adminToken: string | undefined, now: Date): Promise<{ created: boolean; token?: string }> {
  if (adminToken) {
    const known = await db.selectFrom('principal').select('id').where('token_hash', '=', hashToken(adminToken)).executeTakeFirst()
    if (known) return { created: false }
    await createPrincipal(db, { name: '组织科', role: 'admin' }, 'ADMIN_TOKEN', now, adminToken)
    return { created: true }
  }
  if ((await countPrincipals(db)) > 0) return { created: false }
  const { token } = await createPrincipal(db, { name: '组织科', role: 'admin' }, 'first start', now)
  return { created: true, token }
}
