import type { Readable } from 'node:stream'
import type { Executor } from '../db/database.js'
import type { StoredFileRow } from '../db/tables/file.js'

/**
 * Where the bytes of evidence files live (docs/files.md). The rows that name, size and type each
 * file are always in the database; a store keeps the bytes — in the database itself by default
 * (a backup of the database is a backup of everything), or in a folder.
 */
export interface FileStore {
  readonly kind: StoredFileRow['storage']
  /** Starts receiving an upload's bytes where no file is named yet. */
  begin(): Promise<StagedUpload>
  /** A stored file's bytes, read a piece at a time. */
  read(db: Executor, file: StoredFileRow): Readable
  /** Removes staged bytes of uploads that never finished and started before `before` (a process killed mid-upload). */
  removeAbandoned(db: Executor, before: Date): Promise<number>
  /** Removes a stored file's bytes; called with the row deleted in the same transaction. */
  remove(db: Executor, file: StoredFileRow): Promise<void>
}

export interface StagedUpload {
  /** The upload id the file row names (the database store's chunks); null where the store names files by hash. */
  readonly uploadId: string | null
  /** Appends bytes, resolving once they are stored (the upload's backpressure). */
  write(bytes: Uint8Array): Promise<void>
  /** The whole body arrived and hashed: keep it under its hash, inside the transaction that names it. */
  keep(sha256: string): Promise<void>
  /** Forgets what was staged: a refused or broken upload, or bytes already stored under their hash. */
  discard(): Promise<void>
}

/** The service's evidence files: the store new uploads go to, the stores files were kept in, the limits. */
export interface EvidenceFiles {
  store: FileStore
  /** Every store this process can read: a file is read from the one its row names. */
  stores: Partial<Record<StoredFileRow['storage'], FileStore>>
  limits: FileLimits
}

export interface FileLimits {
  maxFileBytes: number
  projectQuotaBytes: number
  maxFilesPerProject: number
}
