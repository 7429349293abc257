import type { Role } from '../../machines/index.js'
import type { PrincipalRow } from '../db/tables/principal.js'
import type { ProjectRow } from '../db/tables/project.js'
import { notFound, Refusal } from '../errors.js'
import { hasScope, type Scope } from './principals.js'

/**
 * Who may do what (issue 5). Which roles may send an event is declared beside the event in
 * the machine definition; this applies it, plus the two rules that cut across: an organization
 * sees and acts on its own projects only, and a system acts within its scopes.
 */

/** The organization a principal is confined to, if any. */
export const confinedTo = (principal: PrincipalRow): string | null => principal.organization_id

/**
 * The organization a listing shows: the one a bound principal is confined to, else the one asked
 * for (undefined: all); false when a bound principal asks for another's — nothing to show, and no
 * telling whether it exists.
 */
export function listedOrganization(principal: PrincipalRow, asked?: string): string | undefined | false {
  const own = confinedTo(principal)
  if (!own) return asked
  return asked === undefined || asked === own ? own : false
}

/** Another organization's project does not exist, as far as this principal can tell. */
export function assertCanSee(principal: PrincipalRow, project: Pick<ProjectRow, 'id' | 'organization_id'>): void {
  const organization = confinedTo(principal)
  if ((organization && organization !== project.organization_id) || !hasScope(principal, 'projects:read')) {
    throw notFound('project', project.id, 'PROJECT_NOT_FOUND')
  }
}

export function forbidden(message: string, details: Record<string, unknown>): Refusal {
  return new Refusal(403, 'FORBIDDEN', message, details)
}

/** May this principal send this event, declared for these roles? */
export function assertMaySend(principal: PrincipalRow, project: ProjectRow, event: string, roles: readonly Role[]): void {
  assertCanSee(principal, project)
  // An office system acts for organizations: it may send what an organization may, with projects:write.
  const acting: Role = principal.role === 'system' ? 'organization' : principal.role
  if (principal.role === 'system' && !hasScope(principal, 'projects:write')) {
    throw forbidden('this system token may only read', { scope: 'projects:write' })
  }
  if (!roles.includes(acting)) {
    throw forbidden(`${event} is for ${roles.join(', ')}, not ${principal.role}`, {
      event,
      role: principal.role,
      allowedRoles: roles,
    })
  }
}

/** Reviewers and assessors act as themselves: the name in the payload is the principal's. */
export function actingAsSelf(principal: PrincipalRow, raw: { type: string } & Record<string, unknown>) {
  const field = principal.role === 'reviewer' ? 'reviewer' : principal.role === 'assessor' ? 'assessor' : null
  if (!field) return raw
  const given = raw[field]
  if (given === undefined) return { ...raw, [field]: principal.name }
  // A name that is not a name (a number, blank, too long) is the payload's to refuse (400), not the role's.
  if (typeof given !== 'string' || !given.trim() || given.trim().length > 100) return raw
  if (given.trim() !== principal.name) {
    throw forbidden(`a ${principal.role} records in their own name`, { field, expected: principal.name, given })
  }
  return { ...raw, [field]: principal.name }
}

export function assertRole(principal: PrincipalRow, roles: readonly Role[], scope?: Scope): void {
  if (!roles.includes(principal.role)) {
    throw forbidden(`this needs the role ${roles.join(' or ')}`, { role: principal.role, allowedRoles: roles })
  }
  if (scope && !hasScope(principal, scope)) throw forbidden(`this needs the scope ${scope}`, { scope })
}

/** Declaring a project: the organization section, an organization for itself, or a system with projects:write. */
export function assertMayDeclare(principal: PrincipalRow, organizationId: string): void {
  assertRole(principal, ['admin', 'organization', 'system'], 'projects:write')
  const organization = confinedTo(principal)
  if (organization && organization !== organizationId) throw notFound('organization', organizationId, 'ORGANIZATION_NOT_FOUND')
}
