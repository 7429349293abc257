import { sql } from 'kysely'
import type { DB, Executor } from '../db/database.js'
import type { ProjectFileRow, StoredFileRow } from '../db/tables/file.js'
import { notFound, Refusal } from '../errors.js'
import type { FileLimits, FileStore } from '../files/file-store.js'
import { overQuota, type ReceivedFile } from '../files/receive-upload.js'
import type { ProjectRow } from '../db/tables/project.js'
import { acceptedEvents } from '../../machines/index.js'
import { definitionOf } from '../engine/snapshot.js'
import { forbidden } from './access.js'
import { groupMembers } from './groups.js'

/**
 * The files a project holds (docs/files.md): bytes stored once per hash, held by any number of
 * projects, each counted against its own quota, and kept for good once its history names them.
 */
export interface ProjectFileView extends ProjectFileRow {
  /** Events of the project's history that name it (their versions): while there is one, it stays. */
  referencedBy: number[]
}

/** What the project's files take of its quota, and how many it holds. */
export async function projectFileUsage(db: Executor, projectId: string): Promise<{ bytes: number; files: number }> {
  const row = await db
    .selectFrom('project_file')
    .select([sql<string>`coalesce(sum(size), 0)::text`.as('bytes'), sql<number>`count(*)::int`.as('files')])
    .where('project_id', '=', projectId)
    .executeTakeFirstOrThrow()
  return { bytes: Number(row.bytes), files: row.files }
}

/** Two links of one content serialize on it (a lock on its hash), so a removal never takes bytes a link is keeping. */
const lockContent = (trx: Executor, sha256: string) => sql`select pg_advisory_xact_lock(hashtextextended(${'file:' + sha256}, 0))`.execute(trx)

/**
 * Gives the project the received file, in one transaction under the project's row lock: the
 * quota checked again against what the project holds now; the bytes kept under their hash, or
 * discarded where that hash is stored already (the same bytes are stored once). Returns the
 * project's file and whether it is new to the project.
 */
export async function holdReceivedFile(
  db: DB,
  store: FileStore,
  received: ReceivedFile,
  file: { projectId: string; name: string; uploadedBy: string; at: Date },
  limits: FileLimits,
): Promise<{ file: ProjectFileRow; created: boolean }> {
  let keptOurs = false
  try {
    const result = await db.transaction().execute(async (trx) => {
      await trx.selectFrom('project').select('id').where('id', '=', file.projectId).forUpdate().executeTakeFirstOrThrow()
      const held = await trx.selectFrom('project_file').selectAll().where('project_id', '=', file.projectId).where('sha256', '=', received.sha256).executeTakeFirst()
      if (held) return { file: held, created: false }
      const usage = await projectFileUsage(trx, file.projectId)
      // Passed the quota while it arrived (nothing staged), or would now: refused, nothing kept.
      if (!received.staged || usage.bytes + received.size > limits.projectQuotaBytes) throw overQuota(limits.projectQuotaBytes - usage.bytes)
      if (usage.files >= limits.maxFilesPerProject) {
        throw new Refusal(413, 'FILE_QUOTA_EXCEEDED', `a project may hold at most ${limits.maxFilesPerProject} files`, { maxFiles: limits.maxFilesPerProject })
      }
      await lockContent(trx, received.sha256)
      const stored = await trx.selectFrom('stored_file').select('sha256').where('sha256', '=', received.sha256).executeTakeFirst()
      if (!stored) {
        await received.staged.keep(received.sha256)
        keptOurs = true
        await trx
          .insertInto('stored_file')
          .values({ sha256: received.sha256, size: received.size, content_type: received.contentType, storage: store.kind, upload_id: received.staged.uploadId })
          .execute()
      }
      const row = await trx
        .insertInto('project_file')
        .values({
          project_id: file.projectId,
          sha256: received.sha256,
          name: file.name,
          size: received.size,
          content_type: received.contentType,
          uploaded_by: file.uploadedBy,
          uploaded_at: file.at.toISOString(),
        })
        .returningAll()
        .executeTakeFirstOrThrow()
      return { file: row, created: true }
    })
    if (!keptOurs) await received.staged?.discard()
    return result
  } catch (error) {
    // Rolled back: nothing names the staged bytes. (A folder store's file already renamed to its
    // hash stays: the same bytes any later upload of that hash keeps there.)
    if (!keptOurs) await received.staged?.discard().catch(() => undefined)
    throw error
  }
}

export async function listProjectFiles(db: Executor, projectId: string): Promise<ProjectFileView[]> {
  const rows = await db
    .selectFrom('project_file as f')
    .selectAll('f')
    .select(sql<number[]>`coalesce((select array_agg(r.history_version order by r.history_version) from file_reference r where r.project_id = f.project_id and r.sha256 = f.sha256), '{}')`.as('referencedBy'))
    .where('f.project_id', '=', projectId)
    .orderBy('f.uploaded_at')
    .orderBy('f.sha256')
    .execute()
  return rows
}

