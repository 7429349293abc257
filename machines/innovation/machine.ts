import { createProjectMachine } from '../shared/lifecycle.js'
import { innovationDeclaration } from './declaration.js'

/**
 * 创新探索型 (R2): a pilot against a new problem. Promotion argues its feasibility and
 * solidifies the practice into a town-wide system (固化为制度), from which a system-promotion
 * project may then be declared (its sourcePractice naming this project).
 */
export const innovation = createProjectMachine({
  type: 'innovation',
  label: '创新探索型',
  // R5: one of the X of 1+X.
  countsAs: 'x',
  version: 1,
  approval: 'review',
  declaration: innovationDeclaration,
  // R14 default grading: replicability weighs more, since a pilot exists to produce experience others can copy.
  grading: {
    weights: { targetAchievement: 0.3, publicSatisfaction: 0.25, comprehensiveBenefit: 0.2, replicability: 0.25 },
    thresholds: { excellent: 90, good: 80, pass: 60 },
  },
  supplementaryDeclarations: true,
  description: '创新探索型项目：针对新情况新问题先行先试，定目标、定责任、定时限、定要求',
  promotionLabels: {
    feasibilityReview: '推广可行性论证中',
    institutionalized: '已固化为制度',
  },
})
