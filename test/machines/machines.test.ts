import { describe, expect, it } from 'vitest'
import { allDefinitions, describeMachine, phases } from '../../machines/index.js'
import { transition } from 'xstate'
import { assessmentSteps, assessors, pathsOf, payloads, stepFor } from '../support/fixtures.js'
import { defaultFacts, driver } from '../support/machine-driver.js'

// Every version of every machine: a project keeps its version for life, so an old one must still work (I6).
const everyVersion = allDefinitions().map((definition) => ({ type: definition.spec.type, version: definition.spec.version, approval: definition.spec.approval }))

describe.each(everyVersion)('$type machine v$version', ({ type, version, approval }) => {
  const d = driver(type, version)
  const description = describeMachine(d.definition)
  const { pathTo, pathsFor, preconditions, fullLife } = pathsOf(type, version)
  const reviewed = approval === 'review'

  it('reaches every state on its fixture path', () => {
    for (const state of description.states) {
      expect(d.run(pathTo[state.id]!).value, state.id).toBe(state.id)
    }
  })

  it('labels every state and event in zh-CN and covers all five phases (R4, I5)', () => {
    const cjk = /[\u4e00-\u9fff]/
    for (const s of description.states) expect(s.label, s.id).toMatch(cjk)
    for (const e of description.events) expect(e.label, e.type).toMatch(cjk)
    expect(new Set(description.states.map((s) => s.phase))).toEqual(new Set(phases))
    // A filed declaration is returned, never rejected: the foundation project is not optional (R5).
    expect(description.states.filter((s) => s.final).map((s) => s.id).sort()).toEqual(reviewed ? ['closed', 'rejected', 'withdrawn'] : ['closed', 'withdrawn'])
  })

  it('marks where the March and December deadlines and the half-year reports apply', () => {
    const deadlines = Object.fromEntries(description.states.map((s) => [s.id, s.deadlines.map((x) => x.kind)]))
    expect(deadlines.draft).toContain('declarationDeadline')
    expect(deadlines.returned).toEqual(['resubmissionDeadline'])
    expect(deadlines.planning).toEqual(['progressReportDue', 'acceptanceDeadline'])
    expect(deadlines.implementing).toEqual(['progressReportDue', 'acceptanceDeadline'])
  })

  describe('every transition', () => {
    for (const t of description.transitions) {
      it(`${t.from} --${t.event}--> ${t.to ?? '(stays)'}`, () => {
        const needs = preconditions[`${t.from}:${t.event}:${t.to}`] ?? preconditions[`${t.from}:${t.event}`] ?? []
        const before = d.run(pathsFor[`${t.from}:${t.event}:${t.to}`] ?? [...pathTo[t.from]!, ...needs])
        const [after] = d.apply(before, stepFor(t.event, t.to))
        expect(after.value).toBe(t.to ?? t.from)
        expect(after).not.toBe(before)
      })
    }
  })

  it('walks the whole life with a revision round and a rectification', () => {
    const end = d.run(fullLife)
    expect(end.value).toBe('closed')
    expect(end.status).toBe('done')
    const c = end.context
    expect(c.round).toBe(2)
    expect(c.reviews.filter((r) => r.round === 2)).toHaveLength(reviewed ? 3 : 0)
    expect(c.revisionRequests).toEqual([expect.objectContaining({ round: 1, opinion: payloads.RETURN_FOR_REVISION.opinion })])
    expect(c.decision).toMatchObject(reviewed ? { outcome: 'approved', averageScore: 86 } : { outcome: 'filed', averageScore: null, note: payloads.FILE_DECLARATION.note })
    expect(c.plan?.items.map((i) => i.id)).toEqual(['P1', 'P2'])
    expect(c.ledger.map((l) => l.id)).toEqual(['L1', 'L2'])
    expect(c.evaluations.map((e) => e.grade)).toEqual(['fail', 'excellent'])
    expect(c.promotion?.system?.title).toBe(payloads.SOLIDIFY.systemTitle)
    expect(c.closure).toMatchObject({ promoted: true })
    expect(c.declaration.expectedResults).toBe(payloads.UPDATE_DECLARATION.declaration.expectedResults)
  })

  it('establishes a town-wide system through a named action the engine turns into a record (R15)', () => {
    const [, actions] = d.apply(d.run(pathTo.feasibilityReview!), stepFor('SOLIDIFY', 'institutionalized'))
    expect(actions.map((a) => ({ type: a.type, params: a.params }))).toEqual([
      {
        type: 'establishSystem',
        params: {
          projectType: type,
          title: payloads.SOLIDIFY.systemTitle,
          content: payloads.SOLIDIFY.systemContent,
          effectiveDate: payloads.SOLIDIFY.effectiveDate,
        },
      },
    ])
  })

  const transitionWith = (snapshot: ReturnType<typeof d.start>, step: { type: string } & Record<string, unknown>, facts: object) =>
    transition(d.definition.machine, snapshot, d.event(step, facts))

  describe('guards refuse what the rules forbid', () => {
    const refused = (from: string, step: { type: string } & Record<string, unknown>, mutate?: (s: never) => never) => {
      const before = d.run(pathTo[from]!)
      const snapshot = mutate ? mutate(before as never) : before
      return !(snapshot as typeof before).can(d.event(step))
    }

    it('declarationComplete: an incomplete draft cannot be submitted (R6)', () => {
      const partial = d.start()
      const incomplete = d.definition.machine.resolveState({
        value: 'draft',
        context: { ...partial.context, declaration: { title: '只有标题' } },
      })
      expect(incomplete.can(d.event({ type: 'SUBMIT' }))).toBe(false)
      expect(d.start().can(d.event({ type: 'SUBMIT' }))).toBe(true)
      const explain = d.definition.rules.declarationComplete.explain({ context: incomplete.context, event: d.event({ type: 'SUBMIT' }) })
      expect(explain.fields.map((f) => f.path)).toContain('declaration.background')
    })

    it.runIf(reviewed)('enoughReviews: approval needs the configured number of reviews this round (R8)', () => {
      expect(refused('underReview', stepFor('APPROVE', 'planning'))).toBe(true)
    })

    it.runIf(reviewed)('reviewerHasNotReviewed: a reviewer reviews once per round', () => {
      const once = d.run([...pathTo.underReview!, stepFor('RECORD_REVIEW', null)])
      expect(once.can(d.event(stepFor('RECORD_REVIEW', null)))).toBe(false)
      expect(once.can(d.event({ ...stepFor('RECORD_REVIEW', null), reviewer: '评审员乙' }))).toBe(true)
    })

    it('planItemsSettled: acceptance needs every plan item done or explained (R13)', () => {
      const implementing = d.run(pathTo.implementing!)
      expect(implementing.can(d.event({ ...stepFor('REQUEST_ACCEPTANCE', null), explanations: [] }))).toBe(false)
      expect(implementing.can(d.event(stepFor('REQUEST_ACCEPTANCE', null)))).toBe(false)
      const p1Done = d.run([stepFor('RECORD_LEDGER_ENTRY', null)], implementing)
      expect(p1Done.can(d.event(stepFor('REQUEST_ACCEPTANCE', null)))).toBe(true)
    })

    it('planItemExists: a ledger entry names a real plan item', () => {
      expect(refused('implementing', { ...stepFor('RECORD_LEDGER_ENTRY', null), planItemId: 'P9' })).toBe(true)
    })

    it('progressPeriodNotReported: one progress report per half year (R11)', () => {
      const reported = d.run([...pathTo.implementing!, stepFor('SUBMIT_PROGRESS_REPORT', null)])
      expect(reported.can(d.event(stepFor('SUBMIT_PROGRESS_REPORT', null)))).toBe(false)
    })

    it('gradeAllowsPromotion: only 优秀 or 良好 projects with high replicability go to promotion (R15)', () => {
      const barelyPassed = d.run([...pathTo.acceptanceRequested!, ...assessmentSteps(70), { type: 'EVALUATE' }])
      expect(barelyPassed.value).toBe('accepted')
      expect(barelyPassed.context.evaluations.at(-1)?.grade).toBe('pass')
      expect(barelyPassed.can(d.event(stepFor('PROPOSE_PROMOTION', null)))).toBe(false)
      expect(barelyPassed.can(d.event(stepFor('CLOSE', null)))).toBe(true)
      const goodButLocal = d.run([...pathTo.acceptanceRequested!, ...assessmentSteps(90, 70), { type: 'EVALUATE' }])
      expect(['excellent', 'good']).toContain(goodButLocal.context.evaluations.at(-1)?.grade)
      expect(goodButLocal.can(d.event(stepFor('PROPOSE_PROMOTION', null)))).toBe(false)
      expect(d.run(pathTo.accepted!).can(d.event(stepFor('PROPOSE_PROMOTION', null)))).toBe(true)
    })

    it.runIf(reviewed)('reviewerInGroup: only members of the year’s review group review (R8)', () => {
      const underReview = d.run(pathTo.underReview!)
      expect(underReview.can(d.event({ ...stepFor('RECORD_REVIEW', null), reviewer: '路人' }))).toBe(false)
      expect(underReview.can(d.event(stepFor('RECORD_REVIEW', null), { ...defaultFacts, reviewGroup: [] }))).toBe(false)
    })

    it('assessorInGroup, assessmentNotRecorded, allFormsAssessed: the acceptance group evaluates by all four forms (R14)', () => {
      const requested = d.run(pathTo.acceptanceRequested!)
      const [first] = assessmentSteps(90)
      expect(requested.can(d.event({ ...first!, assessor: '路人' }))).toBe(false)
      const once = d.run([first!], requested)
      expect(once.can(d.event(first!))).toBe(false)
      expect(once.can(d.event({ type: 'EVALUATE' }))).toBe(false)
      const all = d.run(assessmentSteps(90).slice(1), once)
      expect(all.can(d.event({ type: 'EVALUATE' }))).toBe(true)
      const [evaluated] = d.apply(all, { type: 'EVALUATE' })
      expect(evaluated.context.evaluations.at(-1)).toMatchObject({
        round: 1,
        indicators: { targetAchievement: 90, publicSatisfaction: 90, comprehensiveBenefit: 90, replicability: 90 },
        score: 90,
        grade: 'excellent',
        assessors: assessors,
        policy: { thresholds: { excellent: 90 } },
      })
    })

    it('evaluationPasses: the grade uses the year’s weights and thresholds the engine hands over', () => {
      const assessed = d.run([...pathTo.acceptanceRequested!, ...assessmentSteps(85)])
      const strict = {
        ...defaultFacts,
        grading: {
          weights: { targetAchievement: 1, publicSatisfaction: 1, comprehensiveBenefit: 1, replicability: 1 },
          thresholds: { excellent: 98, good: 95, pass: 90 },
        },
      }
      const [failed] = transitionWith(assessed, { type: 'EVALUATE' }, strict)
      expect(failed.value).toBe('rectifying')
      expect(failed.context.evaluations.at(-1)).toMatchObject({ score: 85, grade: 'fail', policy: strict.grading })
    })

    it('drawnInSpotCheck, spotCheckNotRecorded: findings only on projects the draw picked, once (R12)', () => {
      const implementing = d.run(pathTo.implementing!)
      const finding = stepFor('RECORD_SPOT_CHECK_FINDING', null)
      expect(implementing.can(d.event(finding))).toBe(true)
      expect(implementing.can(d.event(finding, { ...defaultFacts, spotCheck: { id: 'x', exists: true, selected: false } }))).toBe(false)
      const recorded = d.run([finding], implementing)
      expect(recorded.context.spotChecks).toMatchObject([{ rating: 'good' }])
      expect(recorded.can(d.event(finding))).toBe(false)
    })
  })
})

