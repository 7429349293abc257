import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { diagramsSection, readmePath, renderDiagrams } from '../scripts/write-diagrams.js'

describe('README', () => {
  const readme = readFileSync(readmePath, 'utf8')

  it('shows the machine diagrams as the machines define them (run npm run diagrams when this fails)', () => {
    expect(diagramsSection(readme)).toBe(renderDiagrams().trim())
  })

  it('shows the two commands a new user needs', () => {
    expect(readme).toContain('npm install')
    expect(readme).toContain('npm start')
    expect(readme).toContain('npm test')
  })
})
