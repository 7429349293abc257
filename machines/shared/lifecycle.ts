import { and, assign, assertEvent, setup } from 'xstate'
import type { z } from 'zod'
import type { ProjectContext, ProjectInput } from './context.js'
import { initialContext } from './context.js'
import type { GradingPolicy } from './grading.js'
import { draftOf } from './declaration.js'
import { eventCatalog, type ProjectEvent } from './events.js'
import { acceptanceRound, concludeEvaluation, projectRules, type RuleName } from './rules.js'
import type { ProjectType, StateMeta, StateTag } from './vocabulary.js'

/**
 * The life of a project (R4): 申报 → 立项 → 实施 → 验收 → 推广. The three project types share
 * this shape; each type's machine file supplies its declaration form, its name and what
 * "promotion" means for it.
 */
export interface ProjectMachineSpec {
  type: ProjectType
  /** The type's name people see (zh-CN). */
  label: string
  /** R5 "1+X": whether a declared project of this type is the organization's one (the "1") or one of its X. */
  countsAs: 'one' | 'x'
  /** R14 分类分级: the type's default weights and thresholds, until a year sets its own. */
  grading: GradingPolicy
  version: number
  declaration: z.ZodObject
  /** zh-CN labels of the promotion-phase states, which differ in meaning per type. */
  promotionLabels: { feasibilityReview: string; institutionalized: string }
  description: string
  /** Rules a declaration of this type must also pass when submitted, besides being complete. */
  submitRules?: readonly RuleName[]
  /** Rules the engine checks before it creates a project of this type (no state exists yet to guard). */
  creationRules?: readonly RuleName[]
  /**
   * R9 动态增补: may a project of this type be declared after the March round, as a supplementary
   * declaration the declaration deadline does not bind? (Electives may; the foundation project may not.)
   */
  supplementaryDeclarations: boolean
  /**
   * How a submitted declaration becomes a project (五、工作流程): `review` — the review group scores
   * it and the section approves or rejects it (立项评审); `filing` — the organization section checks
   * it against the handbook and files it (备案), as the policy has foundation projects carried out
   * by the handbook's items and standards (docs/versions.md).
   */
  approval: 'review' | 'filing'
}

/** Every type's creation and submission pass these: the form names the organization's secretary as first-responsible (R16). */
const commonCreationRules = ['firstResponsibleIsSecretary'] as const satisfies readonly RuleName[]
const commonSubmitRules = ['declarationComplete', 'firstResponsibleIsSecretary'] as const satisfies readonly RuleName[]

const mergeDeclaration = (current: Record<string, unknown>, update: Record<string, unknown>) => Object.assign({}, current, update)

