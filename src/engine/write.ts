import { sql } from 'kysely'
import type { Executor } from '../db/database.js'
import { versionConflict } from '../errors.js'
import { collapseTimerOps } from './effects.js'
import type { PlannedTransition } from './plan.js'

/**
 * Writes planned transitions set-based: one statement per table per chunk, whether one
 * request's event or a deadline's ten thousand. Each project's row moves from the version it
 * was read at to its last planned version, or nothing is written (I2, I3).
 */
const CHUNK = 1000

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

export async function writeTransitions(
  db: Executor,
  plans: readonly PlannedTransition[],
  options: { firedTimerIds?: readonly string[] } = {},
): Promise<void> {
  if (plans.length === 0 && !options.firedTimerIds?.length) return

  // Per project: the version it was read at and where its last transition leaves it.
  const byProject = new Map<string, { readVersion: number; created: boolean; last: PlannedTransition }>()
  for (const plan of plans) {
    const seen = byProject.get(plan.project.id)
    if (seen) seen.last = plan
    else byProject.set(plan.project.id, { readVersion: plan.project.version - 1, created: plan.from === null, last: plan })
  }
  const created = [...byProject.values()].filter((p) => p.created)
  const updated = [...byProject.values()].filter((p) => !p.created)

  for (const chunk of chunks(created)) {
    await db
      .insertInto('project')
      .values(chunk.map(({ last: { project } }) => ({ ...project, snapshot: JSON.stringify(project.snapshot) })))
      .execute()
  }
  for (const chunk of chunks(updated)) {
    const rows = chunk.map(({ readVersion, last: { project } }) => ({
      id: project.id,
      read_version: readVersion,
      version: project.version,
      state: project.state,
      phase: project.phase,
      status: project.status,
      title: project.title,
      snapshot: project.snapshot,
      updated_at: project.updated_at.toISOString(),
    }))
    const result = await sql`
      update project as p
         set state = v.state, phase = v.phase, status = v.status, title = v.title,
             snapshot = v.snapshot, version = v.version, updated_at = v.updated_at
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(
               id uuid, read_version int, version int, state text, phase text, status text,
               title text, snapshot jsonb, updated_at timestamptz)
       where p.id = v.id and p.version = v.read_version`.execute(db)
    if (Number(result.numAffectedRows ?? 0) !== chunk.length) {
      // Unreachable under the row locks the engine takes; kept so a missing lock can never overwrite silently.
      throw versionConflict(chunk[0]!.readVersion, -1)
    }
  }

  for (const chunk of chunks(plans)) {
    await db
      .insertInto('project_history')
      .values(
        chunk.map((p) => ({
          project_id: p.project.id,
          version: p.project.version,
          from_state: p.from,
          event_type: p.event.type,
          event: JSON.stringify(p.event),
          to_state: p.to,
          actor: p.actor,
          at: p.at,
        })),
      )
      .execute()
  }

  for (const ids of chunks(options.firedTimerIds ?? [])) {
    await db.deleteFrom('timer').where('id', 'in', ids).execute()
  }
  const timerOps = collapseTimerOps(plans.flatMap((p) => p.timers.map((t) => ({ ...t, projectId: p.project.id }))))
  const deletes = timerOps.filter((t) => t.op === 'delete')
  for (const chunk of chunks(deletes)) {
    const keys = JSON.stringify(chunk.map((t) => ({ project_id: t.projectId, key: t.key })))
    await sql`
      delete from timer as t
       using jsonb_to_recordset(${keys}::jsonb) as k(project_id uuid, key text)
       where t.project_id = k.project_id and t.key = k.key`.execute(db)
  }
  const sets = timerOps.flatMap((t) => (t.op === 'set' ? [{ ...t, at: plans[0]!.at }] : []))
  for (const chunk of chunks(sets)) {
    await db
      .insertInto('timer')
      .values(
        chunk.map((t) => ({
          project_id: t.projectId,
          key: t.key,
          kind: t.kind,
          event: JSON.stringify(t.event),
          due_at: t.dueAt,
          created_at: t.at,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['project_id', 'key']).doUpdateSet((eb) => ({
          kind: eb.ref('excluded.kind'),
          event: eb.ref('excluded.event'),
          due_at: eb.ref('excluded.due_at'),
          created_at: eb.ref('excluded.created_at'),
        })),
      )
      .execute()
  }

  const systems = plans.flatMap((p) => p.systems.map((system) => ({ plan: p, system })))
  for (const chunk of chunks(systems)) {
    await db
      .insertInto('town_system')
      .values(
        chunk.map(({ plan, system }) => ({
          id: system.id,
          title: system.title,
          content: system.content,
          effective_date: system.effectiveDate,
          source_project_id: plan.project.id,
          established_by: plan.actor,
          established_at: plan.at,
        })),
      )
      .execute()
  }

  const messages = plans.flatMap((p) => [
    ...p.outbox.map((m) => ({ project_id: p.project.id, topic: m.topic, payload: JSON.stringify(m.payload), created_at: p.at })),
    ...p.systems.map((system) => ({
      project_id: p.project.id,
      topic: 'system.established',
      payload: JSON.stringify({ systemId: system.id, title: system.title, effectiveDate: system.effectiveDate, sourceProjectId: p.project.id }),
      created_at: p.at,
    })),
  ])
  for (const chunk of chunks(messages)) await db.insertInto('outbox').values(chunk).execute()
}
