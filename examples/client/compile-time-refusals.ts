import type { ProjectEvent } from './declare-a-project.js'

/**
 * What the typed client refuses before anything is sent: each line below must fail to compile
 * (`npm run typecheck` fails if one ever compiles, since @ts-expect-error then has nothing to expect).
 */
export const refusedAtCompileTime: ProjectEvent[] = [
  // @ts-expect-error a misspelled event
  { type: 'APROVE' },
  // @ts-expect-error a score must be a number
  { type: 'RECORD_REVIEW', reviewer: '评审员甲', score: 'high', opinion: '好' },
  // @ts-expect-error an assessment names one of the four forms
  { type: 'RECORD_ASSESSMENT', assessor: '验收员甲', form: 'interview', findings: '好', indicators: { targetAchievement: 90, publicSatisfaction: 90, comprehensiveBenefit: 90, replicability: 90 } },
  // @ts-expect-error a plan's items are required
  { type: 'SUBMIT_PLAN' },
  // @ts-expect-error SUBMIT takes no payload
  { type: 'SUBMIT', note: 'extra' },
]

export const acceptedAtCompileTime: ProjectEvent[] = [
  { type: 'APPROVE', note: '同意立项' },
  { type: 'RECORD_REVIEW', reviewer: '评审员甲', score: 88, opinion: '目标明确' },
]
