import { gradingPolicyProblems } from '../../machines/shared/grading.js'
import { Refusal } from '../errors.js'
import { defaultGrading, projectTypes, type ProjectType } from '../../machines/index.js'
import type { GradingPolicy } from '../../machines/shared/grading.js'
import type { Executor } from '../db/database.js'
import { appendOutbox } from './outbox.js'

/** Weights and thresholds per year and project type (R14), the defaults until the year sets its own. */
export async function gradingPolicy(db: Executor, year: number, type: ProjectType): Promise<GradingPolicy & { stored: boolean }> {
  return (await gradingPolicies(db, year, [type]))[type]
}

/** The year's policies for these types (all by default), in one query. */
export async function gradingPolicies(db: Executor, year: number, types: readonly ProjectType[] = projectTypes) {
  const rows = await db.selectFrom('grading_policy').selectAll().where('year', '=', year).where('type', 'in', [...types]).execute()
  const stored = new Map(rows.map((row) => [row.type, row]))
  return Object.fromEntries(
    types.map((type) => {
      const row = stored.get(type)
      const policy = row
        ? { weights: row.weights as GradingPolicy['weights'], thresholds: row.thresholds as GradingPolicy['thresholds'], stored: true }
        : { ...defaultGrading[type], stored: false }
      return [type, policy]
    }),
  ) as Record<ProjectType, GradingPolicy & { stored: boolean }>
}

export async function setGradingPolicy(
  db: Executor,
  year: number,
  type: ProjectType,
  policy: GradingPolicy,
  actor: string,
  now: Date,
): Promise<void> {
  const [problem] = gradingPolicyProblems(policy)
  if (problem) throw new Refusal(422, 'GRADING_INVALID', problem.message, { field: problem.field })
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