export function createProjectMachine(spec: ProjectMachineSpec) {
  const rules = projectRules(spec.declaration, spec)
  const guards = Object.fromEntries(Object.entries(rules).map(([name, rule]) => [name, rule.check])) as {
    [K in keyof typeof rules]: (typeof rules)[K]['check']
  }
  const events = eventCatalog(draftOf(spec.declaration))
  const blankInput: ProjectInput = {
    type: spec.type,
    declaration: {},
    organization: { secretary: '', leaderInCharge: '' },
    startedAt: new Date(0).toISOString(),
    declarationDeadline: new Date(0).toISOString(),
    policy: { minReviews: 3, grading: spec.grading },
  }
  const submitGuard = and([...commonSubmitRules, ...(spec.submitRules ?? [])])
  const creationRules: readonly RuleName[] = [...commonCreationRules, ...(spec.creationRules ?? [])]

  const submitted = { holds: [...commonSubmitRules, ...(spec.submitRules ?? [])] }
  // The states between submission and approval, by the type's approval procedure.
  const approvalState = spec.approval === 'review' ? 'underReview' : 'filingReview'
  const approvalStates =
    spec.approval === 'review'
      ? ({
          underReview: {
            tags: ['live', 'declared'],
            meta: { label: '评审中', phase: 'approval', ...submitted },
            on: {
              RECORD_REVIEW: { guard: and(['reviewerInGroup', 'reviewerHasNotReviewed']), actions: 'recordReview' },
              RETURN_FOR_REVISION: { target: 'returned', actions: 'recordRevisionRequest' },
              APPROVE: { target: 'planning', guard: 'enoughReviews', actions: 'recordApproval' },
              REJECT: { target: 'rejected', actions: 'recordRejection' },
              WITHDRAW: { target: 'withdrawn', actions: 'recordWithdrawal' },
            },
          },
          rejected: { type: 'final', tags: ['final'], meta: { label: '不予立项', phase: 'approval' } },
        } as const)
      : ({
          filingReview: {
            tags: ['live', 'declared'],
            meta: { label: '待审核备案', phase: 'approval', ...submitted },
            on: {
              // The handbook is read again when filed: a version withdrawn or amended since submission is caught.
              FILE_DECLARATION: { target: 'planning', guard: and(['handbookItemsCovered', 'targetsNotLowered']), actions: 'recordFiling' },
              RETURN_FOR_REVISION: { target: 'returned', actions: 'recordRevisionRequest' },
              WITHDRAW: { target: 'withdrawn', actions: 'recordWithdrawal' },
            },
          },
        } as const)

  const machine = setup({
    types: {} as {
      context: ProjectContext
      events: ProjectEvent
      input: ProjectInput
      meta: StateMeta
      tags: StateTag
    },
    guards,
    actions: {
      recordDeclarationUpdate: assign(({ context, event }) => {
        assertEvent(event, 'UPDATE_DECLARATION')
        return { declaration: mergeDeclaration(context.declaration, event.declaration) }
      }),
      recordSubmission: assign(({ context, event }) => {
        assertEvent(event, ['SUBMIT', 'RESUBMIT'])
        const round = context.round + 1
        return { round, submissions: [...context.submissions, { round, by: event.actor, at: event.at }] }
      }),
      recordWithdrawal: assign(({ event }) => {
        assertEvent(event, 'WITHDRAW')
        return { withdrawal: { reason: event.reason, by: event.actor, at: event.at } }
      }),
      recordReview: assign(({ context, event }) => {
        assertEvent(event, 'RECORD_REVIEW')
        const review = {
          round: context.round,
          reviewer: event.reviewer,
          score: event.score,
          opinion: event.opinion,
          by: event.actor,
          at: event.at,
        }
        return { reviews: [...context.reviews, review] }
      }),
      recordRevisionRequest: assign(({ context, event }) => {
        assertEvent(event, 'RETURN_FOR_REVISION')
        const request = { round: context.round, opinion: event.opinion, by: event.actor, at: event.at }
        return { revisionRequests: [...context.revisionRequests, request] }
      }),
      recordApproval: assign(({ context, event }) => {
        assertEvent(event, 'APPROVE')
        const scores = context.reviews.filter((r) => r.round === context.round).map((r) => r.score)
        const averageScore = scores.length
          ? Math.round((scores.reduce((a, b) => a + b, 0) / scores.length) * 100) / 100
          : null
        return {
          decision: { outcome: 'approved' as const, averageScore, note: event.note ?? '', by: event.actor, at: event.at },
        }
      }),
      recordFiling: assign(({ event }) => {
        assertEvent(event, 'FILE_DECLARATION')
        return { decision: { outcome: 'filed' as const, averageScore: null, note: event.note ?? '', by: event.actor, at: event.at } }
      }),
      recordRejection: assign(({ event }) => {
        assertEvent(event, 'REJECT')
        return {
          decision: { outcome: 'rejected' as const, averageScore: null, note: event.reason, by: event.actor, at: event.at },
        }
      }),
      recordPlan: assign(({ event }) => {
        assertEvent(event, 'SUBMIT_PLAN')
        const items = event.items.map((item, i) => ({ id: `P${i + 1}`, ...item }))
        return { plan: { items, by: event.actor, at: event.at } }
      }),
      recordLedgerEntry: assign(({ context, event }) => {
        assertEvent(event, 'RECORD_LEDGER_ENTRY')
        const entry = {
          id: `L${context.ledger.length + 1}`,
          planItemId: event.planItemId ?? null,
          date: event.date,
          content: event.content,
          evidence: event.evidence,
          completesItem: event.completesItem,
          by: event.actor,
          at: event.at,
        }
        return { ledger: [...context.ledger, entry] }
      }),
      recordProgressReport: assign(({ context, event }) => {
        assertEvent(event, 'SUBMIT_PROGRESS_REPORT')
        const report = {
          period: event.period,
          results: event.results,
          problems: event.problems,
          late: context.missingReports.some((m) => m.period === event.period),
          by: event.actor,
          at: event.at,
        }
        return { progressReports: [...context.progressReports, report] }
      }),
      recordMissingReport: assign(({ context, event }) => {
        assertEvent(event, 'PROGRESS_REPORT_DUE')
        return { missingReports: [...context.missingReports, { period: event.period, at: event.at }] }
      }),
      recordMeetingGuidance: assign(({ context, event }) => {
        assertEvent(event, 'RECORD_MEETING_GUIDANCE')
        const guidance = { period: event.period, guidance: event.guidance, by: event.actor, at: event.at }
        return { meetingGuidance: [...context.meetingGuidance, guidance] }
      }),
      recordOverdue: assign(({ context, event }) => {
        assertEvent(event, ['DECLARATION_DEADLINE', 'RESUBMISSION_DEADLINE', 'ACCEPTANCE_DEADLINE'])
        const deadline = (
          { DECLARATION_DEADLINE: 'declarationDeadline', RESUBMISSION_DEADLINE: 'resubmissionDeadline', ACCEPTANCE_DEADLINE: 'acceptanceDeadline' } as const
        )[event.type]
        return { overdue: [...context.overdue, { deadline, at: event.at }] }
      }),
      recordLateDeclaration: assign(({ event }) => {
        assertEvent(event, 'ALLOW_LATE_DECLARATION')
        return { lateDeclaration: { reason: event.reason, by: event.actor, at: event.at } }
      }),
      recordExtension: assign(({ event }) => {
        assertEvent(event, 'GRANT_EXTENSION')
        return { extension: { until: new Date(event.until).toISOString(), reason: event.reason, by: event.actor, at: event.at } }
      }),
      recordAcceptanceRequest: assign(({ context, event }, params: { late: boolean }) => {
        assertEvent(event, 'REQUEST_ACCEPTANCE')
        const request = {
          summaryReport: event.summaryReport,
          explanations: event.explanations,
          attachments: event.attachments,
          late: params.late,
          by: event.actor,
          at: event.at,
        }
        return { acceptanceRequests: [...context.acceptanceRequests, request] }
      }),
      recordAssessment: assign(({ context, event }) => {
        assertEvent(event, 'RECORD_ASSESSMENT')
        const assessment = {
          round: acceptanceRound(context),
          assessor: event.assessor,
          form: event.form,
          findings: event.findings,
          indicators: event.indicators,
          attachments: event.attachments,
          by: event.actor,
          at: event.at,
        }
        return { assessments: [...context.assessments, assessment] }
      }),
      recordEvaluation: assign(({ context, event }) => {
        assertEvent(event, 'EVALUATE')
        const conclusion = concludeEvaluation(context, event)
        const evaluation = { round: acceptanceRound(context), ...conclusion, comment: event.comment, by: event.actor, at: event.at }
        return { evaluations: [...context.evaluations, evaluation] }
      }),
      recordSpotCheckFinding: assign(({ context, event }) => {
        assertEvent(event, 'RECORD_SPOT_CHECK_FINDING')
        const finding = { spotCheckId: event.spotCheckId, findings: event.findings, rating: event.rating, by: event.actor, at: event.at }
        return { spotChecks: [...context.spotChecks, finding] }
      }),
      recordPublicity: assign(({ context, event }) => {
        assertEvent(event, 'RECORD_PUBLICITY')
        const item = {
          kind: event.kind,
          date: event.date,
          title: event.title,
          description: event.description,
          url: event.url ?? null,
          attachments: event.attachments,
          by: event.actor,
          at: event.at,
        }
        return { publicity: [...context.publicity, item] }
      }),
      recordPromotionProposal: assign(({ event }) => {
        assertEvent(event, 'PROPOSE_PROMOTION')
        return {
          promotion: { rationale: event.rationale, proposedBy: event.actor, proposedAt: event.at, system: null, declined: null },
        }
      }),
      recordSystem: assign(({ context, event }) => {
        assertEvent(event, 'SOLIDIFY')
        const system = {
          title: event.systemTitle,
          content: event.systemContent,
          effectiveDate: event.effectiveDate,
          feasibility: event.feasibility,
          operability: event.operability,
          by: event.actor,
          at: event.at,
        }
        return { promotion: context.promotion && { ...context.promotion, system } }
      }),
      recordPromotionDeclined: assign(({ context, event }) => {
        assertEvent(event, 'DECLINE_PROMOTION')
        const declined = { reason: event.reason, by: event.actor, at: event.at }
        return { promotion: context.promotion && { ...context.promotion, declined } }
      }),
      recordClosure: assign(({ context, event }) => {
        assertEvent(event, ['CLOSE', 'DECLINE_PROMOTION'])
        const note = event.type === 'CLOSE' ? event.note : event.reason
        return { closure: { note, promoted: context.promotion?.system != null, by: event.actor, at: event.at } }
      }),
      // Carried out by the engine: a town-wide system (制度) record is created and announced (R15).
      establishSystem: (_, _params: { projectType: ProjectType; title: string; content: string; effectiveDate: string }) => {},
    },
  }).createMachine({
    id: spec.type,
    description: spec.description,
    initial: 'draft',
    // XState's pure `transition()` starts an inert actor without input on every call; a blank
    // project for it costs nothing, where reading fields of undefined would throw (and be caught) each time.
    context: ({ input }) => initialContext(input ?? blankInput, spec),
    states: {
      draft: {
        tags: ['live'],
        meta: { label: '草稿', phase: 'declaration', deadlines: ['declarationDeadline'] },
        on: {
          UPDATE_DECLARATION: { guard: 'firstResponsibleIsSecretary', actions: 'recordDeclarationUpdate' },
          SUBMIT: { target: approvalState, guard: submitGuard, actions: 'recordSubmission' },
          WITHDRAW: { target: 'withdrawn', actions: 'recordWithdrawal' },
          DECLARATION_DEADLINE: { target: 'overdueDeclaration', guard: 'inAnnualRound', actions: 'recordOverdue' },
        },
      },
      overdueDeclaration: {
        tags: ['live', 'overdue'],
        meta: { label: '逾期未申报', phase: 'declaration' },
        on: {
          ALLOW_LATE_DECLARATION: { target: 'draft', actions: 'recordLateDeclaration' },
          WITHDRAW: { target: 'withdrawn', actions: 'recordWithdrawal' },
        },
      },
      // Either procedure's states (a union TypeScript cannot spread); the tests drive both.
      ...(approvalStates as Record<never, never>),
      returned: {
        tags: ['live', 'declared'],
        // A declaration made on time and returned keeps its own window to come back (RESUBMISSION_DAYS).
        meta: { label: '退回修改', phase: 'approval', deadlines: ['resubmissionDeadline'] },
        on: {
          UPDATE_DECLARATION: { guard: 'firstResponsibleIsSecretary', actions: 'recordDeclarationUpdate' },
          RESUBMIT: { target: approvalState, guard: submitGuard, actions: 'recordSubmission' },
          WITHDRAW: { target: 'withdrawn', actions: 'recordWithdrawal' },
          RESUBMISSION_DEADLINE: { target: 'overdueDeclaration', guard: 'inAnnualRound', actions: 'recordOverdue' },
        },
      },
      withdrawn: { type: 'final', tags: ['final'], meta: { label: '已撤回', phase: 'declaration' } },
      planning: {
        tags: ['live', 'declared', 'inImplementation'],
        // Not accepted by the deadline is overdue whatever the stage of implementation (逾期未验收), a plan or not.
        meta: { label: '已立项·待报实施方案', phase: 'implementation', deadlines: ['progressReportDue', 'acceptanceDeadline'], holds: ['planNotSubmitted'] },
        on: {
          SUBMIT_PLAN: { target: 'implementing', actions: 'recordPlan' },
          RECORD_SPOT_CHECK_FINDING: { guard: and(['drawnInSpotCheck', 'spotCheckNotRecorded']), actions: 'recordSpotCheckFinding' },
          SUBMIT_PROGRESS_REPORT: { guard: 'progressPeriodNotReported', actions: 'recordProgressReport' },
          PROGRESS_REPORT_DUE: { guard: 'progressReportMissing', actions: 'recordMissingReport' },
          RECORD_MEETING_GUIDANCE: { actions: 'recordMeetingGuidance' },
          ACCEPTANCE_DEADLINE: { target: 'overdueAcceptance', actions: 'recordOverdue' },
        },
      },
      implementing: {
        tags: ['live', 'declared', 'inImplementation'],
        meta: { label: '实施中', phase: 'implementation', deadlines: ['progressReportDue', 'acceptanceDeadline'], holds: ['planSubmitted'] },
        on: {
          RECORD_LEDGER_ENTRY: { guard: 'planItemExists', actions: 'recordLedgerEntry' },
          SUBMIT_PROGRESS_REPORT: { guard: 'progressPeriodNotReported', actions: 'recordProgressReport' },
          PROGRESS_REPORT_DUE: { guard: 'progressReportMissing', actions: 'recordMissingReport' },
          RECORD_MEETING_GUIDANCE: { actions: 'recordMeetingGuidance' },
          REQUEST_ACCEPTANCE: {
            target: 'acceptanceRequested',
            guard: 'planItemsSettled',
            actions: { type: 'recordAcceptanceRequest', params: { late: false } },
          },
          ACCEPTANCE_DEADLINE: { target: 'overdueAcceptance', actions: 'recordOverdue' },
          RECORD_SPOT_CHECK_FINDING: { guard: and(['drawnInSpotCheck', 'spotCheckNotRecorded']), actions: 'recordSpotCheckFinding' },
          RECORD_PUBLICITY: { actions: 'recordPublicity' },
        },
      },
      overdueAcceptance: {
        tags: ['live', 'declared', 'inImplementation', 'overdue'],
        meta: { label: '逾期未验收', phase: 'implementation' },
        on: {
          // Overdue before the plan was in: the plan may still come, and an extension returns to planning.
          SUBMIT_PLAN: { guard: 'planNotSubmitted', actions: 'recordPlan' },
          RECORD_LEDGER_ENTRY: { guard: 'planItemExists', actions: 'recordLedgerEntry' },
          SUBMIT_PROGRESS_REPORT: { guard: 'progressPeriodNotReported', actions: 'recordProgressReport' },
          RECORD_MEETING_GUIDANCE: { actions: 'recordMeetingGuidance' },
          REQUEST_ACCEPTANCE: {
            target: 'acceptanceRequested',
            guard: and(['planSubmitted', 'planItemsSettled']),
            actions: { type: 'recordAcceptanceRequest', params: { late: true } },
          },
          GRANT_EXTENSION: [
            { target: 'planning', guard: and(['extensionInFuture', 'planNotSubmitted']), actions: 'recordExtension' },
            { target: 'implementing', guard: 'extensionInFuture', actions: 'recordExtension' },
          ],
          RECORD_SPOT_CHECK_FINDING: { guard: and(['drawnInSpotCheck', 'spotCheckNotRecorded']), actions: 'recordSpotCheckFinding' },
        },
      },
      acceptanceRequested: {
        tags: ['live', 'declared'],
        meta: { label: '待验收评定', phase: 'acceptance', holds: ['planSubmitted'] },
        on: {
          RECORD_ASSESSMENT: { guard: and(['assessorInGroup', 'assessmentNotRecorded']), actions: 'recordAssessment' },
          EVALUATE: [
            { target: 'accepted', guard: and(['allFormsAssessed', 'evaluationPasses']), actions: 'recordEvaluation' },
            { target: 'rectifying', guard: 'allFormsAssessed', actions: 'recordEvaluation' },
          ],
        },
      },
      rectifying: {
        tags: ['live', 'declared'],
        meta: { label: '整改中', phase: 'acceptance', deadlines: ['acceptanceDeadline'], holds: ['planSubmitted'] },
        on: {
          RECORD_LEDGER_ENTRY: { guard: 'planItemExists', actions: 'recordLedgerEntry' },
          REQUEST_ACCEPTANCE: {
            target: 'acceptanceRequested',
            guard: 'planItemsSettled',
            actions: { type: 'recordAcceptanceRequest', params: { late: false } },
          },
          ACCEPTANCE_DEADLINE: { target: 'overdueAcceptance', actions: 'recordOverdue' },
        },
      },
      accepted: {
        tags: ['live', 'declared', 'passedAcceptance'],
        meta: { label: '已验收', phase: 'acceptance' },
        on: {
          PROPOSE_PROMOTION: {
            target: 'feasibilityReview',
            guard: 'gradeAllowsPromotion',
            actions: 'recordPromotionProposal',
          },
          CLOSE: { target: 'closed', actions: 'recordClosure' },
          RECORD_PUBLICITY: { actions: 'recordPublicity' },
        },
      },
      feasibilityReview: {
        tags: ['live', 'declared', 'passedAcceptance'],
        meta: { label: spec.promotionLabels.feasibilityReview, phase: 'promotion' },
        on: {
          SOLIDIFY: { target: 'institutionalized', actions: 'recordSystem' },
          DECLINE_PROMOTION: { target: 'closed', actions: ['recordPromotionDeclined', 'recordClosure'] },
          RECORD_PUBLICITY: { actions: 'recordPublicity' },
        },
      },
      institutionalized: {
        tags: ['live', 'declared', 'passedAcceptance'],
        meta: { label: spec.promotionLabels.institutionalized, phase: 'promotion' },
        entry: {
          type: 'establishSystem',
          params: ({ context }) => ({
            projectType: context.type,
            title: context.promotion?.system?.title ?? '',
            content: context.promotion?.system?.content ?? '',
            effectiveDate: context.promotion?.system?.effectiveDate ?? '',
          }),
        },
        on: {
          CLOSE: { target: 'closed', actions: 'recordClosure' },
          RECORD_PUBLICITY: { actions: 'recordPublicity' },
        },
      },
      closed: { type: 'final', tags: ['live', 'declared', 'passedAcceptance', 'final'], meta: { label: '已结项', phase: 'promotion' } },
    },
  })

  // The events some state of this machine takes: another machine's (a review, a filing) is unknown here.
  const taken = new Set(Object.values(machine.root.states).flatMap((node) => [...node.transitions.keys()]))
  const ownEvents = Object.fromEntries(Object.entries(events).filter(([type]) => taken.has(type))) as Partial<typeof events>

  return { machine, rules, events: ownEvents, spec, creationRules }
}

export type ProjectMachineDefinition = ReturnType<typeof createProjectMachine>
export type ProjectMachine = ProjectMachineDefinition['machine']