describe('deadline guards', () => {
  const d = driver('innovation')
  const { pathTo } = pathsOf('innovation')

  it('inAnnualRound: the declaration deadline spares supplementary and late-allowed declarations (R7, R9)', () => {
    const deadline = d.event({ type: 'DECLARATION_DEADLINE' })
    expect(d.start().can(deadline)).toBe(true)
    // Created when the round closed (the deadline event's instant): an elective is supplementary; a foundation project never is.
    const supplementary = d.definition.machine.resolveState({
      value: 'draft',
      context: { ...d.start().context, startedAt: '2026-05-01T00:00:00.000Z' },
    })
    expect(supplementary.can(deadline)).toBe(!d.definition.spec.supplementaryDeclarations)
    const createdJustBefore = d.definition.machine.resolveState({ value: 'draft', context: { ...d.start().context, startedAt: '2026-04-30T23:59:59.999Z' } })
    expect(createdJustBefore.can(deadline)).toBe(true)
    // A project from before creation instants were kept: the flag it was created with.
    const legacy = d.definition.machine.resolveState({ value: 'draft', context: { ...d.start().context, startedAt: undefined, supplementary: true } })
    expect(legacy.can(deadline)).toBe(!d.definition.spec.supplementaryDeclarations)
    const allowedLate = d.run(pathTo.overdueDeclaration!.concat(stepFor('ALLOW_LATE_DECLARATION', 'draft')))
    expect(allowedLate.value).toBe('draft')
    expect(allowedLate.can(deadline)).toBe(false)
  })

  it('progressReportMissing: a report, or an earlier flag, for that half year means no flag', () => {
    const implementing = d.run(pathTo.implementing!)
    const due = d.event({ type: 'PROGRESS_REPORT_DUE', period: '2026-H1' })
    expect(implementing.can(due)).toBe(true)
    const flagged = d.apply(implementing, { type: 'PROGRESS_REPORT_DUE', period: '2026-H1' })[0]
    expect(flagged.context.missingReports).toEqual([{ period: '2026-H1', at: '2026-05-01T00:00:00.000Z' }])
    expect(flagged.can(due)).toBe(false)
    const reported = d.run([{ type: 'SUBMIT_PROGRESS_REPORT', ...payloads.SUBMIT_PROGRESS_REPORT }], implementing)
    expect(reported.can(due)).toBe(false)
    expect(reported.context.progressReports[0]!.late).toBe(false)
    const lateReport = d.run([{ type: 'SUBMIT_PROGRESS_REPORT', ...payloads.SUBMIT_PROGRESS_REPORT }], flagged)
    expect(lateReport.context.progressReports[0]!.late).toBe(true)
  })

  it('extensionInFuture: an extension must end after now', () => {
    const overdue = d.run(pathTo.overdueAcceptance!)
    expect(overdue.can(d.event({ type: 'GRANT_EXTENSION', until: '2026-04-30T00:00:00Z', reason: '迟了' }))).toBe(false)
    expect(overdue.can(d.event({ type: 'GRANT_EXTENSION', until: '2026-05-01T00:00:00.001Z', reason: '滚动' }))).toBe(true)
  })

  it('marks an acceptance request made after the deadline as late', () => {
    const late = d.run([...pathTo.overdueAcceptance!, stepFor('RECORD_LEDGER_ENTRY', null), stepFor('REQUEST_ACCEPTANCE', null)])
    expect(late.value).toBe('acceptanceRequested')
    expect(late.context.acceptanceRequests.map((r) => r.late)).toEqual([true])
    expect(d.run(pathTo.acceptanceRequested!).context.acceptanceRequests.map((r) => r.late)).toEqual([false])
  })
})

