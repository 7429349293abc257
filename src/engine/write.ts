import { sql, type RawBuilder } from 'kysely'
import type { Executor } from '../db/database.js'
import { versionConflict } from '../errors.js'
import { recordset, type ColumnSqlTypes, type WrittenRow } from '../db/recordset.js'
import type { ProjectTable } from '../db/tables/project.js'
import type { ProjectHistoryTable } from '../db/tables/history.js'
import type { TimerTable } from '../db/tables/timer.js'
import type { TownSystemTable } from '../db/tables/system.js'
import type { OutboxTable } from '../db/tables/outbox.js'
import type { FileReferenceTable } from '../db/tables/file.js'
import { filesNamedBy } from '../domain/project-files.js'
import { collapseTimerOps, type TimerOp } from './effects.js'
import type { PlannedTransition } from './plan.js'

/**
 * Writes planned transitions set-based, in one statement per chunk of projects: the project
 * rows, their history, timers, established systems and outbox messages go in together as
 * data-modifying CTEs, whether one request's event or a deadline's ten thousand. One statement
 * is one round trip to the database, and atomic by itself (I3). Each project's row moves from
 * the version it was read at to its last planned version, or nothing is written (I2).
 */
const CHUNK = 1000

/** A stored timer the scheduler used up: fired, skipped, or replaced in its batch. */
export interface ConsumedTimer {
  projectId: string
  key: string
}

interface ProjectWrites {
  plans: PlannedTransition[]
  consumed: ConsumedTimer[]
}

/** All of a project's writes land in one chunk, so a chunk's statements never touch one row twice. */
function chunksByProject(plans: readonly PlannedTransition[], consumed: readonly ConsumedTimer[]): ProjectWrites[][] {
  const byProject = new Map<string, ProjectWrites>()
  const of = (id: string) => byProject.get(id) ?? byProject.set(id, { plans: [], consumed: [] }).get(id)!
  for (const timer of consumed) of(timer.projectId).consumed.push(timer)
  for (const plan of plans) of(plan.project.id).plans.push(plan)
  const out: ProjectWrites[][] = []
  let chunk: ProjectWrites[] = []
  let size = 0
  for (const writes of byProject.values()) {
    chunk.push(writes)
    size += writes.plans.length + writes.consumed.length
    if (size >= CHUNK) {
      out.push(chunk)
      chunk = []
      size = 0
    }
  }
  if (chunk.length) out.push(chunk)
  return out
}

/** The timers a project ends with, as operations: the last one on each key wins. */
function finalTimerOps(writes: ProjectWrites): Array<TimerOp & { projectId: string }> {
  const consumedFirst: Array<TimerOp & { projectId: string }> = writes.consumed.map((t) => ({ op: 'delete', projectId: t.projectId, key: t.key }))
  return collapseTimerOps([...consumedFirst, ...writes.plans.flatMap((p) => p.timers.map((t) => Object.assign({}, t, { projectId: p.project.id })))])
}

const rowsOf = (rows: unknown[]) => sql`jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)`

// The columns each table is written with, typed over its table type (recordset.ts): a new column must be named here.
const projectColumns: ColumnSqlTypes<ProjectTable> = {
  id: 'uuid', type: 'text', machine_version: 'int', organization_id: 'uuid', year: 'int', title: 'text', state: 'text',
  phase: 'text', status: 'text', snapshot: 'jsonb', version: 'int', created_at: 'timestamptz', updated_at: 'timestamptz',
}
const historyColumns: ColumnSqlTypes<ProjectHistoryTable> = {
  project_id: 'uuid', version: 'int', from_state: 'text', event_type: 'text', event: 'jsonb', to_state: 'text', actor: 'text', at: 'timestamptz',
}
const timerColumns: ColumnSqlTypes<TimerTable> = {
  project_id: 'uuid', key: 'text', kind: 'text', event: 'jsonb', due_at: 'timestamptz', created_at: 'timestamptz',
}
const systemColumns: ColumnSqlTypes<TownSystemTable> = {
  id: 'uuid', title: 'text', content: 'text', effective_date: 'text', source_project_id: 'uuid', established_by: 'text', established_at: 'timestamptz',
}
const fileReferenceColumns: ColumnSqlTypes<FileReferenceTable> = { project_id: 'uuid', sha256: 'text', history_version: 'int' }
const outboxColumns: ColumnSqlTypes<OutboxTable> = {
  project_id: 'uuid', organization_id: 'uuid', topic: 'text', payload: 'jsonb', created_at: 'timestamptz',
}

