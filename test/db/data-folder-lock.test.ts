import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DataFolderInUse, lockDataFolder } from '../../src/db/data-folder-lock.js'

/** One process per PGlite folder, also when several start at the same instant over a dead holder's lock. */
describe('the data folder lock', () => {
  let folder: string
  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'djf-lock-'))
  })
  afterAll(() => rmSync(folder, { recursive: true, force: true }))

  it('refuses a second holder, naming the first, until it is released', async () => {
    const release = await lockDataFolder(folder)
    await expect(lockDataFolder(folder)).rejects.toThrow(DataFolderInUse)
    await expect(lockDataFolder(folder)).rejects.toThrow(new RegExp(`${folder}.*pid ${process.pid}`))
    release()
    const again = await lockDataFolder(folder)
    again()
    // Several at once, over a lock file whose process is gone: one wins.
    writeFileSync(join(folder, 'dangjian-flow.lock'), JSON.stringify({ pid: 999_999, host: (await import('node:os')).hostname(), startedAt: 'long ago' }))
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => lockDataFolder(folder)))
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1)
    for (const o of outcomes) if (o.status === 'fulfilled') o.value()
  })

  it('gives the folder to exactly one of eight processes starting at once over a dead holder’s lock, every time', async () => {
    const script = `
      import { lockDataFolder } from './src/db/data-folder-lock.ts'
      await new Promise((r) => setTimeout(r, Number(process.env.AT) - Date.now() - 20))
      while (Date.now() < Number(process.env.AT)) {}
      try { await lockDataFolder(process.env.FOLDER); console.log('GOT'); setInterval(() => {}, 1000) }
      catch (error) { console.log('REFUSED') }`
    for (let round = 0; round < 10; round++) {
      writeFileSync(join(folder, 'dangjian-flow.lock'), JSON.stringify({ pid: 999_999, host: (await import('node:os')).hostname(), startedAt: 'long ago' }))
      const at = Date.now() + 3000
      // A winner holds the folder until every starter has answered (a slow start under load meets it still held).
      const children = Array.from({ length: 8 }, () =>
        spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: { ...process.env, FOLDER: folder, AT: String(at) }, stdio: ['ignore', 'pipe', 'inherit'] }),
      )
      const outcomes = await Promise.all(
        children.map((child) => {
          let out = ''
          return new Promise<string>((resolve) => {
            child.stdout.on('data', (c) => {
              out += c
              if (out.includes('\n')) resolve(out.trim())
            })
            child.on('exit', () => resolve(out.trim()))
          })
        }),
      )
      for (const child of children) child.kill('SIGKILL')
      await Promise.all(children.map((child) => (child.exitCode !== null || child.signalCode !== null ? undefined : new Promise((r) => child.once('exit', r)))))
      expect(outcomes.filter((o) => o === 'GOT'), `round ${round}: ${outcomes.join(' ')}`).toHaveLength(1)
    }
  }, 120_000)
})
