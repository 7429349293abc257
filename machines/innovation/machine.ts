import { createProjectMachine } from '../shared/lifecycle.js'
import { innovationDeclaration } from './declaration.js'

/**
 * 创新探索型 (R2): a pilot against a new problem. Promotion argues its feasibility and
 * solidifies the practice into a town-wide system (固化为制度), from which a system-promotion
 * project may then be declared (its sourcePractice naming this project).
 */
export const innovation = createProjectMachine({
  type: 'innovation',
  version: 1,
  declaration: innovationDeclaration,
  supplementaryDeclarations: true,
  description: '创新探索型项目：针对新情况新问题先行先试，定目标、定责任、定时限、定要求',
  promotionLabels: {
    feasibilityReview: '推广可行性论证中',
    institutionalized: '已固化为制度',
  },
})
