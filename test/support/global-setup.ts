import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { connectPglite } from '../../src/db/connect.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import { PGlite } from '@electric-sql/pglite'

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string
  }
}

/**
 * A cold PGlite start runs initdb (seconds, ~1 GB), so it happens once per run: the migrated
 * database is dumped to a file every test file loads its own copy from.
 */
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'dangjian-flow-test-'))
  const pglite = await PGlite.create()
  const handle = await connectPglite({ existing: pglite })
  await migrateToLatest(handle.db)
  const dump = await pglite.dumpDataDir('none')
  const file = join(dir, 'template.tar')
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()))
  await handle.close()
  project.provide('pgliteTemplate', file)
  return () => rmSync(dir, { recursive: true, force: true })
}
