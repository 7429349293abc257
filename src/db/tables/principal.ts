import type { Selectable } from 'kysely'
import type { Role } from '../../../machines/index.js'

/** Who calls the API: an API token's holder, stored by the token's hash only. */
export interface PrincipalTable {
  id: string
  /** Recorded as the actor in history. */
  name: string
  role: Role
  /** For the organization role (and optionally a system): the one organization it acts for. */
  organization_id: string | null
  scopes: unknown
  token_hash: string
  /** The token's first characters, to tell tokens apart in lists without revealing them. */
  token_prefix: string
  expires_at: Date | null
  revoked_at: Date | null
  created_by: string
  created_at: Date
}

export type PrincipalRow = Selectable<PrincipalTable>

/** A request's replay record for an Idempotency-Key, per principal. */
export interface IdempotencyKeyTable {
  principal_id: string
  key: string
  request_hash: string
  /** Null while the first request is still being handled. */
  status_code: number | null
  response: unknown
  created_at: Date
}
