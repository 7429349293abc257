import { z } from 'zod'
import { commonDeclarationFields } from '../shared/declaration.js'

/** R1: a foundation project carries out the items of one handbook version for the org's category. */
export const foundationDeclaration = z.strictObject({
  ...commonDeclarationFields,
  handbookVersion: z.string().trim().min(1).max(50).describe('《镇党建工作项目化管理手册》版本'),
  handbookItems: z
    .array(z.string().trim().min(1).max(100))
    .min(1)
    .max(200)
    .refine((items) => new Set(items).size === items.length, 'handbook items must not repeat')
    .meta({ uniqueItems: true })
    .describe('所落实的手册事项编号'),
})
