import { z } from 'zod'
import { isoDate, person } from './declaration.js'
import type { EventFacts } from './facts.js'
import { endOfShanghaiDate } from './time.js'
import { programmeYears, type DeadlineKind, type Role } from './vocabulary.js'

/**
 * The events a project accepts, with their zh-CN labels, who may send them and the payload
 * schema the engine validates before the machine sees them. The machine's event types are
 * derived from these schemas, so there is one copy of each shape.
 */

const text = (max: number) => z.string().trim().min(1).max(max)

export const indicatorNames = [
  'targetAchievement',
  'publicSatisfaction',
  'comprehensiveBenefit',
  'replicability',
] as const
export type IndicatorName = (typeof indicatorNames)[number]

export const indicatorLabels: Record<IndicatorName, string> = {
  targetAchievement: '目标实现率',
  publicSatisfaction: '群众满意率',
  comprehensiveBenefit: '综合效益度',
  replicability: '经验可推广性',
}

export const evaluationForms = ['ledgerInspection', 'onSiteReview', 'questionnaire', 'democraticAppraisal'] as const
export type EvaluationForm = (typeof evaluationForms)[number]

export const evaluationFormLabels: Record<EvaluationForm, string> = {
  ledgerInspection: '台账查看',
  onSiteReview: '实地评审',
  questionnaire: '问卷调查',
  democraticAppraisal: '民主测评',
}

const score = z.number().min(0).max(100)

export const publicityKinds = ['onSiteMeeting', 'discussion', 'experienceExchange', 'media'] as const
export type PublicityKind = (typeof publicityKinds)[number]
export const publicityKindLabels: Record<PublicityKind, string> = {
  onSiteMeeting: '现场会',
  discussion: '座谈会',
  experienceExchange: '经验交流会',
  media: '媒体宣传',
}

export const planItem = z.strictObject({
  matter: text(500).describe('定事项'),
  target: text(500).describe('定目标'),
  owner: person.describe('定人员'),
  responsibility: text(500).describe('定责任'),
  dueDate: isoDate.describe('定时限'),
})

/** A link people will open from the console: http or https only (never javascript: or data:). */
const webLink = z.url({ protocol: /^https?$/ }).max(2000).meta({ pattern: '^[Hh][Tt][Tt][Pp][Ss]?://' }).optional()

/** An evidence file the project holds, by the SHA-256 its upload answered (POST /api/v1/projects/{id}/files). */
export const fileHash = z.string().regex(/^[0-9a-f]{64}$/, 'the file’s SHA-256, 64 lowercase hex digits').describe('an uploaded file’s SHA-256 (POST /api/v1/projects/{id}/files)')

export const evidence = z.strictObject({
  description: text(1000),
  url: webLink,
  file: fileHash.optional(),
})

/** Files kept with a record (a summary report, an assessment, a publicity record). */
const attachments = z.array(evidence).max(50).default([]).describe('附件: files uploaded to the project, each with what it is')

/** Payload schemas that do not depend on the project type. */
const halfYear = z
  .string()
  .regex(/^\d{4}-H[12]$/, 'period is YYYY-H1 or YYYY-H2')
  .describe('半年度，如 2026-H1')

