import { z } from 'zod'
import { commonDeclarationFields, isoDate } from '../shared/declaration.js'

/**
 * R2: an innovation pilot fixes a target, a responsibility, a time limit and requirements
 * (定目标、定责任、定时限、定要求). Targets and responsibility come from the common fields.
 */
export const innovationDeclaration = z.strictObject({
  ...commonDeclarationFields,
  problem: z.string().trim().min(1).max(5000).describe('针对的新情况、新问题'),
  timeLimit: isoDate.describe('定时限：完成期限'),
  requirements: z.array(z.string().trim().min(1).max(2000)).min(1).max(50).describe('定要求'),
})