/** Deletes timers by project and key: after a transition and in a re-plan. */
export function deleteTimers(keys: ReadonlyArray<{ project_id: string; key: string }>, andGuard: RawBuilder<unknown> = sql``) {
  return sql`delete from timer as t using ${rowsOf([...keys])} as k(project_id uuid, key text)
     where t.project_id = k.project_id and t.key = k.key ${andGuard}`
}

/** Sets timers, replacing a project's timer of the same key: after a transition and in a re-plan. */
export function upsertTimers(rows: ReadonlyArray<WrittenRow<TimerTable>>, guard: RawBuilder<unknown> = sql``) {
  const { names, source } = recordset(timerColumns, rows)
  return sql`insert into timer (${names}) select * from ${source} ${guard}
    on conflict (project_id, key) do update
      set kind = excluded.kind, event = excluded.event, due_at = excluded.due_at, created_at = excluded.created_at`
}

export async function writeTransitions(
  db: Executor,
  plans: readonly PlannedTransition[],
  options: { consumedTimers?: readonly ConsumedTimer[] } = {},
): Promise<void> {
  for (const chunk of chunksByProject(plans, options.consumedTimers ?? [])) {
    if (!(await writeChunk(db, chunk, false))) {
      // Unreachable under the row locks the engine takes; kept so a missing lock can never overwrite silently.
      const moved = chunk.find((w) => w.plans[0]?.from)!.plans[0]!
      throw versionConflict(moved.project.version - 1, -1)
    }
  }
}

/**
 * Writes one transition of a project read without a lock, in one statement that writes
 * nothing unless the project is still at the version it was read at (I2 by version check).
 * Returns whether it was written.
 */
export async function writeTransitionIfUnchanged(db: Executor, plan: PlannedTransition): Promise<boolean> {
  if (plan.from === null) throw new Error('a new project has no version to check')
  return writeChunk(db, [{ plans: [plan], consumed: [] }], true)
}

