import type { z } from 'zod'
import type { ProjectContext } from './context.js'
import { evaluationForms, indicatorNames, type EventOf, type IndicatorName, type ProjectEvent } from './events.js'
import type { FactName } from './facts.js'
import { gradeIndicators } from './grading.js'

/**
 * The business rules of the programme, as pure guards. Each rule says in zh-CN what it
 * demands and can explain a refusal, so a 422 names the rule and what was missing.
 */
export interface Rule {
  label: string
  /**
   * The facts about other records this rule reads (facts.ts). The engine loads, for an event,
   * the facts of the rules its transitions from the current state can reach, and nothing else.
   */
  needs?: readonly FactName[]
  check: (args: { context: ProjectContext; event: ProjectEvent }) => boolean
  explain?: (args: { context: ProjectContext; event: ProjectEvent }) => Record<string, unknown>
}

const reviewsThisRound = (context: ProjectContext) => context.reviews.filter((r) => r.round === context.round)

/** Acceptance rounds count the requests: the assessments of the request under evaluation. */
export const acceptanceRound = (context: ProjectContext) => context.acceptanceRequests.length
export const assessmentsThisRound = (context: ProjectContext) =>
  context.assessments.filter((a) => a.round === acceptanceRound(context))

/** The group's conclusion (R14): each indicator averaged over the members' assessments, then weighted. */
export function concludeEvaluation(context: ProjectContext, event: ProjectEvent) {
  const assessments = assessmentsThisRound(context)
  const policy = event.facts?.grading ?? context.policy.grading
  const indicators = Object.fromEntries(
    indicatorNames.map((name) => {
      const values = assessments.map((a) => a.indicators[name])
      const mean = values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0
      return [name, Math.round(mean * 100) / 100]
    }),
  ) as Record<IndicatorName, number>
  return { indicators, policy, assessors: [...new Set(assessments.map((a) => a.assessor))], ...gradeIndicators(policy, indicators) }
}

/** Promotion needs high replicability as well as a good grade (R15). */
export const HIGH_REPLICABILITY = 80

function loweredTargets(context: ProjectContext, event: ProjectEvent) {
  const previous = event.facts?.previousTargets ?? []
  const current = (context.declaration.targets as Array<{ indicator: string; value: number }> | undefined) ?? []
  return previous
    .map((p) => ({ indicator: p.indicator, unit: p.unit, previous: p.value, current: current.find((c) => c.indicator === p.indicator)?.value ?? null }))
    .filter((t) => t.current === null || t.current < t.previous)
}

function handbookGaps(context: ProjectContext, event: ProjectEvent) {
  const handbook = event.facts?.handbook
  const declared = (context.declaration.handbookItems as string[] | undefined) ?? []
  return {
    version: handbook?.version ?? (context.declaration.handbookVersion as string | undefined) ?? null,
    versionExists: handbook?.exists ?? false,
    category: handbook?.category ?? null,
    missingItems: (handbook?.requiredItems ?? []).filter((item) => !declared.includes(item)),
    unknownItems: handbook ? declared.filter((item) => !handbook.knownItems.includes(item)) : [],
  }
}

/** Plan items neither finished by a ledger entry nor explained in this acceptance request. */
function unsettledPlanItems(context: ProjectContext, event: ProjectEvent): string[] {
  const explained = new Set(
    event.type === 'REQUEST_ACCEPTANCE' ? event.explanations.map((e) => e.planItemId) : [],
  )
  const done = new Set(context.ledger.filter((e) => e.completesItem && e.planItemId).map((e) => e.planItemId))
  return (context.plan?.items ?? []).map((i) => i.id).filter((id) => !done.has(id) && !explained.has(id))
}

/** The first-responsible person a declaration names, as it will stand after this event (an update may name one). */
function firstResponsibleNamed(context: ProjectContext, event: ProjectEvent): string | null {
  const update = event.type === 'UPDATE_DECLARATION' ? (event.declaration.firstResponsible as { name?: string } | undefined) : undefined
  const current = context.declaration.firstResponsible as { name?: string } | undefined
  return (update ?? current)?.name ?? null
}

