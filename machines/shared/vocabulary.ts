/**
 * The words every project machine shares: project types, phases, roles and grades,
 * each with the zh-CN label people see. Identifiers stay English; labels are data.
 */

/** The project types; each has a machine (machines/<type>/machine.ts) registered in machines/index.ts. */
export const projectTypes = ['foundation', 'innovation', 'promotion'] as const
export type ProjectType = (typeof projectTypes)[number]


/** R4: every project moves through these five phases, in this order. */
export const phases = ['declaration', 'approval', 'implementation', 'acceptance', 'promotion'] as const
export type Phase = (typeof phases)[number]

export const phaseLabels: Record<Phase, string> = {
  declaration: '申报',
  approval: '立项',
  implementation: '实施',
  acceptance: '验收',
  promotion: '推广',
}

/**
 * Who may send an event. Declared beside each event so the API can list it;
 * `organization` means the project's own grassroots organization.
 */
export const roles = ['admin', 'reviewer', 'assessor', 'organization', 'system'] as const
export type Role = (typeof roles)[number]

/** The calendar deadlines a state is subject to (R7, R11, R13); the scheduler attaches timers to them. */
export const deadlineKinds = ['declarationDeadline', 'resubmissionDeadline', 'progressReportDue', 'acceptanceDeadline'] as const
export type DeadlineKind = (typeof deadlineKinds)[number]

export const deadlineLabels: Record<DeadlineKind, string> = {
  declarationDeadline: '申报截止（3月底）',
  resubmissionDeadline: '退回修改重报截止（退回后15日，不早于申报截止）',
  progressReportDue: '半年进展汇报截止（推进会前一周）',
  acceptanceDeadline: '验收截止（12月底）',
}

export const grades = ['excellent', 'good', 'pass', 'fail'] as const
export type Grade = (typeof grades)[number]

export const gradeLabels: Record<Grade, string> = {
  excellent: '优秀',
  good: '良好',
  pass: '合格',
  fail: '不合格',
}

/**
 * What a state means to the programme, carried as XState tags on every state node. The views
 * (1+X counting, the overdue list, the spot-check population, the reports, the console) ask a
 * project's state for its tags; none of them lists state names.
 */
export const stateTags = ['live', 'declared', 'overdue', 'inImplementation', 'passedAcceptance', 'final'] as const
export type StateTag = (typeof stateTags)[number]

export const stateTagLabels: Record<StateTag, string> = {
  live: '仍在计数（未撤回、未被否决）',
  declared: '已申报（计入"1+X"）',
  overdue: '逾期',
  inImplementation: '立项后实施中（可被随机抽查）',
  passedAcceptance: '已通过验收',
  final: '已终结',
}

/** Metadata every state node carries (I5). */
export interface StateMeta {
  label: string
  phase: Phase
  deadlines?: readonly DeadlineKind[]
  /**
   * Rules the context of a project standing in this state satisfies (the guards that let it in
   * that read no event). A migration into this state checks them (docs/versions.md).
   */
  holds?: readonly string[]
}

/** Categories of grassroots Party organization (三(二)); enterprise is common elsewhere and allowed. */
export const organizationCategories = ['village', 'organ', 'school', 'social', 'enterprise'] as const
export type OrganizationCategory = (typeof organizationCategories)[number]

export const organizationCategoryLabels: Record<OrganizationCategory, string> = {
  village: '农村',
  organ: '机关',
  school: '学校',
  social: '社会组织',
  enterprise: '企业',
}

/** The years a programme may be run for: a project's year, a calendar's, a report's. */
export const programmeYears = Object.freeze({ first: 2000, last: 2100 })
