import { createProjectMachine } from '../shared/lifecycle.js'
import { foundationDeclaration } from './declaration.js'

/**
 * 基础强化型 (R1): carries out the handbook items of one handbook version for the org's category.
 * Promotion means the practice that proved itself is written into the next handbook version
 * as a town-wide standard (经验纳入手册): the town's way of "solidifying into a system" for
 * foundation work.
 */
export const foundation = createProjectMachine({
  type: 'foundation',
  label: '基础强化型',
  // R5: the "1" of 1+X.
  countsAs: 'one',
  version: 1,
  declaration: foundationDeclaration,
  // R14 default grading: target achievement weighs most for the handbook's standard work.
  grading: {
    weights: { targetAchievement: 0.4, publicSatisfaction: 0.3, comprehensiveBenefit: 0.2, replicability: 0.1 },
    thresholds: { excellent: 90, good: 80, pass: 60 },
  },
  supplementaryDeclarations: false,
  description: '基础强化型项目：落实手册规定的基础制度和规定动作，逐年提高',
  promotionLabels: {
    feasibilityReview: '纳入手册论证中',
    institutionalized: '已纳入手册（固化为制度）',
  },
  // R1: the handbook's items for the category; R9: raised year by year; R5: the "1" of 1+X.
  submitRules: ['handbookItemsCovered', 'targetsNotLowered'],
  creationRules: ['oneFoundationPerYear'],
})
