/**
 * One server under load for bench:http, in a process of its own so the load generator does not
 * share its CPU time and `--cpu-prof` profiles only the server:
 *
 *   tsx bench/support/http-target.ts engine|bare   (env: DATABASE_URL, BENCH_SCHEMA, BENCH_POOL, BENCH_METRICS)
 *
 * Prints `{"url": …}` once listening; on SIGTERM closes, prints `{"peakRssMiB": …}` and exits.
 */
import { randomUUID } from 'node:crypto'
import Fastify from 'fastify'
import pg from 'pg'
import { pino } from 'pino'
import { connectPostgres } from '../../src/db/connect.js'
import { systemClock } from '../../src/engine/clock.js'
import { createService } from '../../src/service.js'

const kind = process.argv[2]
const connectionString = process.env.DATABASE_URL!
const schema = process.env.BENCH_SCHEMA!
const poolSize = Number(process.env.BENCH_POOL ?? 10)

let peakRss = 0
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50)

async function engineServer() {
  const database = connectPostgres(connectionString, { searchPath: schema, max: poolSize })
  // BENCH_METRICS=1: with the metrics counted on every request, as with METRICS_TOKEN (their cost, README "Metrics").
  const metrics = process.env.BENCH_METRICS === '1' ? { token: 'djf_bench_metrics_token_0123456789' } : undefined
  const service = await createService({ database, clock: systemClock, logger: pino({ level: 'silent' }), rateLimitPerMinute: 1e9, metrics })
  // As the server runs: the dispatcher's tick numbers the feed every second, part of what each event costs.
  if (process.env.BENCH_BACKGROUND !== '0') service.dispatcher.start()
  return { app: service.app, close: async () => (await service.app.close(), await service.dispatcher.stop(), await database.close()) }
}

/** The same tables and transaction shape as the engine's, written by hand. */
async function bareServer() {
  const pool = new pg.Pool({ connectionString, max: poolSize, options: `-c search_path=${schema}` })
  const app = Fastify()
  app.post<{ Params: { id: string }; Body: { type: string; declaration: Record<string, unknown> } }>(
    '/api/v1/projects/:id/events',
    async (request, reply) => {
      const client = await pool.connect()
      try {
        await client.query('begin')
        const { rows } = await client.query('select snapshot, version, state from project where id = $1 for update', [request.params.id])
        if (!rows[0]) {
          await client.query('rollback')
          return reply.code(404).send({ code: 'PROJECT_NOT_FOUND' })
        }
        const snapshot = rows[0].snapshot
        snapshot.context.declaration = { ...snapshot.context.declaration, ...request.body.declaration }
        const now = new Date()
        await client.query('update project set snapshot = $2, version = version + 1, updated_at = $3 where id = $1', [
          request.params.id,
          JSON.stringify(snapshot),
          now,
        ])
        await client.query(
          'insert into project_history (project_id, version, from_state, event_type, event, to_state, actor, at) values ($1, $2, $3, $4, $5, $3, $6, $7)',
          [request.params.id, rows[0].version + 1, rows[0].state, request.body.type, JSON.stringify(request.body), 'bench', now],
        )
        await client.query('insert into outbox (project_id, topic, payload, created_at) values ($1, $2, $3, $4)', [
          request.params.id,
          'project.transitioned',
          JSON.stringify({ projectId: request.params.id, id: randomUUID() }),
          now,
        ])
        await client.query('commit')
        return { id: request.params.id, version: rows[0].version + 1, state: rows[0].state, context: snapshot.context }
      } catch (error) {
        await client.query('rollback')
        throw error
      } finally {
        client.release()
      }
    },
  )
  app.get<{ Params: { id: string } }>('/api/v1/projects/:id', async (request) => {
    const { rows } = await pool.query('select * from project where id = $1', [request.params.id])
    return rows[0]
  })
  return { app, close: async () => (await app.close(), await pool.end()) }
}

const server = kind === 'engine' ? await engineServer() : await bareServer()
const url = await server.app.listen({ host: '127.0.0.1', port: 0 })
console.log(JSON.stringify({ url }))
process.once('SIGTERM', async () => {
  await server.close()
  clearInterval(sampler)
  console.log(JSON.stringify({ peakRssMiB: Math.round(peakRss / 2 ** 20) }))
  // process.exit (not a signal) so that --cpu-prof writes its profile.
  process.exit(0)
})
