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
  awardedAt: Date
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
  // The assessment it rests on: the project's last evaluation, when there is a project.
  const context = (project?.snapshot as { context?: { evaluations?: Array<{ grade: string; score: number }> } } | undefined)?.context
  const evaluation = context?.evaluations?.at(-1)
  const basis = project
    ? { projectId: project.id, projectType: project.type, state: project.state, grade: evaluation?.grade ?? null, score: evaluation?.score ?? null }
    : { organizationId: organization.id }
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
    awarded_at: input.awardedAt,
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
