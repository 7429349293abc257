import { randomUUID } from 'node:crypto'
import { Readable } from 'node:stream'
import { sql } from 'kysely'
import type { DatabaseKind } from '../db/connect.js'
import type { DB, Executor } from '../db/database.js'
import type { StoredFileRow } from '../db/tables/file.js'
import type { FileStore, StagedUpload } from './file-store.js'

/**
 * The bytes in the database, as chunk rows under the upload's id, each written as it arrives:
 * an upload never holds more than one chunk in memory, and a read serves one chunk at a time.
 * How they cross keeps the heap free of text the size of a file (test/files/upload-memory.test.ts):
 * to PostgreSQL as a binary parameter (pg sends a Buffer so) and back as hex in small pieces (below);
 * to PGlite as base64 text both ways, since it turns a bytea into hex in JavaScript, ten times
 * slower and with hundreds of megabytes of garbage on a large file.
 */
export const CHUNK_BYTES = 1024 * 1024
const READ_PIECE_BYTES = 48 * 1024

export function databaseStore(db: DB, kind: DatabaseKind): FileStore {
  return {
    kind: 'database',
    async begin(): Promise<StagedUpload> {
      const uploadId = randomUUID()
      let seq = 0
      return {
        uploadId,
        async write(bytes) {
          const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
          const value = kind === 'postgres' ? sql`${buffer}` : sql`decode(${buffer.toString('base64')}, 'base64')`
          await sql`insert into file_chunk (upload_id, seq, bytes) values (${uploadId}, ${seq++}, ${value})`.execute(db)
        },
        async keep() {
          // The chunks are where they stay: the file row naming this upload id is what keeps them.
        },
        async discard() {
          await db.deleteFrom('file_chunk').where('upload_id', '=', uploadId).execute()
        },
      }
    },
    read(reader, file) {
      const uploadId = file.upload_id!
      let seq = 0
      let offset = 0
      return new Readable({
        highWaterMark: 1,
        read() {
          // A piece of a chunk at a time: its text (hex from PostgreSQL, base64 from PGlite) stays
          // small enough for the young generation, which frees it at once; a whole chunk's text
          // would be a large object, piling up until a full collection.
          const piece =
            kind === 'postgres'
              ? sql<{ bytes: Buffer | null; size: number }>`select substring(bytes from ${offset + 1} for ${READ_PIECE_BYTES}) as bytes, length(bytes) as size from file_chunk where upload_id = ${uploadId} and seq = ${seq}`
                  .execute(reader)
                  .then(({ rows }) => rows[0] && { bytes: rows[0].bytes!, size: rows[0].size })
              : sql<{ base64: string; size: number }>`select encode(substring(bytes from ${offset + 1} for ${READ_PIECE_BYTES}), 'base64') as base64, length(bytes) as size from file_chunk where upload_id = ${uploadId} and seq = ${seq}`
                  .execute(reader)
                  // PostgreSQL breaks base64 into lines; Node's decoder skips the line breaks.
                  .then(({ rows }) => rows[0] && { bytes: Buffer.from(rows[0].base64, 'base64'), size: rows[0].size })
          piece.then((found) => {
            if (!found) return this.push(null)
            offset += found.bytes.length
            if (offset >= found.size) {
              seq++
              offset = 0
            }
            this.push(found.bytes)
          }, (error: Error) => this.destroy(error))
        },
      })
    },
    async removeAbandoned(executor, before) {
      const removed = await sql<{ n: number }>`
        with gone as (
          delete from file_chunk c
           where c.upload_id in (select upload_id from file_chunk group by upload_id having max(created_at) < ${before.toISOString()}::timestamptz)
             and not exists (select 1 from stored_file f where f.upload_id = c.upload_id)
          returning upload_id)
        select count(distinct upload_id)::int as n from gone`.execute(executor)
      return removed.rows[0]?.n ?? 0
    },
    async remove(executor, file) {
      if (file.upload_id) await executor.deleteFrom('file_chunk').where('upload_id', '=', file.upload_id).execute()
    },
  }
}
