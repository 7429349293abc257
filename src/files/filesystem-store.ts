import { randomUUID } from 'node:crypto'
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs'
import { mkdir, readdir, rename, stat, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import type { FileStore, StagedUpload } from './file-store.js'

/**
 * The bytes in a folder, one file per hash (`sha256/ab/abcdef…`), written first under `staging/`
 * and renamed into place once hashed: a file at its hash's path is always whole. The folder
 * must then be backed up with the database. Files and folders are this user's only (0600, 0700).
 */
export function filesystemStore(root: string): FileStore {
  const staging = join(root, 'staging')
  const pathOf = (sha256: string) => join(root, 'sha256', sha256.slice(0, 2), sha256)
  return {
    kind: 'filesystem',
    async begin(): Promise<StagedUpload> {
      await mkdir(staging, { recursive: true, mode: 0o700 })
      const path = join(staging, randomUUID())
      const out: WriteStream = createWriteStream(path, { flags: 'wx', mode: 0o600 })
      await new Promise<void>((resolve, reject) => out.once('open', () => resolve()).once('error', reject))
      const closed = () => new Promise<void>((resolve, reject) => (out.closed ? resolve() : out.end((error?: Error | null) => (error ? reject(error) : resolve()))))
      return {
        uploadId: null,
        write: (bytes) =>
          new Promise<void>((resolve, reject) => {
            out.write(bytes, (error) => (error ? reject(error) : resolve()))
          }),
        async keep(sha256) {
          await closed()
          await mkdir(join(root, 'sha256', sha256.slice(0, 2)), { recursive: true, mode: 0o700 })
          // Same hash, same bytes: renaming over a file already there changes nothing a reader can see.
          await rename(path, pathOf(sha256))
        },
        async discard() {
          out.destroy()
          await unlink(path).catch((error: NodeJS.ErrnoException) => {
            if (error.code !== 'ENOENT') throw error
          })
        },
      }
    },
    read(_db, file) {
      return createReadStream(pathOf(file.sha256), { highWaterMark: 256 * 1024 })
    },
    async removeAbandoned(_db, before) {
      const names = await readdir(staging).catch(() => [] as string[])
      let removed = 0
      for (const name of names) {
        const path = join(staging, name)
        const info = await stat(path).catch(() => null)
        if (info && info.mtime < before) {
          await unlink(path).catch(() => undefined)
          removed++
        }
      }
      return removed
    },
    async remove(_db, file) {
      await unlink(pathOf(file.sha256)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error
      })
    },
  }
}
