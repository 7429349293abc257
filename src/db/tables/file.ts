import type { ColumnType, Insertable, Selectable } from 'kysely'

/** pg returns bigint as a string; the code always writes numbers. */
type Bytes = ColumnType<string | number, number, never>

/** One row per distinct content, named by its SHA-256 (docs/files.md). */
export interface StoredFileTable {
  sha256: string
  size: Bytes
  /** Detected from the bytes at upload, never taken from the client. */
  content_type: string
  storage: 'database' | 'filesystem'
  /** The database store's chunks (file_chunk.upload_id); null for the filesystem store. */
  upload_id: string | null
  stored_at: ColumnType<Date, string | undefined, never>
}

/** The database store's bytes, in order, written while the upload streams in. */
export interface FileChunkTable {
  upload_id: string
  seq: number
  bytes: Uint8Array
  created_at: ColumnType<Date, string | undefined, never>
}

/** A file a project holds, as its uploader named it; counted against the project's quota. */
export interface ProjectFileTable {
  project_id: string
  sha256: string
  name: string
  size: Bytes
  content_type: string
  uploaded_by: string
  uploaded_at: ColumnType<Date, string, never>
}

/** An event of the project's history naming the file: while one exists the file stays. */
export interface FileReferenceTable {
  project_id: string
  sha256: string
  history_version: number
}

export type StoredFileRow = Selectable<StoredFileTable>
export type ProjectFileRow = Selectable<ProjectFileTable>
export type NewProjectFile = Insertable<ProjectFileTable>