describe.each(everyVersion.filter((v) => v.type === 'foundation'))('foundation rules v$version (R1, R5, R9)', ({ version, approval }) => {
  const d = driver('foundation', version)
  const submit = { type: 'SUBMIT' }

  it('handbookItemsCovered: every required item of the version for the category, and no unknown ones', () => {
    expect(d.start().can(d.event(submit))).toBe(true)
    const missing = { ...defaultFacts, handbook: { ...defaultFacts.handbook, requiredItems: ['V-01', 'V-02', 'V-09'] } }
    expect(d.start().can(d.event(submit, missing))).toBe(false)
    expect(d.definition.rules.handbookItemsCovered.explain({ context: d.start().context, event: d.event(submit, missing) })).toMatchObject({
      missingItems: ['V-09'],
      unknownItems: [],
    })
    const unknownVersion = { ...defaultFacts, handbook: { ...defaultFacts.handbook, exists: false, requiredItems: [], knownItems: [] } }
    expect(d.start().can(d.event(submit, unknownVersion))).toBe(false)
  })

  it('targetsNotLowered: this year’s targets do not fall below last year’s (逐年提高)', () => {
    const lastYear = (value: number) => ({ ...defaultFacts, previousTargets: [{ indicator: '党员组织生活参与率', value, unit: '%' }] })
    expect(d.start().can(d.event(submit, lastYear(95)))).toBe(true)
    expect(d.start().can(d.event(submit, lastYear(96)))).toBe(false)
    expect(
      d.definition.rules.targetsNotLowered.explain({ context: d.start().context, event: d.event(submit, lastYear(96)) }),
    ).toMatchObject({ lowered: [{ indicator: '党员组织生活参与率', previous: 96, current: 95 }] })
    const dropped = { ...defaultFacts, previousTargets: [{ indicator: '已取消的指标', value: 1, unit: '项' }] }
    expect(d.start().can(d.event(submit, dropped))).toBe(false)
  })

  it('innovation and promotion declarations are not held to the handbook', () => {
    const noHandbook = { ...defaultFacts, handbook: { ...defaultFacts.handbook, exists: false } }
    expect(driver('innovation').start().can(driver('innovation').event(submit, noHandbook))).toBe(true)
  })

  it('oneFoundationPerYear is a creation rule of the foundation machine only', () => {
    expect(d.definition.spec.creationRules).toEqual(['oneFoundationPerYear'])
    expect(driver('innovation').definition.spec.creationRules).toBeUndefined()
    const event = (live: number) =>
      ({ type: 'CREATE', actor: 'x', at: 'now', facts: { liveFoundations: Array.from({ length: live }, (_, i) => ({ id: `p${i}`, state: 'draft' })) } }) as never
    expect(d.definition.rules.oneFoundationPerYear.check({ context: d.start().context, event: event(0) })).toBe(true)
    expect(d.definition.rules.oneFoundationPerYear.check({ context: d.start().context, event: event(1) })).toBe(false)
  })
})