export const commonPayloads = {
  SUBMIT: z.strictObject({}),
  WITHDRAW: z.strictObject({ reason: text(2000) }),
  RECORD_REVIEW: z.strictObject({
    reviewer: text(100).describe('评审组成员'),
    score: score.describe('评分 0–100'),
    opinion: text(5000).describe('评审意见'),
  }),
  RETURN_FOR_REVISION: z.strictObject({ opinion: text(5000).describe('修改意见') }),
  RESUBMIT: z.strictObject({}),
  APPROVE: z.strictObject({ note: z.string().trim().max(2000).optional() }),
  REJECT: z.strictObject({ reason: text(5000).describe('不予立项理由') }),
  FILE_DECLARATION: z.strictObject({ note: z.string().trim().max(2000).optional().describe('备案意见') }),
  SUBMIT_PLAN: z.strictObject({ items: z.array(planItem).min(1).max(200) }),
  RECORD_LEDGER_ENTRY: z.strictObject({
    planItemId: z.string().max(20).optional().describe('the plan item this work served, e.g. P1'),
    date: isoDate,
    content: text(5000),
    evidence: z.array(evidence).max(50).default([]),
    completesItem: z.boolean().default(false).describe('this entry finishes its plan item'),
  }).refine((e) => !e.completesItem || e.planItemId !== undefined, {
    message: 'an entry that completes a plan item names it (planItemId)',
    path: ['planItemId'],
  }),
  SUBMIT_PROGRESS_REPORT: z.strictObject({
    period: halfYear,
    results: text(5000).describe('取得成效'),
    problems: z.string().trim().max(5000).default('').describe('存在问题'),
  }),
  REQUEST_ACCEPTANCE: z.strictObject({
    summaryReport: text(20000).describe('总结报告'),
    explanations: z
      .array(z.strictObject({ planItemId: z.string().max(20), reason: text(2000) }))
      .max(200)
      .default([])
      .describe('plan items not done, each with its reason'),
    attachments,
  }),
  RECORD_ASSESSMENT: z.strictObject({
    assessor: text(100).describe('验收组成员'),
    form: z.enum(evaluationForms).describe('ledgerInspection 台账查看, onSiteReview 实地评审, questionnaire 问卷调查, democraticAppraisal 民主测评'),
    findings: text(5000),
    indicators: z.strictObject(Object.fromEntries(indicatorNames.map((i) => [i, score])) as Record<IndicatorName, typeof score>)
      .describe('the four indicators, 0–100 each'),
    attachments,
  }),
  EVALUATE: z.strictObject({ comment: z.string().trim().max(5000).default('') }),
  PROPOSE_PROMOTION: z.strictObject({ rationale: text(5000).describe('推广价值') }),
  SOLIDIFY: z.strictObject({
    systemTitle: text(200).describe('制度名称'),
    systemContent: text(50000).describe('制度内容'),
    effectiveDate: isoDate.describe('施行日期'),
    feasibility: text(5000).describe('可行性论证结论'),
    operability: text(5000).describe('可操作性论证结论'),
  }),
  DECLINE_PROMOTION: z.strictObject({ reason: text(5000) }),
  CLOSE: z.strictObject({ note: z.string().trim().max(5000).default('') }),
  RECORD_PUBLICITY: z.strictObject({
    kind: z.enum(publicityKinds).describe('onSiteMeeting 现场会, discussion 座谈会, experienceExchange 经验交流会, media 媒体宣传'),
    date: isoDate,
    title: text(200),
    description: z.string().trim().max(5000).default(''),
    url: webLink,
    attachments,
  }),
  RECORD_SPOT_CHECK_FINDING: z.strictObject({
    spotCheckId: z.uuid(),
    findings: text(5000).describe('抽查发现'),
    rating: z.enum(['good', 'fair', 'poor']).describe('good 好, fair 一般, poor 差'),
  }),
  DECLARATION_DEADLINE: z.strictObject({}),
  RESUBMISSION_DEADLINE: z.strictObject({
    roundClosedAt: z.iso.datetime().describe('when the March round closed (the declaration deadline in force)'),
  }),
  ALLOW_LATE_DECLARATION: z.strictObject({ reason: text(2000).describe('准予补报的理由') }),
  PROGRESS_REPORT_DUE: z.strictObject({ period: halfYear }),
  RECORD_MEETING_GUIDANCE: z.strictObject({
    period: halfYear,
    guidance: text(5000).describe('推进会指导意见'),
  }),
  ACCEPTANCE_DEADLINE: z.strictObject({}),
  GRANT_EXTENSION: z.strictObject({
    until: z
      .union([z.iso.date(), z.iso.datetime({ offset: true })])
      .transform((value) => (value.length === 10 ? endOfShanghaiDate(value) : new Date(value)).toISOString())
      .refine((until) => new Date(until).getUTCFullYear() <= programmeYears.last, `no later than ${programmeYears.last}`)
      .describe('the new acceptance deadline: YYYY-MM-DD (end of that day, Asia/Shanghai) or an instant; may be next year (滚动实施)')
      // The year bound, as the document can say it (an instant late on 31 December 2100 west of UTC is the refine's to refuse).
      .meta({ pattern: `^(?:[01]\\d{3}|20\\d{2}|${programmeYears.last})-` }),
    reason: text(2000),
  }),
} as const

export interface EventSpec {
  label: string
  roles: readonly Role[]
  payload: z.ZodObject
  /** Sent by the scheduler when this calendar deadline falls due (I4, I5). */
  deadline?: DeadlineKind
}

const org: Role[] = ['organization', 'admin']
const admin: Role[] = ['admin']
const system: Role[] = ['system']

