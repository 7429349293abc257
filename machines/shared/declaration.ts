import { z } from 'zod'

/**
 * The fields of the declaration form 《镇党建工作项目申报表》 (R6) that every project type shares.
 * A draft may be incomplete; the full schema is what SUBMIT and RESUBMIT require.
 */

export const isoDate = z.iso.date().describe('calendar date, YYYY-MM-DD')

export const person = z.strictObject({
    name: z.string().trim().min(1).max(50),
    position: z.string().trim().max(100).optional(),
    phone: z.string().trim().max(30).optional(),
  })
  .describe('a responsible person (R16)')

export const measurableTarget = z.strictObject({
    indicator: z.string().trim().min(1).max(200).describe('what is measured, e.g. 党员活动参与率'),
    value: z.number().finite().describe('the level to reach'),
    unit: z.string().trim().max(20).default('').describe('e.g. %, 次, 人'),
  })
  .describe('a measurable target (定目标)')

export const milestone = z.strictObject({
  date: isoDate,
  content: z.string().trim().min(1).max(1000),
})

export const commonDeclarationFields = {
  title: z.string().trim().min(2).max(200).describe('项目名称'),
  background: z.string().trim().min(1).max(5000).describe('背景与要解决的问题'),
  targets: z.array(measurableTarget).min(1).max(50).describe('项目目标（可量化）'),
  measures: z.array(z.string().trim().min(1).max(2000)).min(1).max(50).describe('主要措施'),
  milestones: z.array(milestone).min(1).max(50).describe('进度安排'),
  firstResponsible: person.describe('第一责任人（书记）'),
  directlyResponsible: person.describe('直接责任人（分管领导）'),
  expectedResults: z.string().trim().min(1).max(5000).describe('预期成果'),
}

export type CommonDeclaration = z.infer<z.ZodObject<typeof commonDeclarationFields>>

/** What a draft may hold: any field may be missing, but what is present must be well-formed, and nothing else. */
export function draftOf<T extends z.ZodRawShape>(full: z.ZodObject<T>) {
  return full.partial().strict()
}