describe('foundation v2: filed by the organization section against the handbook (备案, docs/versions.md)', () => {
  const d = driver('foundation', 2)
  const { pathTo } = pathsOf('foundation', 2)
  const file = stepFor('FILE_DECLARATION', 'planning')

  it('knows no review, approval or rejection: those are the elective machines’ and version 1’s', () => {
    for (const event of ['RECORD_REVIEW', 'APPROVE', 'REJECT']) expect(Object.keys(d.definition.events)).not.toContain(event)
    expect(Object.keys(driver('foundation', 1).definition.events)).not.toContain('FILE_DECLARATION')
    expect(Object.keys(driver('innovation').definition.events)).not.toContain('FILE_DECLARATION')
  })

  it('reads the handbook again when filing: a required item added since submission sends it back, not through', () => {
    const submitted = d.run(pathTo.filingReview!)
    expect(submitted.can(d.event(file))).toBe(true)
    const amended = { ...defaultFacts, handbook: { ...defaultFacts.handbook, requiredItems: ['V-01', 'V-02', 'V-09'] } }
    expect(submitted.can(d.event(file, amended))).toBe(false)
    const lastYear = { ...defaultFacts, previousTargets: [{ indicator: '党员组织生活参与率', value: 99, unit: '%' }] }
    expect(submitted.can(d.event(file, lastYear))).toBe(false)
    expect(submitted.can(d.event(stepFor('RETURN_FOR_REVISION', 'returned')))).toBe(true)
  })

  it('holds, in the states a migration may move a project into, what its guards let in', () => {
    const holds = (state: string) => (d.definition.machine.root.states as Record<string, { meta?: { holds?: string[] } }>)[state]!.meta?.holds ?? []
    expect(holds('filingReview')).toEqual(['declarationComplete', 'firstResponsibleIsSecretary', 'handbookItemsCovered', 'targetsNotLowered'])
    expect(holds('implementing')).toEqual(['planSubmitted'])
    expect(holds('planning')).toEqual(['planNotSubmitted'])
  })
})