/** Labels and senders of every event; the machine file decides where each is accepted. */
export function eventCatalog<D extends z.ZodObject>(draftDeclaration: D) {
  return {
    UPDATE_DECLARATION: {
      label: '修改申报表',
      roles: org,
      payload: z.strictObject({ declaration: draftDeclaration }),
    },
    SUBMIT: { label: '提交申报', roles: org, payload: commonPayloads.SUBMIT },
    WITHDRAW: { label: '撤回申报', roles: org, payload: commonPayloads.WITHDRAW },
    RECORD_REVIEW: { label: '评审打分', roles: ['reviewer'], payload: commonPayloads.RECORD_REVIEW },
    RETURN_FOR_REVISION: { label: '退回修改', roles: admin, payload: commonPayloads.RETURN_FOR_REVISION },
    RESUBMIT: { label: '修改后重新提交', roles: org, payload: commonPayloads.RESUBMIT },
    APPROVE: { label: '批准立项', roles: admin, payload: commonPayloads.APPROVE },
    REJECT: { label: '不予立项', roles: admin, payload: commonPayloads.REJECT },
    FILE_DECLARATION: { label: '对照手册审核备案（立项）', roles: admin, payload: commonPayloads.FILE_DECLARATION },
    SUBMIT_PLAN: { label: '提交实施方案', roles: org, payload: commonPayloads.SUBMIT_PLAN },
    RECORD_LEDGER_ENTRY: { label: '记录台账', roles: org, payload: commonPayloads.RECORD_LEDGER_ENTRY },
    SUBMIT_PROGRESS_REPORT: { label: '报送半年进展', roles: org, payload: commonPayloads.SUBMIT_PROGRESS_REPORT },
    REQUEST_ACCEPTANCE: { label: '申请验收', roles: org, payload: commonPayloads.REQUEST_ACCEPTANCE },
    RECORD_ASSESSMENT: { label: '验收组成员评分', roles: ['assessor'], payload: commonPayloads.RECORD_ASSESSMENT },
    EVALUATE: { label: '验收评定（定等级）', roles: admin, payload: commonPayloads.EVALUATE },
    PROPOSE_PROMOTION: { label: '提请推广论证', roles: org, payload: commonPayloads.PROPOSE_PROMOTION },
    SOLIDIFY: { label: '固化为制度', roles: admin, payload: commonPayloads.SOLIDIFY },
    DECLINE_PROMOTION: { label: '论证不予推广', roles: admin, payload: commonPayloads.DECLINE_PROMOTION },
    CLOSE: { label: '结项', roles: admin, payload: commonPayloads.CLOSE },
    RECORD_PUBLICITY: { label: '记录宣传推广活动', roles: org, payload: commonPayloads.RECORD_PUBLICITY },
    RECORD_SPOT_CHECK_FINDING: {
      label: '记录抽查情况',
      roles: admin,
      payload: commonPayloads.RECORD_SPOT_CHECK_FINDING,
    },
    DECLARATION_DEADLINE: {
      label: '申报截止',
      roles: system,
      payload: commonPayloads.DECLARATION_DEADLINE,
      deadline: 'declarationDeadline',
    },
    RESUBMISSION_DEADLINE: {
      label: '退回修改重报截止',
      roles: system,
      payload: commonPayloads.RESUBMISSION_DEADLINE,
      deadline: 'resubmissionDeadline',
    },
    ALLOW_LATE_DECLARATION: { label: '准予补报', roles: admin, payload: commonPayloads.ALLOW_LATE_DECLARATION },
    PROGRESS_REPORT_DUE: {
      label: '半年进展汇报截止',
      roles: system,
      payload: commonPayloads.PROGRESS_REPORT_DUE,
      deadline: 'progressReportDue',
    },
    RECORD_MEETING_GUIDANCE: {
      label: '记录推进会指导意见',
      roles: admin,
      payload: commonPayloads.RECORD_MEETING_GUIDANCE,
    },
    ACCEPTANCE_DEADLINE: {
      label: '验收截止',
      roles: system,
      payload: commonPayloads.ACCEPTANCE_DEADLINE,
      deadline: 'acceptanceDeadline',
    },
    GRANT_EXTENSION: { label: '准予延期（滚动实施）', roles: admin, payload: commonPayloads.GRANT_EXTENSION },
  } satisfies Record<string, EventSpec>
}

export type EventCatalog = ReturnType<typeof eventCatalog>
export type EventType = keyof EventCatalog

/** Added by the engine to every event: who sent it and when (from the injected clock). */
export interface Envelope {
  actor: string
  at: string
  /** What the engine read from other records for the rules (see facts.ts). */
  facts?: EventFacts
}

type PayloadOf<K extends EventType> = K extends 'UPDATE_DECLARATION'
  ? { declaration: Record<string, unknown> }
  : z.output<(typeof commonPayloads)[Exclude<K, 'UPDATE_DECLARATION'>]>

export type ProjectEvent = {
  [K in EventType]: { type: K } & PayloadOf<K> & Envelope
}[EventType]

export type EventOf<K extends EventType> = Extract<ProjectEvent, { type: K }>

/**
 * The spec of an event type, or undefined: own properties only, so an event called `valueOf`
 * or `__proto__` is simply unknown rather than a method of Object.
 */
export function eventSpecOf(catalog: object, type: string): EventSpec | undefined {
  return Object.hasOwn(catalog, type) ? (catalog as Record<string, EventSpec>)[type] : undefined
}
