import { currentDefinition, definitionAt, type ProjectType } from '../../machines/index.js'

/** Complete declaration forms (R6), one per type, as an organization would fill them in. */
const common = {
  title: '党员先锋积分管理',
  background: '部分党员参与组织生活不积极，作用发挥不明显。',
  targets: [
    { indicator: '党员组织生活参与率', value: 95, unit: '%' },
    { indicator: '为民办实事', value: 12, unit: '件' },
  ],
  measures: ['建立积分台账', '每季度公示积分', '年终评星定级'],
  milestones: [
    { date: '2026-04-30', content: '制定积分细则' },
    { date: '2026-10-31', content: '完成三个季度积分公示' },
  ],
  directlyResponsible: { name: '李委员', position: '组织委员' },
  expectedResults: '形成可复制的党员积分管理办法。',
}

export const declarations: Record<ProjectType, Record<string, unknown>> = {
  foundation: {
    ...common,
    title: '"三会一课"规范化建设',
    handbookVersion: '2026',
    handbookItems: ['V-01', 'V-02', 'V-05'],
  },
  innovation: {
    ...common,
    problem: '流动党员难以参加组织生活。',
    timeLimit: '2026-12-15',
    requirements: ['每月线上学习一次', '每季度线下活动一次'],
  },
  promotion: {
    ...common,
    title: '党员积分制全镇推广',
    sourcePractice: { description: '东村党支部2025年党员先锋积分管理试点' },
    feasibility: '试点一年，参与率由70%提高到96%。',
    operability: '积分细则简明，村级党务工作者可独立操作。',
    scope: '全镇各农村党支部',
  },
}

/** A valid payload for every event. */
export const payloads = {
  UPDATE_DECLARATION: { declaration: { expectedResults: '形成党员积分管理办法并在全镇交流。' } },
  SUBMIT: {},
  WITHDRAW: { reason: '组织调整，暂不实施' },
  RECORD_REVIEW: { reviewer: '评审员甲', score: 88, opinion: '目标明确，措施可行' },
  RETURN_FOR_REVISION: { opinion: '目标需进一步量化' },
  RESUBMIT: {},
  APPROVE: { note: '同意立项' },
  FILE_DECLARATION: { note: '对照手册审核，予以备案' },
  REJECT: { reason: '与往年项目重复' },
  SUBMIT_PLAN: {
    items: [
      {
        matter: '制定积分细则',
        target: '4月底前印发',
        owner: { name: '李委员' },
        responsibility: '起草并组织讨论',
        dueDate: '2026-04-30',
      },
      {
        matter: '季度积分公示',
        target: '每季度公示一次',
        owner: { name: '王干事' },
        responsibility: '统计并张榜',
        dueDate: '2026-12-31',
      },
    ],
  },
  RECORD_LEDGER_ENTRY: {
    planItemId: 'P1',
    date: '2026-04-28',
    content: '支部党员大会讨论通过积分细则',
    evidence: [{ description: '会议记录', url: 'https://example.org/minutes/0428' }],
    completesItem: true,
  },
  SUBMIT_PROGRESS_REPORT: { period: '2026-H1', results: '积分细则已实施', problems: '个别老党员不会使用手机' },
  REQUEST_ACCEPTANCE: {
    summaryReport: '项目目标全部完成，党员参与率达到96%。',
    explanations: [{ planItemId: 'P2', reason: '第四季度公示安排在验收后进行' }],
  },
  RECORD_ASSESSMENT: {
    assessor: '验收员甲',
    form: 'ledgerInspection',
    findings: '台账完整',
    indicators: { targetAchievement: 95, publicSatisfaction: 97, comprehensiveBenefit: 90, replicability: 92 },
  },
  EVALUATE: { comment: '验收组评定' },
  PROPOSE_PROMOTION: { rationale: '做法简便，效果明显，适合全镇推广' },
  SOLIDIFY: {
    effectiveDate: '2027-01-01',
    systemTitle: '镇党员先锋积分管理办法',
    systemContent: '第一条 为……制定本办法。',
    feasibility: '已在一个支部试行一年',
    operability: '细则简明，易于操作',
  },
  DECLINE_PROMOTION: { reason: '适用范围有限' },
  CLOSE: { note: '项目结项' },
  DECLARATION_DEADLINE: {},
  RESUBMISSION_DEADLINE: { roundClosedAt: '2026-03-31T16:00:00.000Z' },
  ALLOW_LATE_DECLARATION: { reason: '村两委换届，准予补报' },
  PROGRESS_REPORT_DUE: { period: '2026-H1' },
  RECORD_MEETING_GUIDANCE: { period: '2026-H1', guidance: '加快台账规范化' },
  ACCEPTANCE_DEADLINE: {},
  GRANT_EXTENSION: { until: '2027-06-30T15:59:59.999Z', reason: '跨年度实施，滚动推进' },
  RECORD_PUBLICITY: { kind: 'onSiteMeeting', date: '2026-11-20', title: '全镇党建工作现场会', description: '现场观摩积分公示栏' },
  RECORD_SPOT_CHECK_FINDING: {
    spotCheckId: '5f0c6f4e-2c1d-4a59-9a3c-0d8e6f1b2a3c',
    findings: '台账规范，进度正常',
    rating: 'good',
  },
} as const

