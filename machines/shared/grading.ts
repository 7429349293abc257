import type { IndicatorName } from './events.js'
import type { Grade } from './vocabulary.js'

/**
 * R14 "分类分级": the grade comes from a weighted score of the four indicators, with weights
 * and thresholds per project type — each type's defaults are in its machine file (`grading`),
 * and a year may set its own.
 */
export interface GradingPolicy {
  weights: Record<IndicatorName, number>
  thresholds: { excellent: number; good: number; pass: number }
}

export function gradeIndicators(
  policy: GradingPolicy,
  indicators: Record<IndicatorName, number>,
): { score: number; grade: Grade } {
  const weightSum = Object.values(policy.weights).reduce((a, b) => a + b, 0)
  const weighted = (Object.keys(policy.weights) as IndicatorName[]).reduce(
    (sum, name) => sum + policy.weights[name] * indicators[name],
    0,
  )
  // Two decimals are what the acceptance group reports; rounding first keeps the grade consistent with the shown score.
  const score = Math.round((weighted / weightSum) * 100) / 100
  const { excellent, good, pass } = policy.thresholds
  const grade: Grade = score >= excellent ? 'excellent' : score >= good ? 'good' : score >= pass ? 'pass' : 'fail'
  return { score, grade }
}

/** What is wrong with a grading policy a year would set: no weight at all, or thresholds that do not fall. */
export function gradingPolicyProblems(policy: GradingPolicy): Array<{ field: 'weights' | 'thresholds'; message: string }> {
  const problems: Array<{ field: 'weights' | 'thresholds'; message: string }> = []
  if (Object.values(policy.weights).reduce((a, b) => a + b, 0) <= 0) problems.push({ field: 'weights', message: 'at least one indicator must carry weight' })
  const { excellent, good, pass } = policy.thresholds
  if (!(excellent > good && good > pass)) problems.push({ field: 'thresholds', message: 'thresholds must fall: excellent > good > pass' })
  return problems
}