/** What is wrong with the source a promotion declaration names: an unknown or unaccepted project, an unknown system. */
function sourcePracticeGaps(context: ProjectContext, event: ProjectEvent): string[] {
  const named = (context.declaration.sourcePractice as { projectId?: string; systemId?: string } | undefined) ?? {}
  const found = event.facts?.sourcePractice
  const gaps: string[] = []
  if (named.projectId) {
    // One answer for "no such project" and "not accepted": the rule must not tell another organization which of its ids exist.
    if (found?.project?.id !== named.projectId || !found.project.exists || !found.project.passedAcceptance) gaps.push('sourceProjectNotAccepted')
  }
  if (named.systemId && (found?.system?.id !== named.systemId || !found.system.exists)) gaps.push('sourceSystemUnknown')
  return gaps
}

/** When the March round closed, as the deadline event says: its own instant, or (a resubmission) the round's. */
function roundClosedAt(event: ProjectEvent): string {
  return event.type === 'RESUBMISSION_DEADLINE' ? event.roundClosedAt : event.at
}

/**
 * R9 动态增补: an elective created after the declaration deadline is supplementary. Decided when
 * the deadline falls, against the deadline then in force — so moving the deadline (a calendar
 * change) moves who is bound by it. (Projects from before `startedAt` was kept: the flag set at creation.)
 */
function declaredAfterRound(context: ProjectContext, event: ProjectEvent, options: { supplementaryDeclarations: boolean }): boolean {
  if (!options.supplementaryDeclarations) return false
  if (!context.startedAt) return context.supplementary
  return Date.parse(context.startedAt) >= Date.parse(roundClosedAt(event))
}