/** The members the tests put in each year's review and acceptance groups. */
export const reviewers = ['评审员甲', '评审员乙', '评审员丙', '评审员丁']
export const assessors = ['验收员甲', '验收员乙', '验收员丙', '验收员丁']

/** The handbook version the foundation declarations name, with items for every category (R1). */
export const handbook = {
  version: '2026',
  title: '镇党建工作项目化管理手册（2026年版）',
  items: [
    { code: 'V-01', requirement: '"三会一课"', standard: '按期召开，记录完整', frequency: '每月', required: true },
    { code: 'V-02', requirement: '主题党日', standard: '每月固定日期开展', frequency: '每月', required: true },
    { code: 'V-05', requirement: '党员积分管理', standard: '季度公示', frequency: '每季度', required: false },
  ],
}

const forms = ['ledgerInspection', 'onSiteReview', 'questionnaire', 'democraticAppraisal'] as const
/** One assessment per form by the acceptance group, all at the given level (R14). */
export function assessmentSteps(level: number, replicability = level): Step[] {
  return forms.map((form, i) => ({
    type: 'RECORD_ASSESSMENT',
    assessor: assessors[i]!,
    form,
    findings: `${form} 情况`,
    indicators: { targetAchievement: level, publicSatisfaction: level, comprehensiveBenefit: level, replicability },
  }))
}
const passing = () => [...assessmentSteps(93), { type: 'EVALUATE', comment: '成效明显' }]
const failing = () => [...assessmentSteps(45), { type: 'EVALUATE', comment: '需整改' }]

export type Step = { type: string } & Record<string, unknown>

const step = (name: keyof typeof payloads, type: string = name): Step => ({ type, ...payloads[name] })

/** How a submitted declaration reaches planning, by the machine's approval procedure. */
const approvalSteps = {
  review: {
    toPlanning: [
      { ...step('RECORD_REVIEW'), reviewer: '评审员甲', score: 86 },
      { ...step('RECORD_REVIEW'), reviewer: '评审员乙', score: 90 },
      { ...step('RECORD_REVIEW'), reviewer: '评审员丙', score: 82 },
      step('APPROVE'),
    ],
    submitted: 'underReview',
  },
  filing: { toPlanning: [step('FILE_DECLARATION')], submitted: 'filingReview' },
} as const satisfies Record<Approval, { toPlanning: Step[]; submitted: string }>

type Approval = 'review' | 'filing'

