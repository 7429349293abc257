import { createHash, randomBytes, randomUUID } from 'node:crypto'
import type { OrganizationCategory } from '../../machines/index.js'
import type { Executor } from '../db/database.js'
import type { SpotCheckRow } from '../db/tables/spot-check.js'
import { notFound, Refusal } from '../errors.js'
import { appendOutbox } from './outbox.js'
import { inStatesTagged } from './state-tags.js'

/**
 * Random spot checks (随机抽查, R12). The draw is a seeded shuffle of the population sorted by id,
 * so anyone with the recorded seed and population can draw again and get the same projects.
 */

/** sfc32, seeded from SHA-256 of the seed text: small, fast, and the same on every platform. */
function generator(seed: string): () => number {
  const digest = createHash('sha256').update(seed, 'utf8').digest()
  let a = digest.readUInt32LE(0)
  let b = digest.readUInt32LE(4)
  let c = digest.readUInt32LE(8)
  let d = digest.readUInt32LE(12)
  return () => {
    const t = (((a + b) >>> 0) + d) >>> 0
    d = (d + 1) >>> 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) >>> 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) >>> 0
    return t / 4294967296
  }
}

/** The first `size` of a seeded Fisher–Yates shuffle of the population. */
export function draw(population: readonly string[], size: number, seed: string): string[] {
  const pool = [...population].sort()
  const random = generator(seed)
  const n = Math.min(size, pool.length)
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (pool.length - i))
    ;[pool[i], pool[j]] = [pool[j]!, pool[i]!]
  }
  return pool.slice(0, n)
}

export interface SpotCheckRequest {
  year: number
  count?: number | undefined
  percentage?: number | undefined
  category?: OrganizationCategory | undefined
  seed?: string | undefined
}

export function sampleSize(request: { count?: number | undefined; percentage?: number | undefined }, population: number): number {
  return request.count !== undefined ? Math.min(request.count, population) : Math.ceil((population * (request.percentage ?? 0)) / 100)
}

export async function drawSpotCheck(db: Executor, request: SpotCheckRequest, actor: string, now: Date): Promise<SpotCheckRow> {
  let query = db
    .selectFrom('project')
    .innerJoin('organization', 'organization.id', 'project.organization_id')
    .select('project.id')
    .where('project.year', '=', request.year)
    // The projects a spot check may hit: approved and not yet asked for acceptance (the machines' `inImplementation` tag).
    .where(inStatesTagged('inImplementation'))
  if (request.category) query = query.where('organization.category', '=', request.category)
  const population = (await query.orderBy('project.id').execute()).map((r) => r.id)
  if (population.length === 0) {
    throw new Refusal(422, 'EMPTY_POPULATION', 'no project is in implementation to draw from', {
      year: request.year,
      category: request.category ?? null,
    })
  }
  const seed = request.seed ?? randomBytes(16).toString('hex')
  const selected = draw(population, sampleSize(request, population.length), seed)
  const row = await db
    .insertInto('spot_check')
    .values({
      id: randomUUID(),
      year: request.year,
      category: request.category ?? null,
      method: request.count !== undefined ? 'count' : 'percentage',
      amount: request.count ?? request.percentage!,
      seed,
      population: JSON.stringify(population),
      selected: JSON.stringify(selected),
      drawn_by: actor,
      drawn_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  await appendOutbox(db, 'spotcheck.drawn', { spotCheckId: row.id, year: row.year, seed: row.seed, selected }, now)
  return row
}

export async function findSpotCheck(db: Executor, id: string): Promise<SpotCheckRow | undefined> {
  return db.selectFrom('spot_check').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function getSpotCheck(db: Executor, id: string): Promise<SpotCheckRow> {
  const row = await findSpotCheck(db, id)
  if (!row) throw notFound('spot check', id, 'SPOT_CHECK_NOT_FOUND')
  return row
}

export async function listSpotChecks(db: Executor, year: number): Promise<SpotCheckRow[]> {
  return db.selectFrom('spot_check').selectAll().where('year', '=', year).orderBy('drawn_at').orderBy('id').execute()
}

/** Draws again from the record alone: the audit that the result was not chosen by hand. */
export function verifyDraw(row: SpotCheckRow): boolean {
  const population = row.population as string[]
  const again = draw(population, (row.selected as string[]).length, row.seed)
  return JSON.stringify(again) === JSON.stringify(row.selected)
}
