import { currentDefinition, describeMachine, type ProjectType } from '../../machines/index.js'

/** The simple paths of a machine's graph, from its initial state to a final one, no state twice. */
export interface Edge {
  from: string
  event: string
  to: string
}

export function simplePaths(type: ProjectType): Edge[][] {
  const description = describeMachine(currentDefinition(type))
  const finals = new Set(description.states.filter((s) => s.final).map((s) => s.id))
  const edges = description.transitions.filter((t): t is typeof t & { to: string } => t.to !== null && t.to !== t.from)
  const paths: Edge[][] = []
  const walk = (state: string, path: Edge[], seen: Set<string>) => {
    if (finals.has(state)) return void paths.push(path)
    for (const e of edges.filter((e) => e.from === state && !seen.has(e.to))) {
      walk(e.to, [...path, { from: e.from, event: e.event, to: e.to }], new Set([...seen, e.to]))
    }
  }
  walk(description.initial, [], new Set([description.initial]))
  return paths
}