/** Returns false, having written nothing, if an updated project was not at the version it was read at. */
async function writeChunk(db: Executor, chunk: readonly ProjectWrites[], ifUnchanged: boolean): Promise<boolean> {
  // Guarded, every other write depends on the project's update having matched.
  const guard = ifUnchanged ? sql`where exists (select 1 from updated)` : sql``
  const andGuard = ifUnchanged ? sql`and exists (select 1 from updated)` : sql``
  const ctes: Array<RawBuilder<unknown>> = []
  const created = chunk.filter((w) => w.plans[0]?.from === null)
  const updated = chunk.filter((w) => w.plans.length > 0 && w.plans[0]!.from !== null)
  const lastOf = (w: ProjectWrites) => w.plans[w.plans.length - 1]!

  if (created.length) {
    const rows = created.map((w): WrittenRow<ProjectTable> => {
      const p = lastOf(w).project
      return Object.assign({}, p, { created_at: p.created_at.toISOString(), updated_at: p.updated_at.toISOString() })
    })
    const { names, source } = recordset(projectColumns, rows)
    ctes.push(sql`created as (insert into project (${names}) select * from ${source})`)
  }
  if (updated.length) {
    const rows = updated.map((w) => {
      const p = lastOf(w).project
      return {
        id: p.id,
        read_version: w.plans[0]!.project.version - 1,
        version: p.version,
        machine_version: p.machine_version,
        state: p.state,
        phase: p.phase,
        status: p.status,
        title: p.title,
        snapshot: p.snapshot,
        updated_at: p.updated_at.toISOString(),
      }
    })
    ctes.push(sql`updated as (
      update project as p
         set state = v.state, phase = v.phase, status = v.status, title = v.title, machine_version = v.machine_version,
             snapshot = v.snapshot, version = v.version, updated_at = v.updated_at
        from ${rowsOf(rows)} as v(id uuid, read_version int, version int, machine_version int, state text, phase text, status text,
             title text, snapshot jsonb, updated_at timestamptz)
       where p.id = v.id and p.version = v.read_version
      returning 1)`)
  }

  const history = chunk.flatMap((w) =>
    w.plans.map((p): WrittenRow<ProjectHistoryTable> => ({
      project_id: p.project.id,
      version: p.project.version,
      from_state: p.from,
      event_type: p.event.type,
      event: p.event,
      to_state: p.to,
      actor: p.actor,
      at: p.at.toISOString(),
    })),
  )
  if (history.length) {
    const { names, source } = recordset(historyColumns, history)
    ctes.push(sql`history as (insert into project_history (${names}) select * from ${source} ${guard})`)
  }

  // The files each event names as evidence: kept for good from here on (a reference restricts their removal).
  const references = chunk.flatMap((w) =>
    w.plans.flatMap((p) => filesNamedBy(p.event).map((sha256): WrittenRow<FileReferenceTable> => ({ project_id: p.project.id, sha256, history_version: p.project.version }))),
  )
  if (references.length) {
    const { names, source } = recordset(fileReferenceColumns, references)
    ctes.push(sql`file_references as (insert into file_reference (${names}) select * from ${source} ${guard})`)
  }

  // Disjoint by construction (one final operation per key), as statements of one command must be.
  const timerOps = chunk.flatMap((w) => finalTimerOps(w).map((op) => ({ op, at: w.plans[0]?.at })))
  const deletes = timerOps.flatMap(({ op }) => (op.op === 'delete' ? [{ project_id: op.projectId, key: op.key }] : []))
  if (deletes.length) {
    ctes.push(sql`timers_deleted as (${deleteTimers(deletes, andGuard)})`)
  }
  const sets = timerOps.flatMap(({ op, at }): Array<WrittenRow<TimerTable>> =>
    op.op === 'set'
      ? [{ project_id: op.projectId, key: op.key, kind: op.kind, event: op.event, due_at: op.dueAt.toISOString(), created_at: at!.toISOString() }]
      : [],
  )
  if (sets.length) ctes.push(sql`timers_set as (${upsertTimers(sets, guard)})`)

  const plans = chunk.flatMap((w) => w.plans)
  const systems = plans.flatMap((p) =>
    p.systems.map((s): WrittenRow<TownSystemTable> => ({
      id: s.id,
      title: s.title,
      content: s.content,
      effective_date: s.effectiveDate,
      source_project_id: p.project.id,
      established_by: p.actor,
      established_at: p.at.toISOString(),
    })),
  )
  if (systems.length) {
    const { names, source } = recordset(systemColumns, systems)
    ctes.push(sql`systems as (insert into town_system (${names}) select * from ${source} ${guard})`)
  }

  // In plan order: the feed serves a transaction's messages by id.
  const messages = plans.flatMap((p): Array<WrittenRow<OutboxTable>> => [
    ...p.outbox.map((m) => ({ project_id: p.project.id, organization_id: p.project.organization_id, topic: m.topic, payload: m.payload, created_at: p.at.toISOString() })),
    ...p.systems.map((system) => ({
      project_id: p.project.id,
      organization_id: p.project.organization_id,
      topic: 'system.established',
      payload: { systemId: system.id, title: system.title, effectiveDate: system.effectiveDate, sourceProjectId: p.project.id },
      created_at: p.at.toISOString(),
    })),
  ])
  if (messages.length) {
    const { names, source } = recordset(outboxColumns, messages.map((m, seq) => Object.assign({ seq }, m)), { seq: 'int' })
    ctes.push(sql`outbox_written as (insert into outbox (${names}) select ${names} from ${source} ${guard} order by seq)`)
  }

  if (ctes.length === 0) return true
  const result = await sql<{ updated: number }>`/* prepared */
    with ${sql.join(ctes)}
    select ${updated.length ? sql`(select count(*) from updated)::int` : sql`0`} as updated`.execute(db)
  return Number(result.rows[0]!.updated) === updated.length
}