export async function getProjectFile(db: Executor, projectId: string, sha256: string): Promise<{ file: ProjectFileRow; stored: StoredFileRow }> {
  const file = await db.selectFrom('project_file').selectAll().where('project_id', '=', projectId).where('sha256', '=', sha256).executeTakeFirst()
  if (!file) throw notFound('file', sha256, 'FILE_NOT_FOUND')
  const stored = await db.selectFrom('stored_file').selectAll().where('sha256', '=', sha256).executeTakeFirstOrThrow()
  return { file, stored }
}

/**
 * Takes a file the history never named off the project, under the project's row lock (an event
 * naming it waits for it, and then finds it gone); its bytes go too when no project holds them.
 */
export async function removeProjectFile(db: DB, stores: Partial<Record<StoredFileRow['storage'], FileStore>>, projectId: string, sha256: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.selectFrom('project').select('id').where('id', '=', projectId).forUpdate().executeTakeFirstOrThrow()
    await getProjectFile(trx, projectId, sha256)
    const references = await trx.selectFrom('file_reference').select('history_version').where('project_id', '=', projectId).where('sha256', '=', sha256).orderBy('history_version').execute()
    if (references.length) {
      throw new Refusal(409, 'FILE_REFERENCED', 'the project’s history names this file as evidence: it is kept for good', {
        referencedBy: references.map((r) => r.history_version),
      })
    }
    await trx.deleteFrom('project_file').where('project_id', '=', projectId).where('sha256', '=', sha256).execute()
    await lockContent(trx, sha256)
    const unheld = await trx
      .deleteFrom('stored_file')
      .where('sha256', '=', sha256)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('project_file').select('sha256').where('sha256', '=', sha256))))
      .returningAll()
      .executeTakeFirst()
    if (unheld) await stores[unheld.storage]?.remove(trx, unheld)
  })
}

/** A file name as it may be shown and sent back in Content-Disposition: no path, no control characters, well-formed. */
export function evidenceFileName(given: string | undefined): string {
  const base = (given ?? '').split(/[\\/]/).pop()!.trim()
  if (!base) return 'file'
  // U+FFFD is what bytes that are not UTF-8 became (a multipart filename); bidirectional controls make a name read as another (`invoice\u202Efdp.exe`).
  if (/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069\ufffd]/.test(base) || !base.isWellFormed() || base.length > 255) {
    throw new Refusal(400, 'VALIDATION_FAILED', 'the file name holds control or bidirectional characters, bytes that are not UTF-8 or lone surrogates, or is over 255 characters', {
      fields: [{ path: 'name', message: 'a name of at most 255 characters, without control characters' }],
    })
  }
  return base
}

/**
 * An assessor's files are an assessment's attachments: a member of the project's year's acceptance
 * group, uploading while the project awaits the group's assessments (its state takes RECORD_ASSESSMENT).
 */
export async function assertAssessorUploading(db: Executor, name: string, project: ProjectRow) {
  const members = await groupMembers(db, project.year, 'acceptance')
  const assessing = acceptedEvents(definitionOf(project), project.state).includes('RECORD_ASSESSMENT')
  if (!members.includes(name) || !assessing) {
    throw forbidden('an assessor uploads to a project the year’s acceptance group is assessing, as one of the group', {
      role: 'assessor',
      inGroup: members.includes(name),
      awaitingAssessment: assessing,
    })
  }
}

/** The files an event's payload names (evidence and attachments), each once. */
export function filesNamedBy(payload: Record<string, unknown>): string[] {
  const named = new Set<string>()
  for (const field of ['evidence', 'attachments']) {
    const items = payload[field]
    if (!Array.isArray(items)) continue
    for (const item of items) {
      const file = (item as { file?: unknown } | null)?.file
      if (typeof file === 'string') named.add(file)
    }
  }
  return [...named]
}

/** Refuses an event naming a file its project does not hold (uploaded to it first, POST …/files). */
export async function assertFilesHeld(db: Executor, projectId: string, files: readonly string[]): Promise<void> {
  if (!files.length) return
  const held = await db.selectFrom('project_file').select('sha256').where('project_id', '=', projectId).where('sha256', 'in', files).execute()
  const missing = files.filter((f) => !held.some((h) => h.sha256 === f))
  if (missing.length) {
    throw new Refusal(422, 'FILE_NOT_OF_PROJECT', 'the event names files this project does not hold: upload them to the project first', { missing })
  }
}

/** Removes what interrupted uploads left (a process killed mid-body): staged bytes no file names, older than `before`. */
export async function removeAbandonedUploads(db: Executor, stores: readonly FileStore[], before: Date): Promise<number> {
  let removed = 0
  for (const store of stores) removed += await store.removeAbandoned(db, before)
  return removed
}
