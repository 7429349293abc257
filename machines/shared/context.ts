import type { z } from 'zod'
import type { evidence, planItem } from './events.js'
import type { IndicatorName, EvaluationForm, PublicityKind } from './events.js'
import type { GradingPolicy } from './grading.js'
import type { Grade, ProjectType } from './vocabulary.js'

/** Everything a project has accumulated; it lives in the persisted snapshot. */
export interface ProjectContext {
  type: ProjectType
  /** The declaration form (R6); a draft may be incomplete until SUBMIT. */
  declaration: Record<string, unknown>
  /** Declared after the March round as it stood at creation (动态增补, R9); the deadline's guard decides again when it falls. */
  supplementary: boolean
  /** When the project was created (ISO instant): a supplementary declaration is one created after the deadline in force. */
  startedAt?: string
  /** The organization's secretary and leader in charge when the project started (R16). */
  responsible: { secretary: string; leaderInCharge: string }
  /** The organization section let an overdue declaration be made late (准予补报). */
  lateDeclaration: null | { reason: string; by: string; at: string }
  /** Deadlines that passed with the project still short of them (逾期). */
  overdue: Array<{ deadline: 'declarationDeadline' | 'resubmissionDeadline' | 'acceptanceDeadline'; at: string }>
  /** Half years whose progress report was missing when it fell due (R11). */
  missingReports: Array<{ period: string; at: string }>
  /** Guidance the progress meeting recorded for this project (R11). */
  meetingGuidance: Array<{ period: string; guidance: string; by: string; at: string }>
  /** An extension of the acceptance deadline (滚动实施). */
  extension: null | { until: string; reason: string; by: string; at: string }
  /** Review round: 1 at first submission, +1 at each return for revision (R8). */
  round: number
  submissions: Array<{ round: number; by: string; at: string }>
  reviews: Array<{ round: number; reviewer: string; score: number; opinion: string; by: string; at: string }>
  revisionRequests: Array<{ round: number; opinion: string; by: string; at: string }>
  decision: null | {
    /** filed: a foundation declaration checked against the handbook and filed by the organization section (备案). */
    outcome: 'approved' | 'rejected' | 'filed'
    averageScore: number | null
    note: string
    by: string
    at: string
  }
  withdrawal: null | { reason: string; by: string; at: string }
  plan: null | { items: Array<z.output<typeof planItem> & { id: string }>; by: string; at: string }
  ledger: Array<{
    id: string
    planItemId: string | null
    date: string
    content: string
    evidence: Array<z.output<typeof evidence>>
    completesItem: boolean
    by: string
    at: string
  }>
  progressReports: Array<{ period: string; results: string; problems: string; late: boolean; by: string; at: string }>
  acceptanceRequests: Array<{
    summaryReport: string
    late: boolean
    explanations: Array<{ planItemId: string; reason: string }>
    /** Absent on requests recorded before files could be attached. */
    attachments?: Array<z.output<typeof evidence>>
    by: string
    at: string
  }>
  /** Acceptance group members' assessments, by form, in each acceptance round (R14). */
  assessments: Array<{
    round: number
    assessor: string
    form: EvaluationForm
    findings: string
    indicators: Record<IndicatorName, number>
    attachments?: Array<z.output<typeof evidence>>
    by: string
    at: string
  }>
  /** The group's conclusions: averaged indicators, weighted score and grade, with the policy used. */
  evaluations: Array<{
    round: number
    indicators: Record<IndicatorName, number>
    score: number
    grade: Grade
    policy: GradingPolicy
    assessors: string[]
    comment: string
    by: string
    at: string
  }>
  spotChecks: Array<{ spotCheckId: string; findings: string; rating: 'good' | 'fair' | 'poor'; by: string; at: string }>
  publicity: Array<{
    kind: PublicityKind
    date: string
    title: string
    description: string
    url: string | null
    attachments?: Array<z.output<typeof evidence>>
    by: string
    at: string
  }>
  promotion: null | {
    rationale: string
    proposedBy: string
    proposedAt: string
    system: null | {
      title: string
      content: string
      effectiveDate: string
      feasibility: string
      operability: string
      by: string
      at: string
    }
    declined: null | { reason: string; by: string; at: string }
  }
  closure: null | { note: string; promoted: boolean; by: string; at: string }
  policy: ProjectPolicy
}

/** Rules fixed when the project starts, so later changes to configuration do not move the goalposts. */
export interface ProjectPolicy {
  /** Reviews needed in a round before approval (R8). */
  minReviews: number
  grading: GradingPolicy
}

/** What a project starts from: the form as drafted, the organization, and when, against which deadline. */
export interface ProjectInput {
  type: ProjectType
  declaration: Record<string, unknown>
  organization: { secretary: string; leaderInCharge: string }
  /** ISO instants: when the project is created, and the year's declaration deadline. */
  startedAt: string
  declarationDeadline: string
  policy: ProjectPolicy
}

/**
 * R16: the organization's secretary is the first-responsible person (第一责任人) and the leader in
 * charge the directly-responsible one unless the form names another member. R9: an elective
 * created after the declaration deadline is a supplementary declaration (动态增补).
 */
export function initialContext(input: ProjectInput, rules: { supplementaryDeclarations: boolean }): ProjectContext {
  const { secretary, leaderInCharge } = input.organization
  const declaration = Object.assign(
    { firstResponsible: { name: secretary, position: '书记' }, directlyResponsible: { name: leaderInCharge, position: '分管领导' } },
    input.declaration,
  )
  return {
    type: input.type,
    declaration,
    supplementary: rules.supplementaryDeclarations && Date.parse(input.startedAt) > Date.parse(input.declarationDeadline),
    startedAt: input.startedAt,
    responsible: { secretary, leaderInCharge },
    lateDeclaration: null,
    overdue: [],
    missingReports: [],
    meetingGuidance: [],
    extension: null,
    round: 0,
    submissions: [],
    reviews: [],
    revisionRequests: [],
    decision: null,
    withdrawal: null,
    plan: null,
    ledger: [],
    progressReports: [],
    acceptanceRequests: [],
    assessments: [],
    evaluations: [],
    spotChecks: [],
    publicity: [],
    promotion: null,
    closure: null,
    policy: input.policy,
  }
}