export function projectRules(fullDeclaration: z.ZodObject, options: { supplementaryDeclarations: boolean }) {
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
    handbookItemsCovered: {
      label: '基础强化型项目须覆盖所选手册版本对本类组织规定的全部事项',
      needs: ['handbook'],
      check: ({ context, event }) => {
        const gaps = handbookGaps(context, event)
        return gaps.versionExists && gaps.missingItems.length === 0 && gaps.unknownItems.length === 0
      },
      explain: ({ context, event }) => handbookGaps(context, event),
    },
    targetsNotLowered: {
      label: '基础强化型项目目标不得低于上一年度（逐年提高）',
      needs: ['previousTargets'],
      check: ({ context, event }) => loweredTargets(context, event).length === 0,
      explain: ({ context, event }) => ({
        previousTargets: event.facts?.previousTargets ?? null,
        lowered: loweredTargets(context, event),
      }),
    },
    oneFoundationPerYear: {
      label: '每个基层党组织每年只能申报一个基础强化型项目（"1+X"中的"1"）',
      needs: ['liveFoundations'],
      check: ({ event }) => (event.facts?.liveFoundations ?? []).length === 0,
      explain: ({ event }) => ({ existing: event.facts?.liveFoundations ?? [] }),
    },
    reviewerInGroup: {
      label: '评审人须为本年度评审组成员',
      needs: ['reviewGroup'],
      check: ({ event }) => (event.facts?.reviewGroup ?? []).includes((event as EventOf<'RECORD_REVIEW'>).reviewer),
      explain: ({ event }) => ({
        reviewer: (event as EventOf<'RECORD_REVIEW'>).reviewer,
        reviewGroup: event.facts?.reviewGroup ?? [],
      }),
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
    assessorInGroup: {
      label: '评分人须为本年度验收组成员',
      needs: ['acceptanceGroup'],
      check: ({ event }) => (event.facts?.acceptanceGroup ?? []).includes((event as EventOf<'RECORD_ASSESSMENT'>).assessor),
      explain: ({ event }) => ({
        assessor: (event as EventOf<'RECORD_ASSESSMENT'>).assessor,
        acceptanceGroup: event.facts?.acceptanceGroup ?? [],
      }),
    },
    assessmentNotRecorded: {
      label: '同一验收组成员对同一验收方式每轮只评一次',
      check: ({ context, event }) => {
        const e = event as EventOf<'RECORD_ASSESSMENT'>
        return !assessmentsThisRound(context).some((a) => a.assessor === e.assessor && a.form === e.form)
      },
    },
    allFormsAssessed: {
      label: '台账查看、实地评审、问卷调查、民主测评四种方式均已评分',
      check: ({ context }) => evaluationForms.every((form) => assessmentsThisRound(context).some((a) => a.form === form)),
      explain: ({ context }) => ({
        missingForms: evaluationForms.filter((form) => !assessmentsThisRound(context).some((a) => a.form === form)),
      }),
    },
    evaluationPasses: {
      label: '验收评定等级为合格及以上',
      // The year's grading policy; the evaluation recorded on either branch is graded by it too.
      needs: ['grading'],
      check: ({ context, event }) => concludeEvaluation(context, event).grade !== 'fail',
    },
    inAnnualRound: {
      label: '属于3月底前的年度申报（动态增补和准予补报的不受申报截止约束）',
      check: ({ context, event }) => context.lateDeclaration === null && !declaredAfterRound(context, event, options),
      explain: ({ context, event }) => ({
        startedAt: context.startedAt ?? null,
        roundClosedAt: roundClosedAt(event),
        lateDeclaration: context.lateDeclaration,
      }),
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
      label: `验收等级为优秀或良好、经验可推广性不低于${HIGH_REPLICABILITY}分方可推广`,
      check: ({ context }) => {
        const last = context.evaluations.at(-1)
        return !!last && ['excellent', 'good'].includes(last.grade) && last.indicators.replicability >= HIGH_REPLICABILITY
      },
      explain: ({ context }) => ({
        grade: context.evaluations.at(-1)?.grade ?? null,
        replicability: context.evaluations.at(-1)?.indicators.replicability ?? null,
        requiredReplicability: HIGH_REPLICABILITY,
      }),
    },
    drawnInSpotCheck: {
      label: '抽查情况只能记录在该次抽查抽中的项目上',
      needs: ['spotCheck'],
      check: ({ event }) => !!event.facts?.spotCheck?.exists && event.facts.spotCheck.selected,
      explain: ({ event }) => ({ spotCheck: event.facts?.spotCheck ?? null }),
    },
    spotCheckNotRecorded: {
      label: '同一次抽查的情况只记录一次',
      check: ({ context, event }) =>
        !context.spotChecks.some((c) => c.spotCheckId === (event as EventOf<'RECORD_SPOT_CHECK_FINDING'>).spotCheckId),
    },
    firstResponsibleIsSecretary: {
      label: '第一责任人为本组织书记（各基层党组织书记为第一责任人）',
      check: ({ context, event }) => firstResponsibleNamed(context, event) === context.responsible.secretary,
      explain: ({ context, event }) => ({ named: firstResponsibleNamed(context, event), secretary: context.responsible.secretary }),
    },
    planSubmitted: {
      label: '已提交实施方案',
      check: ({ context }) => context.plan !== null,
    },
    planNotSubmitted: {
      label: '尚未提交实施方案',
      check: ({ context }) => context.plan === null,
    },
    sourcePracticeExists: {
      label: '制度推广型项目所依托的来源项目须为已通过验收的项目、制度须为已建立的全镇制度',
      needs: ['sourcePractice'],
      check: ({ context, event }) => sourcePracticeGaps(context, event).length === 0,
      explain: ({ context, event }) => ({ sourcePractice: context.declaration.sourcePractice ?? null, problems: sourcePracticeGaps(context, event) }),
    },
  } satisfies Record<string, Rule>
}

export type RuleName = keyof ReturnType<typeof projectRules>
