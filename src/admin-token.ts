import { chmodSync, mkdirSync, openSync, closeSync, writeSync } from 'node:fs'
import { join, resolve } from 'node:path'

/**
 * The first start's admin token goes to `<DATA_DIR>/admin-token`, created readable and writable
 * by this user only (0600), never into the log. Returns the file's path.
 */
export function writeAdminToken(dataDir: string, token: string): string {
  const folder = resolve(dataDir)
  mkdirSync(folder, { recursive: true })
  const file = join(folder, 'admin-token')
  const fd = openSync(file, 'w', 0o600)
  try {
    writeSync(fd, `${token}\n`)
  } finally {
    closeSync(fd)
  }
  // A file left from before keeps its old mode on open: set it.
  chmodSync(file, 0o600)
  return file
}
