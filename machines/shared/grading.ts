import type { IndicatorName } from './events.js'
import type { Grade, ProjectType } from './vocabulary.js'

/**
 * R14 "分类分级": the grade comes from a weighted score of the four indicators, with weights
 * and thresholds per project type. Innovation weighs replicability more, because an
 * innovation pilot exists to produce experience others can copy.
 */
export interface GradingPolicy {
  weights: Record<IndicatorName, number>
  thresholds: { excellent: number; good: number; pass: number }
}

export const defaultGrading: Record<ProjectType, GradingPolicy> = {
  foundation: {
    weights: { targetAchievement: 0.4, publicSatisfaction: 0.3, comprehensiveBenefit: 0.2, replicability: 0.1 },
    thresholds: { excellent: 90, good: 80, pass: 60 },
  },
  innovation: {
    weights: { targetAchievement: 0.3, publicSatisfaction: 0.25, comprehensiveBenefit: 0.2, replicability: 0.25 },
    thresholds: { excellent: 90, good: 80, pass: 60 },
  },
  promotion: {
    weights: { targetAchievement: 0.3, publicSatisfaction: 0.3, comprehensiveBenefit: 0.2, replicability: 0.2 },
    thresholds: { excellent: 90, good: 80, pass: 65 },
  },
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
