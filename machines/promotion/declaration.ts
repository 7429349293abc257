import { z } from 'zod'
import { commonDeclarationFields } from '../shared/declaration.js'

/**
 * R3: a system-promotion project rolls out a practice that has proved itself; it names that
 * practice (a project of this service, or one described in words) and argues again for its
 * feasibility and operability before town-wide rollout.
 */
export const promotionDeclaration = z.strictObject({
  ...commonDeclarationFields,
  sourcePractice: z.strictObject({
      projectId: z.uuid().optional().describe('the project the practice comes from, when it ran in this service'),
      systemId: z.uuid().optional().describe('the town system (制度) it rolls out, when one was established'),
      description: z.string().trim().min(1).max(5000).describe('来源做法'),
    })
    .describe('所依托的成熟做法'),
  feasibility: z.string().trim().min(1).max(5000).describe('可行性论证'),
  operability: z.string().trim().min(1).max(5000).describe('可操作性论证'),
  scope: z.string().trim().min(1).max(1000).describe('推广范围'),
})
