import { defaultGrading, projectTypes, type ProjectType } from '../../machines/index.js'
import type { GradingPolicy } from '../../machines/shared/grading.js'
import type { Executor } from '../db/database.js'
import { appendOutbox } from './outbox.js'

/** Weights and thresholds per year and project type (R14), the defaults until the year sets its own. */
export async function gradingPolicy(db: Executor, year: number, type: ProjectType): Promise<GradingPolicy & { stored: boolean }> {
  const row = await db.selectFrom('grading_policy').selectAll().where('year', '=', year).where('type', '=', type).executeTakeFirst()
  return row
    ? { weights: row.weights as GradingPolicy['weights'], thresholds: row.thresholds as GradingPolicy['thresholds'], stored: true }
    : { ...defaultGrading[type], stored: false }
}

export async function gradingPolicies(db: Executor, year: number) {
  const entries = []
  for (const type of projectTypes) entries.push([type, await gradingPolicy(db, year, type)] as const)
  return Object.fromEntries(entries) as Record<ProjectType, GradingPolicy & { stored: boolean }>
}

export async function setGradingPolicy(
  db: Executor,
  year: number,
  type: ProjectType,
  policy: GradingPolicy,
  actor: string,
  now: Date,
): Promise<void> {
  const values = {
    weights: JSON.stringify(policy.weights),
    thresholds: JSON.stringify(policy.thresholds),
    updated_by: actor,
    updated_at: now,
  }
  await db
    .insertInto('grading_policy')
    .values({ year, type, ...values })
    .onConflict((oc) => oc.columns(['year', 'type']).doUpdateSet(values))
    .execute()
  await appendOutbox(db, 'grading.changed', { year, type, weights: policy.weights, thresholds: policy.thresholds }, now)
}
