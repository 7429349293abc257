/**
 * API tokens from the command line, against the configured database (DATABASE_URL or DATA_DIR):
 *
 *   npm run token -- create --role reviewer --name 评审员甲
 *   npm run token -- create --role organization --name 东村党支部 --organization <uuid>
 *   npm run token -- create --role system --name 政务服务平台 --scopes projects:read,events:read [--expires 2027-01-01T00:00:00+08:00]
 *   npm run token -- list
 *   npm run token -- revoke <principal id>
 */
import { parseArgs } from 'node:util'
import { pino } from 'pino'
import { roles, type Role } from '../machines/index.js'
import { loadConfig } from '../src/config.js'
import { openDatabase } from '../src/db/open.js'
import { createPrincipal, listPrincipals, revokePrincipal, scopes, type Scope } from '../src/domain/principals.js'

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    role: { type: 'string' },
    name: { type: 'string' },
    organization: { type: 'string' },
    scopes: { type: 'string' },
    expires: { type: 'string' },
  },
})

const config = loadConfig()
const database = await openDatabase(config, pino({ level: 'warn' }))
try {
  const [command, id] = positionals
  if (command === 'create') {
    if (!values.role || !roles.includes(values.role as Role)) throw new Error(`--role is one of ${roles.join(', ')}`)
    if (!values.name) throw new Error('--name is required: it is recorded as the actor in history')
    const requested = values.scopes ? values.scopes.split(',') : undefined
    const unknown = requested?.filter((s) => !scopes.includes(s as Scope))
    if (unknown?.length) throw new Error(`unknown scopes ${unknown.join(', ')}; known: ${scopes.join(', ')}`)
    const { principal, token } = await createPrincipal(
      database.db,
      {
        name: values.name,
        role: values.role as Role,
        organizationId: values.organization,
        scopes: requested as Scope[] | undefined,
        expiresAt: values.expires ? new Date(values.expires) : undefined,
      },
      'npm run token',
      new Date(),
    )
    console.log(JSON.stringify({ id: principal.id, name: principal.name, role: principal.role, token }, null, 2))
    console.error('The token is shown only now; the service keeps its hash.')
  } else if (command === 'list') {
    for (const p of await listPrincipals(database.db)) {
      console.log([p.id, p.role, p.name, `${p.token_prefix}…`, p.revoked_at ? 'revoked' : p.expires_at ? `expires ${p.expires_at.toISOString()}` : ''].join('\t'))
    }
  } else if (command === 'revoke' && id) {
    const p = await revokePrincipal(database.db, id, new Date())
    console.log(`revoked ${p.name} (${p.role})`)
  } else {
    throw new Error('usage: npm run token -- create --role <role> --name <name> [--organization <id>] [--scopes a,b] [--expires <iso>] | list | revoke <id>')
  }
} catch (error) {
  console.error((error as Error).message)
  process.exitCode = 2
} finally {
  await database.close()
}
