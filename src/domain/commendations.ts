import { randomUUID } from 'node:crypto'
import type { Executor } from '../db/database.js'
import { sql, type Insertable } from 'kysely'
import type {
  CommendationKind,
  CommendationLevel,
  CommendationRow,
  CommendationTable,
  RecipientType,
} from '../db/tables/commendation.js'
import { Refusal } from '../errors.js'
import { getOrganization } from './organizations.js'
import { appendOutbox } from './outbox.js'
import { getProject } from './projects.js'
import { inStatesTagged } from './state-tags.js'
import { definitionAt, stateTagsOf, type ProjectContext } from '../../machines/index.js'
import { SHANGHAI_OFFSET_MS } from '../../machines/shared/time.js'
import type { ProjectRow } from '../db/tables/project.js'

/**
 * Commendations and material rewards (R18), each resting on the assessment it cites. An
 * innovation project commended at county level or above earns the town's further commendation,
 * recorded with it.
 */
export interface NewCommendation {
  year: number
  kind: Exclude<CommendationKind, 'furtherCommendation'>
  level: CommendationLevel
  recipientType: RecipientType
  organizationId: string
  projectId?: string | undefined
  workerName?: string | undefined
  title: string
  reason: string
  /** The day it was awarded, YYYY-MM-DD, read in Asia/Shanghai. */
  awardedAt: string
}

const countyOrAbove: readonly CommendationLevel[] = ['county', 'city', 'province', 'national']

export async function commend(db: Executor, input: NewCommendation, actor: string, now: Date): Promise<CommendationRow[]> {
  const organization = await getOrganization(db, input.organizationId)
  const project = input.projectId ? await getProject(db, input.projectId) : undefined
  if (project && project.organization_id !== organization.id) {
    throw new Refusal(422, 'PROJECT_NOT_OF_ORGANIZATION', 'the project belongs to another organization', {
      projectId: project.id,
      organizationId: organization.id,
    })
  }
  if (input.recipientType === 'project' && !project) {
    throw new Refusal(400, 'VALIDATION_FAILED', 'a commendation of a project names the project', {
      fields: [{ path: 'body.projectId', message: 'required when recipientType is project' }],
    })
  }
  if (input.recipientType === 'worker' && !input.workerName) {
    throw new Refusal(400, 'VALIDATION_FAILED', 'a commendation of a Party-affairs worker names the worker', {
      fields: [{ path: 'body.workerName', message: 'required when recipientType is worker' }],
    })
  }
  const basis = await assessmentBasis(db, input, organization.id, project)
  const row: Insertable<CommendationTable> = {
    id: randomUUID(),
    year: input.year,
    kind: input.kind,
    level: input.level,
    recipient_type: input.recipientType,
    organization_id: organization.id,
    project_id: project?.id ?? null,
    worker_name: input.workerName ?? null,
    title: input.title,
    reason: input.reason,
    basis: JSON.stringify(basis),
    follows_id: null,
    awarded_by: actor,
    awarded_at: startOfShanghaiDate(input.awardedAt),
    created_at: now,
  }
  const rows = [row]
  if (project?.type === 'innovation' && input.kind === 'commendation' && countyOrAbove.includes(input.level)) {
    rows.push({
      ...row,
      id: randomUUID(),
      kind: 'furtherCommendation',
      level: 'town',
      title: `创新探索型项目获${levelLabels[input.level]}表彰再表彰`,
      reason: `项目获${levelLabels[input.level]}表彰（${input.title}），按实施意见给予再次表彰`,
      follows_id: row.id!,
    })
  }
  const inserted = await db.insertInto('commendation').values(rows).returningAll().execute()
  for (const c of inserted) {
    await appendOutbox(
      db,
      'commendation.awarded',
      { commendationId: c.id, kind: c.kind, level: c.level, organizationId: c.organization_id, projectId: c.project_id, title: c.title },
      now,
      { projectId: c.project_id, organizationId: c.organization_id },
    )
  }
  return inserted
}

/** The day's first instant in Asia/Shanghai: an award date people say, stored as an instant. */
const startOfShanghaiDate = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) - SHANGHAI_OFFSET_MS)

