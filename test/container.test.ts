import { existsSync, readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { dirname, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

/**
 * The container as operators use it, kept correct by reading (no Docker engine runs here): the
 * image holds every folder the service and its scripts import, production dependencies cover every
 * package they import, the health check follows PORT, and compose keeps the data folder (the admin
 * token file) and reads ADMIN_TOKEN from an optional .env.
 */
const root = fileURLToPath(new URL('..', import.meta.url))
const read = (path: string) => readFileSync(resolve(root, path), 'utf8')
const dockerfile = read('Dockerfile')
const packageJson = JSON.parse(read('package.json')) as { dependencies: Record<string, string>; scripts: Record<string, string> }

/** Every file reachable by relative imports from the entry points, and every package they import. */
function importGraph(entries: string[]) {
  const files = new Set<string>()
  const packages = new Set<string>()
  const queue = entries.map((e) => resolve(root, e))
  while (queue.length) {
    const file = queue.pop()!
    if (files.has(file)) continue
    files.add(file)
    const source = readFileSync(file, 'utf8')
    for (const match of source.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm)) {
      const specifier = match[1] ?? match[2] ?? match[3]!
      if (/^import\s+type\s/.test(match[0].trim()) || /^export\s+type\s/.test(match[0].trim())) continue
      if (specifier.startsWith('.')) {
        const target = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'))
        queue.push(existsSync(target) ? target : resolve(dirname(file), specifier))
      } else if (!specifier.startsWith('node:') && !builtinModules.includes(specifier)) {
        packages.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!)
      }
    }
  }
  return { files: [...files].map((f) => relative(root, f)), packages: [...packages] }
}

describe('the container image', () => {
  // What runs in the image: the server, and the scripts an operator runs in it (npm run token).
  const { files, packages } = importGraph(['src/server.ts', 'scripts/token.ts'])
  const copied = [...dockerfile.matchAll(/^COPY\s+(?:--\S+\s+)*(.+?)\s+\S+\s*$/gm)].flatMap((m) => m[1]!.split(/\s+/))

  it('copies every folder the service and its scripts import', () => {
    const folders = [...new Set(files.map((f) => f.split('/')[0]!))]
    expect(folders).toEqual(expect.arrayContaining(['src', 'machines', 'migrations', 'scripts']))
    for (const folder of folders) expect(copied, `Dockerfile copies ${folder}`).toContain(folder)
    // What the service serves from disk: the console's files.
    expect(copied).toContain('admin')
  })

  it('installs every package they import as a production dependency (npm ci --omit=dev)', () => {
    expect(dockerfile).toMatch(/npm ci --omit=dev/)
    for (const name of packages) expect(packageJson.dependencies, `${name} is a production dependency`).toHaveProperty([name])
    // The entry point runs through tsx, and `npm run token` is tsx too.
    expect(packageJson.dependencies).toHaveProperty(['tsx'])
    expect(packageJson.scripts.token).toBe('tsx scripts/token.ts')
  })

  it('checks its health on the port it listens on', () => {
    const check = dockerfile.slice(dockerfile.indexOf('HEALTHCHECK'))
    expect(check).toMatch(/process\.env\.PORT/)
    expect(check).not.toMatch(/127\.0\.0\.1:3000/)
  })

  it('keeps the data folder and reads ADMIN_TOKEN from an optional .env (docker-compose.yml)', () => {
    const compose = read('docker-compose.yml')
    expect(compose).toMatch(/- servicedata:\/app\/data/)
    expect(compose).toMatch(/env_file:\s*\n\s*- path: \.env\s*\n\s*required: false/)
    expect(dockerfile).toMatch(/DATA_DIR=\/app\/data/)
    expect(read('.env.example')).toMatch(/^# ADMIN_TOKEN=/m)
  })
})
