import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import type autocannon from 'autocannon'
import { benchToken } from './drafts.js'

/** The service, or the bare Fastify + pg baseline (bench/support/http-target.ts). */
export type Kind = 'engine' | 'bare'
/** `UPDATE_DECLARATION` to a random draft, or a GET of one. */
export type Route = 'post' | 'get'

/**
 * Starts a server in a process of its own and resolves once it listens. `node` adds flags to its
 * Node (profiling); `under` runs it under another program (valgrind). `stop` resolves with the
 * server's last line (its peak RSS), if it printed one. `background: false` leaves the service's
 * once-a-second loop (the webhook dispatcher, which numbers the feed) off: under valgrind, 50 times
 * slower, its ticks would be counted against fifty times fewer requests than in real time.
 */
export async function startTarget(
  kind: Kind,
  options: { schema: string; poolSize: number; node?: string[]; under?: string[]; quiet?: boolean; background?: boolean },
) {
  const command = [...(options.under ?? []), process.execPath, ...(options.node ?? []), '--import', 'tsx', 'bench/support/http-target.ts', kind]
  const child = spawn(command[0]!, command.slice(1), {
    env: { ...process.env, BENCH_SCHEMA: options.schema, BENCH_POOL: String(options.poolSize), BENCH_BACKGROUND: options.background === false ? '0' : '1' },
    stdio: ['ignore', 'pipe', options.quiet ? 'ignore' : 'inherit'],
  })
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]()
  const first = await lines.next()
  if (first.done) throw new Error(`the ${kind} server exited before listening`)
  const { url } = JSON.parse(first.value) as { url: string }
  return {
    url,
    pid: child.pid!,
    stop: async (): Promise<{ peakRssMiB?: number }> => {
      child.kill('SIGTERM')
      const last = await lines.next()
      return last.done ? {} : (JSON.parse(last.value) as { peakRssMiB: number })
    },
  }
}

const eventBody = JSON.stringify({ type: 'UPDATE_DECLARATION', declaration: { expectedResults: '压测' } })

/** The request both benchmarks send, to a random one of `ids`; the service's carries the admin token. */
export function benchRequest(kind: Kind, route: Route, ids: readonly string[]): autocannon.Request {
  const randomId = () => ids[Math.floor(Math.random() * ids.length)]
  const headers: Record<string, string> = kind === 'engine' ? { authorization: `Bearer ${benchToken}` } : {}
  return route === 'post'
    ? {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        setupRequest: (r) => ({ ...r, path: `/api/v1/projects/${randomId()}/events`, body: eventBody }),
      }
    : { method: 'GET', headers, setupRequest: (r) => ({ ...r, path: `/api/v1/projects/${randomId()}` }) }
}
