import { createProjectMachine, type ProjectMachineSpec } from '../shared/lifecycle.js'
import { foundationDeclaration } from './declaration.js'

/**
 * 基础强化型 (R1): carries out the handbook items of one handbook version for the org's category.
 * Promotion means the practice that proved itself is written into the next handbook version
 * as a town-wide standard (经验纳入手册): the town's way of "solidifying into a system" for
 * foundation work.
 */
const foundationSpec = {
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
  approval: 'review',
} as const satisfies ProjectMachineSpec

/** Version 1: declarations scored by the review group and approved, as elective projects are. Kept for the projects started on it. */
export const foundationV1 = createProjectMachine(foundationSpec)

/**
 * Version 2 (docs/versions.md): the policy has foundation projects carried out "根据《手册》各版本所列
 * 内容、标准参照执行", while its review procedure (五、工作流程) is written for the elective projects.
 * A foundation declaration is therefore checked by the organization section against the handbook
 * and filed (备案) — the review group does not score it, and it is not rejected: the "1" of 1+X is
 * not optional, so what does not meet the handbook is returned for revision.
 */
export const foundation = createProjectMachine({ ...foundationSpec, version: 2, approval: 'filing' })
