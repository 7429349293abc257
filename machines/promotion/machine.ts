import { createProjectMachine } from '../shared/lifecycle.js'
import { promotionDeclaration } from './declaration.js'

/**
 * 制度推广型 (R3): rolls a proven practice out across the town. Its promotion phase issues the
 * practice as a formal town-wide system (全镇推行) once the rollout has been accepted.
 */
export const promotion = createProjectMachine({
  type: 'promotion',
  label: '制度推广型',
  // R5: one of the X of 1+X.
  countsAs: 'x',
  version: 1,
  approval: 'review',
  declaration: promotionDeclaration,
  // R14 default grading: a rollout across the town must do better than a pass at 60.
  grading: {
    weights: { targetAchievement: 0.3, publicSatisfaction: 0.3, comprehensiveBenefit: 0.2, replicability: 0.2 },
    thresholds: { excellent: 90, good: 80, pass: 65 },
  },
  supplementaryDeclarations: true,
  description: '制度推广型项目：将成熟做法再论证后固化为制度，在全镇推广',
  promotionLabels: {
    feasibilityReview: '全镇推行论证中',
    institutionalized: '已成为全镇制度',
  },
  // R3: the practice it rolls out exists — an accepted project, or a town system — when declared and when submitted.
  creationRules: ['sourcePracticeExists'],
  submitRules: ['sourcePracticeExists'],
})
