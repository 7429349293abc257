import type { z } from 'zod'
import type { ProjectContext } from './context.js'
import type { EventOf, ProjectEvent } from './events.js'
import { gradeIndicators } from './grading.js'

/**
 * The business rules of the programme, as pure guards. Each rule says in zh-CN what it
 * demands and can explain a refusal, so a 422 names the rule and what was missing.
 */
export interface Rule {
  label: string
  check: (args: { context: ProjectContext; event: ProjectEvent }) => boolean
  explain?: (args: { context: ProjectContext; event: ProjectEvent }) => Record<string, unknown>
}

const reviewsThisRound = (context: ProjectContext) => context.reviews.filter((r) => r.round === context.round)

/** Plan items neither finished by a ledger entry nor explained in this acceptance request. */
function unsettledPlanItems(context: ProjectContext, event: ProjectEvent): string[] {
  const explained = new Set(
    event.type === 'REQUEST_ACCEPTANCE' ? event.explanations.map((e) => e.planItemId) : [],
  )
  const done = new Set(context.ledger.filter((e) => e.completesItem && e.planItemId).map((e) => e.planItemId))
  return (context.plan?.items ?? []).map((i) => i.id).filter((id) => !done.has(id) && !explained.has(id))
}

export function projectRules(fullDeclaration: z.ZodObject) {
  return {
    declarationComplete: {
      label: '申报表各项填写完整、格式正确',
      check: ({ context }) => fullDeclaration.safeParse(context.declaration).success,
      explain: ({ context }) => {
        const result = fullDeclaration.safeParse(context.declaration)
        return {
          fields: result.success
            ? []
            : result.error.issues.map((i) => ({ path: ['declaration', ...i.path].join('.'), message: i.message })),
        }
      },
    },
    reviewerHasNotReviewed: {
      label: '同一评审人每轮只能评审一次',
      check: ({ context, event }) =>
        !reviewsThisRound(context).some((r) => r.reviewer === (event as EventOf<'RECORD_REVIEW'>).reviewer),
      explain: ({ context, event }) => ({
        round: context.round,
        reviewer: (event as EventOf<'RECORD_REVIEW'>).reviewer,
      }),
    },
    enoughReviews: {
      label: '本轮评审意见达到规定人数',
      check: ({ context }) => reviewsThisRound(context).length >= context.policy.minReviews,
      explain: ({ context }) => ({
        round: context.round,
        reviews: reviewsThisRound(context).length,
        required: context.policy.minReviews,
      }),
    },
    planItemExists: {
      label: '台账所对应的方案事项存在',
      check: ({ context, event }) => {
        const id = (event as EventOf<'RECORD_LEDGER_ENTRY'>).planItemId
        return id === undefined || (context.plan?.items ?? []).some((i) => i.id === id)
      },
      explain: ({ context, event }) => ({
        planItemId: (event as EventOf<'RECORD_LEDGER_ENTRY'>).planItemId,
        planItems: (context.plan?.items ?? []).map((i) => i.id),
      }),
    },
    progressPeriodNotReported: {
      label: '每个半年度只报送一次进展',
      check: ({ context, event }) =>
        !context.progressReports.some((r) => r.period === (event as EventOf<'SUBMIT_PROGRESS_REPORT'>).period),
      explain: ({ event }) => ({ period: (event as EventOf<'SUBMIT_PROGRESS_REPORT'>).period }),
    },
    planItemsSettled: {
      label: '方案事项均已完成或说明原因',
      check: ({ context, event }) => unsettledPlanItems(context, event).length === 0,
      explain: ({ context, event }) => ({ unsettledPlanItems: unsettledPlanItems(context, event) }),
    },
    evaluationPasses: {
      label: '验收评定等级为合格及以上',
      check: ({ context, event }) =>
        gradeIndicators(context.policy.grading, (event as EventOf<'EVALUATE'>).indicators).grade !== 'fail',
    },
    inAnnualRound: {
      label: '属于3月底前的年度申报（动态增补和准予补报的不受申报截止约束）',
      check: ({ context }) => !context.supplementary && context.lateDeclaration === null,
    },
    progressReportMissing: {
      label: '该半年度尚未报送进展',
      check: ({ context, event }) => {
        const period = (event as EventOf<'PROGRESS_REPORT_DUE'>).period
        return !context.progressReports.some((r) => r.period === period) && !context.missingReports.some((r) => r.period === period)
      },
    },
    extensionInFuture: {
      label: '延期后的验收截止时间须晚于现在',
      check: ({ event }) => {
        const e = event as EventOf<'GRANT_EXTENSION'>
        return Date.parse(e.until) > Date.parse(e.at)
      },
      explain: ({ event }) => ({ until: (event as EventOf<'GRANT_EXTENSION'>).until, now: event.at }),
    },
    gradeAllowsPromotion: {
      label: '验收等级为优秀或良好方可推广',
      check: ({ context }) => ['excellent', 'good'].includes(context.evaluations.at(-1)?.grade ?? ''),
      explain: ({ context }) => ({ grade: context.evaluations.at(-1)?.grade ?? null }),
    },
  } satisfies Record<string, Rule>
}

export type RuleName = keyof ReturnType<typeof projectRules>
