import { describe, expect, it } from 'vitest'
import { defaultGrading, gradeIndicators } from '../../machines/index.js'

describe('grading (R14 分类分级)', () => {
  const all = (n: number) => ({ targetAchievement: n, publicSatisfaction: n, comprehensiveBenefit: n, replicability: n })

  it('grades at the thresholds, inclusive', () => {
    const policy = defaultGrading.foundation
    expect(gradeIndicators(policy, all(90))).toEqual({ score: 90, grade: 'excellent' })
    expect(gradeIndicators(policy, all(89.99))).toEqual({ score: 89.99, grade: 'good' })
    expect(gradeIndicators(policy, all(80)).grade).toBe('good')
    expect(gradeIndicators(policy, all(60)).grade).toBe('pass')
    expect(gradeIndicators(policy, all(59.99)).grade).toBe('fail')
  })

  it('weighs indicators differently per project type', () => {
    const strongOnReplicability = { targetAchievement: 80, publicSatisfaction: 80, comprehensiveBenefit: 80, replicability: 100 }
    const foundation = gradeIndicators(defaultGrading.foundation, strongOnReplicability)
    const innovation = gradeIndicators(defaultGrading.innovation, strongOnReplicability)
    expect(foundation.score).toBe(82)
    expect(innovation.score).toBe(85)
    expect(gradeIndicators(defaultGrading.promotion, all(62)).grade).toBe('fail')
    expect(gradeIndicators(defaultGrading.innovation, all(62)).grade).toBe('pass')
  })
})