/** A project's last evaluation, if it passed acceptance with a passing grade. */
function passingEvaluation(project: ProjectRow) {
  const definition = definitionAt(project.type, project.machine_version)
  const evaluation = (project.snapshot as { context: ProjectContext }).context.evaluations.at(-1)
  const passed = !!definition && stateTagsOf(definition, project.state).includes('passedAcceptance') && !!evaluation && evaluation.grade !== 'fail'
  return passed ? evaluation! : null
}

/**
 * What a commendation rests on (根据考核评估的结果, R18): a project's commendation on that
 * project's passing evaluation; an organization's or a Party-affairs worker's on the
 * organization's projects of the year that passed their evaluation — at least one. Refused
 * otherwise, naming the rule.
 */
async function assessmentBasis(db: Executor, input: NewCommendation, organizationId: string, project: ProjectRow | undefined) {
  if (project) {
    // The assessment of the year it is awarded for: a project of another year is not that year's result.
    const evaluation = project.year === input.year ? passingEvaluation(project) : null
    if (!evaluation) {
      const last = (project.snapshot as { context: ProjectContext }).context.evaluations.at(-1)
      throw new Refusal(422, 'RULE_FAILED', 'a project is commended on a passing evaluation (合格及以上, 已通过验收)', {
        rules: [
          {
            rule: 'commendationRestsOnPassingEvaluation',
            label: '表彰奖励须以考核评估结果为依据：项目须为本年度项目、已通过验收、评定等级为合格及以上',
            projectId: project.id,
            projectYear: project.year,
            year: input.year,
            state: project.state,
            grade: last?.grade ?? null,
          },
        ],
      })
    }
    return { projectId: project.id, projectType: project.type, state: project.state, grade: evaluation.grade, score: evaluation.score }
  }
  const candidates = await db
    .selectFrom('project')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('year', '=', input.year)
    .where(inStatesTagged('passedAcceptance'))
    .orderBy('created_at')
    .execute()
  const passed = candidates.flatMap((p) => {
    const evaluation = passingEvaluation(p)
    return evaluation ? [{ projectId: p.id, projectType: p.type, grade: evaluation.grade, score: evaluation.score }] : []
  })
  if (passed.length === 0) {
    throw new Refusal(422, 'RULE_FAILED', `an organization or a worker is commended on the organization's assessed projects of ${input.year}`, {
      rules: [
        {
          rule: 'commendationRestsOnPassingEvaluation',
          label: '表彰奖励须以考核评估结果为依据：该组织本年度须有通过验收、评定等级为合格及以上的项目',
          organizationId,
          year: input.year,
        },
      ],
    })
  }
  return { organizationId, projects: passed }
}

export const levelLabels: Record<CommendationLevel, string> = {
  town: '镇级',
  county: '县级',
  city: '市级',
  province: '省级',
  national: '国家级',
}

export const kindLabels: Record<CommendationKind, string> = {
  commendation: '表彰',
  materialReward: '物质奖励',
  furtherCommendation: '再表彰',
}

export async function listCommendations(
  db: Executor,
  filter: { year?: number | undefined; organizationId?: string | undefined; projectId?: string | undefined },
): Promise<CommendationRow[]> {
  let query = db.selectFrom('commendation').selectAll()
  if (filter.year !== undefined) query = query.where('year', '=', filter.year)
  if (filter.organizationId) query = query.where('organization_id', '=', filter.organizationId)
  if (filter.projectId) query = query.where('project_id', '=', filter.projectId)
  // A further commendation comes right after the one it follows.
  return query.orderBy('created_at').orderBy(sql`follows_id is not null`).orderBy('id').execute()
}

/** A commendation as the API and the annual report show it, with its zh-CN kind and level. */
export function commendationView(row: CommendationRow) {
  return {
    id: row.id,
    year: row.year,
    kind: row.kind,
    kindLabel: kindLabels[row.kind],
    level: row.level,
    levelLabel: levelLabels[row.level],
    recipientType: row.recipient_type,
    organizationId: row.organization_id,
    projectId: row.project_id,
    workerName: row.worker_name,
    title: row.title,
    reason: row.reason,
    basis: row.basis,
    followsId: row.follows_id,
    awardedBy: row.awarded_by,
    awardedAt: row.awarded_at.toISOString(),
  }
}