/** The paths and preconditions the tests drive a machine of this approval procedure by. */
function pathsForApproval(approval: Approval) {
  const { submitted } = approvalSteps[approval]
  const afterSubmission: Step[] = [...approvalSteps[approval].toPlanning]
  const toPlanning: Step[] = [step('SUBMIT'), ...afterSubmission]
  const toImplementing = [...toPlanning, step('SUBMIT_PLAN')]
  const toAcceptanceRequested = [...toImplementing, step('RECORD_LEDGER_ENTRY'), step('REQUEST_ACCEPTANCE')]
  const toAccepted = [...toAcceptanceRequested, ...passing()]

  /** From a new draft, the events that bring a project to each state. */
  const pathTo: Record<string, Step[]> = {
    draft: [],
    [submitted]: [step('SUBMIT')],
    returned: [step('SUBMIT'), step('RETURN_FOR_REVISION')],
    withdrawn: [step('WITHDRAW')],
    overdueDeclaration: [step('DECLARATION_DEADLINE')],
    ...(approval === 'review' ? { rejected: [step('SUBMIT'), step('REJECT')] } : {}),
    planning: toPlanning,
    implementing: toImplementing,
    overdueAcceptance: [...toImplementing, step('ACCEPTANCE_DEADLINE')],
    acceptanceRequested: toAcceptanceRequested,
    rectifying: [...toAcceptanceRequested, ...failing()],
    accepted: toAccepted,
    feasibilityReview: [...toAccepted, step('PROPOSE_PROMOTION')],
    institutionalized: [...toAccepted, step('PROPOSE_PROMOTION'), step('SOLIDIFY')],
    closed: [...toAccepted, step('CLOSE')],
  }

  /** The whole life of a promoted project, draft to closed, with a revision round on the way. */
  const fullLife: Step[] = [
    step('UPDATE_DECLARATION'),
    step('SUBMIT'),
    ...(approval === 'review' ? [step('RECORD_REVIEW')] : []),
    step('RETURN_FOR_REVISION'),
    step('UPDATE_DECLARATION'),
    step('RESUBMIT'),
    ...afterSubmission,
    step('SUBMIT_PLAN'),
    step('RECORD_LEDGER_ENTRY'),
    step('SUBMIT_PROGRESS_REPORT'),
    step('REQUEST_ACCEPTANCE'),
    ...failing(),
    { ...step('RECORD_LEDGER_ENTRY'), planItemId: 'P2', date: '2026-12-10', content: '完成第四季度公示' },
    { ...step('REQUEST_ACCEPTANCE'), explanations: [] },
    ...passing(),
    step('PROPOSE_PROMOTION'),
    step('SOLIDIFY'),
    step('CLOSE'),
  ]

  /** Transitions that need another way into their state than `pathTo` (overdue before the plan came). */
  const pathsFor: Record<string, Step[]> = {
    'overdueAcceptance:SUBMIT_PLAN:null': [...toPlanning, step('ACCEPTANCE_DEADLINE')],
    'overdueAcceptance:GRANT_EXTENSION:planning': [...toPlanning, step('ACCEPTANCE_DEADLINE')],
  }

  /** What a guarded transition needs beyond reaching its source state (keyed from:event, or from:event:to). */
  const preconditions: Record<string, Step[]> = {
    'acceptanceRequested:EVALUATE:accepted': assessmentSteps(93),
    'acceptanceRequested:EVALUATE:rectifying': assessmentSteps(45),
    ...(approval === 'review' ? { 'underReview:APPROVE': afterSubmission.slice(0, -1) } : {}),
    'implementing:REQUEST_ACCEPTANCE': [step('RECORD_LEDGER_ENTRY')],
    'rectifying:REQUEST_ACCEPTANCE': [],
    'overdueAcceptance:REQUEST_ACCEPTANCE': [step('RECORD_LEDGER_ENTRY')],
    // Overdue before the plan came (the previous state, before '>'): the plan first.
    'planning>overdueAcceptance:REQUEST_ACCEPTANCE': [step('SUBMIT_PLAN'), step('RECORD_LEDGER_ENTRY')],
    'planning>overdueAcceptance:GRANT_EXTENSION:implementing': [step('SUBMIT_PLAN')],
  }

  /** What a transition needs first, given the state the project came from (null at the start). */
  function preconditionsFor(previous: string | null, edge: { from: string; event: string; to: string | null }): Step[] {
    const keys = [`${edge.from}:${edge.event}:${edge.to}`, `${edge.from}:${edge.event}`]
    const found = [...(previous ? keys.map((k) => `${previous}>${k}`) : []), ...keys].find((k) => preconditions[k])
    return found ? preconditions[found]! : []
  }

  return { pathTo, fullLife, pathsFor, preconditions, preconditionsFor, toPlanning }
}

const byApproval = { review: pathsForApproval('review'), filing: pathsForApproval('filing') }

/** The fixture paths of a type's machine at a version (its current one by default). */
export function pathsOf(type: ProjectType, version?: number) {
  const definition = version === undefined ? currentDefinition(type) : definitionAt(type, version)
  if (!definition) throw new Error(`no ${type} machine at version ${version}`)
  return byApproval[definition.spec.approval]
}

// The review procedure's paths: the elective types', and the foundation machine's before version 2.
export const { pathTo, fullLife, pathsFor, preconditions, preconditionsFor } = byApproval.review

/** The event that takes a transition `from → to`. */
export function stepFor(event: string, _to: string | null): Step {
  if (event === 'RECORD_REVIEW') return { ...step('RECORD_REVIEW'), reviewer: '评审员丁' }
  if (event === 'SUBMIT_PROGRESS_REPORT') return { ...step('SUBMIT_PROGRESS_REPORT'), period: '2026-H2' }
  return step(event as keyof typeof payloads)
}
