import { spawn, type ChildProcess } from 'node:child_process'
import { createServer, type AddressInfo } from 'node:net'

/** A port the system hands out now, rather than a random one that an outgoing connection may hold. */
export function freePort(): Promise<number> {
  return new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = (probe.address() as AddressInfo)
      probe.close(() => resolve(port))
    })
  })
}

export interface ServiceProcess {
  child: ChildProcess
  base: string
  /** What it wrote to stdout (its JSON log) and stderr so far. */
  stdout: () => string
  stderr: () => string
}

function spawnService(port: number, env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { ...process.env, PORT: String(port), LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '1000000', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (chunk) => (stdout += chunk))
  child.stderr!.on('data', (chunk) => (stderr += chunk))
  return { child, stdout: () => stdout, stderr: () => stderr }
}

/** Starts the service expecting it to refuse to start; returns its exit code and output. */
export async function failedStart(port: number, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const { child, stdout, stderr } = spawnService(port, env)
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)))
  return { code, output: stdout() + stderr() }
}

/**
 * The real service (`src/server.ts`) in a process of its own, as `npm start` runs it, started and
 * waited for until /health answers. A fresh clone's first start compiles every file (tsx) while
 * the other test worker runs: allow a minute.
 */
export async function startServiceProcess(port: number, env: Record<string, string>): Promise<ServiceProcess> {
  const { child, stdout, stderr } = spawnService(port, env)
  const base = `http://127.0.0.1:${port}`
  for (let i = 0; i < 600 && child.exitCode === null; i++) {
    const up = await fetch(`${base}/health`).then((r) => r.ok, () => false)
    if (up) return { child, base, stdout, stderr }
    await new Promise((r) => setTimeout(r, 100))
  }
  child.kill('SIGKILL')
  throw new Error(`the service did not start (exit code ${child.exitCode}): ${(stdout() + stderr()).slice(-2000)}`)
}

/** Waits for the process to be gone. */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}
