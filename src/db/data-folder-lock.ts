import { createHash } from 'node:crypto'
import { closeSync, existsSync, openSync, readFileSync, realpathSync, unlinkSync, writeFileSync, writeSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { hostname } from 'node:os'
import { join } from 'node:path'

/**
 * One process per PGlite folder. PGlite is PostgreSQL compiled into this process: two processes
 * on one folder each run their own database over the same files, see only their own writes, and
 * lose one another's. So the first to start writes a lock file naming itself (as PostgreSQL's
 * postmaster.pid does) and a second refuses to start, naming the folder and the process that
 * holds it. A lock whose process is gone (killed, crashed) is taken over.
 */
interface Holder {
  pid: number
  host: string
  startedAt: string
}

const lockName = 'dangjian-flow.lock'

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
  // On Linux, a pid reused by an unrelated program after a restart is not the holder.
  const cmdline = `/proc/${pid}/cmdline`
  return !existsSync(cmdline) || readFileSync(cmdline, 'utf8').includes('node')
}

function readHolder(file: string): { text: string; holder: Holder | undefined } {
  const text = readFileSync(file, 'utf8')
  try {
    return { text, holder: JSON.parse(text) as Holder }
  } catch {
    return { text, holder: undefined }
  }
}

export class DataFolderInUse extends Error {
  constructor(folder: string, holder: Holder | undefined) {
    super(
      holder
        ? `the data folder ${folder} is in use by another process (pid ${holder.pid} on ${holder.host}, started ${holder.startedAt}); stop it, or give this one another DATA_DIR`
        : `the data folder ${folder} is being opened by another process just now; stop it, or give this one another DATA_DIR`,
    )
    this.name = 'DataFolderInUse'
  }
}

/**
 * On Linux the folder's lock is a socket bound in the kernel's abstract namespace under a name
 * made from the folder's real path: binding is atomic, and the kernel releases it when the
 * process dies, however it dies, so two starters can never both take a folder a killed process
 * left. The lock file then only says who holds it. Elsewhere the lock file is the lock.
 */
async function kernelLock(folder: string): Promise<Server | 'unsupported' | 'taken'> {
  if (process.platform !== 'linux') return 'unsupported'
  const name = `\0dangjian-flow:${createHash('sha256').update(realpathSync(folder)).digest('hex')}`
  const server = createServer()
  return new Promise((resolve) => {
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'EADDRINUSE' ? 'taken' : 'unsupported'))
    server.listen(name, () => {
      // Held for the life of the process without keeping it alive.
      server.unref()
      resolve(server)
    })
  })
}

/** Takes the folder for this process; returns the release. Throws DataFolderInUse. */
export async function lockDataFolder(folder: string): Promise<() => void> {
  const file = join(folder, lockName)
  const self: Holder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() }
  const mine = JSON.stringify(self)
  const holderNow = () => {
    try {
      return readHolder(file).holder
    } catch {
      return undefined
    }
  }
  const kernel = await kernelLock(folder)
  if (kernel === 'taken') throw new DataFolderInUse(folder, holderNow())
  if (kernel !== 'unsupported') {
    // Another host on a shared folder cannot be seen by this kernel: its lock file still counts.
    const holder = holderNow()
    if (holder && holder.host !== self.host) {
      kernel.close()
      throw new DataFolderInUse(folder, holder)
    }
    writeFileSync(file, mine, { mode: 0o644 })
    return () => {
      try {
        if (readFileSync(file, 'utf8') === mine) unlinkSync(file)
      } catch {
        // Already gone.
      }
      kernel.close()
    }
  }
  return lockFile(folder, file, self, mine)
}

/** The lock file alone, taken with O_EXCL; a holder that is gone is replaced. */
function lockFile(folder: string, file: string, self: Holder, mine: string): () => void {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o644)
      try {
        writeSync(fd, mine)
      } finally {
        closeSync(fd)
      }
      return () => {
        try {
          if (readFileSync(file, 'utf8') === mine) unlinkSync(file)
        } catch {
          // Already gone.
        }
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    let current: ReturnType<typeof readHolder>
    try {
      current = readHolder(file)
    } catch {
      continue // removed meanwhile: try again
    }
    const { text, holder } = current
    // Unreadable: its writer is between creating and writing it.
    if (!holder || holder.host !== self.host || alive(holder.pid)) throw new DataFolderInUse(folder, holder)
    // Its process is gone: take it over, unless another starter did first.
    try {
      if (readFileSync(file, 'utf8') === text) unlinkSync(file)
    } catch {
      // Removed meanwhile.
    }
  }
  throw new DataFolderInUse(folder, undefined)
}
