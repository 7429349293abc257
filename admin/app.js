// The admin console: a hash-routed page over the service's own API (R23).
import mermaid from './vendor/mermaid/mermaid.esm.min.mjs'
import { api, ApiError, query, session, token } from './api.js'
import { h, table } from './dom.js'
import { label, lang, setLanguage, t } from './i18n.js'
import { projectView, refusalView } from './project.js'
import { acceptancePrint, declarationPrint } from './print.js'

/** A project type's name: the console's translation if it has one, else the name its machine gives (a new type needs no console code). */
const typeName = (type, machineLabel) => {
  const translated = t(`types.${type}`)
  return translated === `types.${type}` ? label(machineLabel ?? type, type) : translated
}

const categories = ['village', 'organ', 'school', 'social', 'enterprise']
const phases = ['declaration', 'approval', 'implementation', 'acceptance', 'promotion']
const cjk = getComputedStyle(document.documentElement).fontFamily

// Drawn at their natural size (16 px labels) in a scrolling box, never shrunk to the page's width.
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'base', fontFamily: cjk, themeVariables: { fontFamily: cjk, fontSize: '16px' }, state: { useMaxWidth: false } })

const main = document.getElementById('main')
const yearInput = document.getElementById('year')
const shanghai = (iso) => (iso ? new Date(new Date(iso).getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ') : '')
const year = () => Number(yearInput.value)

// A view finishing after the person has moved on (a slow diagram, then a click) must not cover the
// newer page: each route's views show their nodes only while that route is the latest.
let routeSeq = 0
const showFor = (seq) => (...nodes) => {
  if (seq === routeSeq) main.replaceChildren(...nodes)
}
let show = showFor(routeSeq)
/** The show of the route now running, captured by a view when it starts. */
const currentShow = () => show

function failure(error, display = show) {
  if (error instanceof ApiError && error.status === 401) {
    token.clear()
    return route()
  }
  display(refusalView(error))
}

function translateStatic() {
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n)
  document.getElementById('lang').textContent = t('lang')
}

// ---- Login ---------------------------------------------------------------------------------
function loginView() {
  const input = h('input', { id: 'token', type: 'password', autocomplete: 'off', 'aria-label': t('login.token') })
  const message = h('p', { class: 'error', hidden: true, role: 'alert' })
  const form = h(
    'form',
    {
      class: 'card login',
      onsubmit: async (event) => {
        event.preventDefault()
        token.set(input.value.trim())
        try {
          session.remember(await api('/principals/me'))
          const home = session.seesTown() ? '#/machines' : '#/projects'
          if (location.hash === home) route()
          else location.hash = home
        } catch {
          token.clear()
          message.textContent = t('login.bad')
          message.hidden = false
        }
      },
    },
    h('h2', {}, t('login.titleAny')),
    h('p', { class: 'muted' }, t('login.hintAny')),
    h('label', { for: 'token' }, t('login.token')),
    input,
    message,
    h('button', { type: 'submit', id: 'login' }, t('login.submit')),
  )
  show(form)
  input.focus()
}

// ---- Machines: diagrams with a heatmap of the year's projects ----------------------------------
const heat = { 1: '#fde2e0', 2: '#f4a79f', 3: '#b3261e' }
let renders = 0

function heatLevel(count, max) {
  if (!count) return 0
  const share = count / max
  return share > 0.66 ? 3 : share > 0.33 ? 2 : 1
}

function diagramText(machine, counts) {
  const lines = ['stateDiagram-v2', '  direction LR']
  for (const s of machine.states) {
    const name = label(s.label, s.id)
    lines.push(`  ${s.id}: ${name} · ${counts[s.id] ?? 0}`)
  }
  lines.push(`  [*] --> ${machine.initial}`)
  for (const tr of machine.transitions) {
    if (!tr.to || tr.to === tr.from) continue
    lines.push(`  ${tr.from} --> ${tr.to}: ${lang() === 'en' ? label(tr.eventLabel, tr.event) : tr.eventLabel}`)
  }
  for (const s of machine.states.filter((s) => s.final)) lines.push(`  ${s.id} --> [*]`)
  return lines.join('\n')
}

async function machinesView() {
  const show = currentShow()
  const [{ items }, stats] = await Promise.all([api('/machines'), api(`/stats/states?year=${year()}`)])
  const cards = []
  for (const machine of items) {
    const counts = stats.counts[machine.type] ?? {}
    const total = Object.values(counts).reduce((a, b) => a + b, 0)
    const max = Math.max(1, ...Object.values(counts))
    const holder = h('div', { class: 'diagram', 'data-type': machine.type })
    // A fresh id per render: Mermaid removes any element that already carries the id it renders to.
    const { svg } = await mermaid.render(`diagram-${machine.type}-${++renders}`, diagramText(machine, counts))
    holder.innerHTML = svg
    for (const state of machine.states) {
      // Mermaid names state nodes "<diagram id>-state-<state id>-<n>".
      const node = [...holder.querySelectorAll('g.node')].find((g) => new RegExp(`(^|-)state-${state.id}-\\d+$`).test(g.id))
      if (!node) continue
      node.dataset.state = state.id
      // The heatmap is painted on the rendered nodes: Mermaid's class statements misplace some states.
      const level = heatLevel(counts[state.id], max)
      node.dataset.heat = String(level)
      if (level) {
        for (const shape of node.querySelectorAll('rect, path')) shape.style.fill = heat[level]
        if (level === 3) for (const text of node.querySelectorAll('text, span, p')) text.style.fill = text.style.color = '#ffffff'
      }
      node.setAttribute('role', 'link')
      node.setAttribute('tabindex', '0')
      node.setAttribute('aria-label', `${state.label} ${counts[state.id] ?? 0}`)
      const open = () => (location.hash = `#/projects${query({ type: machine.type, state: state.id, year: year() })}`)
      node.addEventListener('click', open)
      node.addEventListener('keydown', (e) => e.key === 'Enter' && open())
    }
    // The diagram opens where a project starts, not on the empty corner of a wide drawing.
    requestAnimationFrame(() => {
      const start = holder.querySelector(`g.node[data-state="${machine.initial}"]`)
      if (!start) return
      const box = holder.getBoundingClientRect()
      const at = start.getBoundingClientRect()
      holder.scrollLeft += at.left - box.left - 16
      holder.scrollTop += at.top - box.top - holder.clientHeight / 2
    })
    cards.push(
      h('section', { class: 'card', 'aria-labelledby': `title-${machine.type}` },
        h('h3', { id: `title-${machine.type}` }, label(machine.label, machine.type), ' ', h('span', { class: 'badge', 'data-total': total }, total),
          ' ', h('span', { class: 'muted' }, `v${machine.version}`)),
        holder,
        await versionsPanel(machine)),
    )
  }
  show(
    h('h2', {}, t('machines.title'), ` · ${year()}`),
    h('p', { class: 'muted' }, t('machines.hint')),
    h('p', { class: 'legend' }, h('span', { class: 'l0' }, t('legend.none')), h('span', { class: 'l1' }, t('legend.few')),
      h('span', { class: 'l2' }, t('legend.some')), h('span', { class: 'l3' }, t('legend.many'))),
    h('div', { class: 'machines' }, cards),
  )
}

// ---- Machine versions: where the projects of each stand, and what changed (docs/versions.md) ---------
async function versionsPanel(machine) {
  const versions = await api(`/machines/${machine.type}/versions`)
  if (versions.items.length < 2) return ''
  const previous = versions.items.filter((v) => v.version < versions.current).at(-1)
  const diff = previous ? await api(`/machines/${machine.type}/diff?from=${previous.version}&to=${versions.current}`) : null
  const stateName = (s) => (lang() === 'en' ? s.id : `${s.label}（${s.id}）`)
  // Each version's own state labels: an old version may have states the current one lacks.
  const labelsOf = Object.fromEntries(await Promise.all(versions.items.map(async (v) => {
    const described = v.version === machine.version ? machine : await api(`/machines/${machine.type}?version=${v.version}`)
    return [v.version, Object.fromEntries(described.states.map((s) => [s.id, s.label]))]
  })))
  const standing = (v) => v.states.map((s) => `${lang() === 'en' ? s.state : labelsOf[v.version][s.state] ?? s.state} ${s.projects}`).join('、') || t('nothing')
  const transitionName = (tr) => `${tr.from} —${lang() === 'en' ? tr.event : tr.eventLabel}→ ${tr.to ?? tr.from}`
  const list = (kind, items) => (items.length ? h('li', { 'data-diff': kind }, t(`diff.${kind}`), '：', items.join('、')) : '')
  return h('details', { class: 'versions', 'data-versions': machine.type },
    h('summary', {}, t('versions.title'), ` · v${versions.items.map((v) => v.version).join(' / v')}`),
    h('table', {},
      h('thead', {}, h('tr', {}, h('th', {}, t('version')), h('th', {}, t('versions.since')), h('th', {}, t('versions.projects')), h('th', {}, t('versions.states')))),
      h('tbody', {}, ...versions.items.map((v) =>
        h('tr', { 'data-version': v.version },
          h('td', {}, `v${v.version}`, v.current ? ` (${t('versions.current')})` : ''),
          h('td', {}, v.currentSince ? new Date(v.currentSince).toLocaleDateString(lang() === 'en' ? 'en' : 'zh-CN') : '—'),
          h('td', {}, v.projects),
          h('td', {}, standing(v)))))),
    diff
      ? h('div', { class: 'diff' },
          h('h4', {}, t('versions.diff'), ` v${diff.from} → v${diff.to}`),
          h('ul', {},
            list('statesAdded', diff.states.added.map(stateName)),
            list('statesRemoved', diff.states.removed.map(stateName)),
            list('statesChanged', diff.states.changed.map((c) => `${c.id}（${c.fields.join(', ')}）`)),
            list('transitionsAdded', diff.transitions.added.map(transitionName)),
            list('transitionsRemoved', diff.transitions.removed.map(transitionName)),
            list('transitionsChanged', diff.transitions.changed.map((c) => `${c.key}（${c.fields.join(', ')}）`)),
            list('eventsAdded', diff.events.added),
            list('eventsRemoved', diff.events.removed)))
      : '')
}

// ---- Projects: filterable, paginated list --------------------------------------------------------
function hashQuery() {
  return Object.fromEntries(new URLSearchParams(location.hash.split('?')[1] ?? ''))
}

async function projectsView() {
  const show = currentShow()
  const filters = { year: year(), ...hashQuery() }
  const me = session.principal()
  // An organization's principal sees its own organization only.
  const [machines, organizations] = await Promise.all([
    api('/machines'),
    session.seesTown() ? api('/organizations?limit=200') : api(`/organizations/${me.organizationId}`).then((o) => ({ items: [o] })),
  ])
  const states = [...new Map(machines.items.filter((m) => !filters.type || m.type === filters.type).flatMap((m) => m.states.map((s) => [s.id, s]))).values()]
  const select = (name, options, current) =>
    h('select', { name, id: `filter-${name}` }, h('option', { value: '' }, t('all')),
      options.map(([value, text]) => h('option', { value, selected: value === current }, text)))
  const form = h('form', {
      class: 'card filters',
      id: 'filters',
      onsubmit: (event) => {
        event.preventDefault()
        const data = Object.fromEntries(new FormData(form))
        location.hash = `#/projects${query({ ...data, overdue: data.overdue ? 'true' : undefined })}`
      },
    },
    h('label', {}, t('year'), h('input', { name: 'year', type: 'number', value: filters.year })),
    h('label', {}, t('type'), select('type', machines.items.map((m) => [m.type, typeName(m.type, m.label)]), filters.type)),
    h('label', {}, t('state'), select('state', states.map((s) => [s.id, label(s.label, s.id)]), filters.state)),
    h('label', {}, t('phase'), select('phase', phases.map((x) => [x, t(`phases.${x}`)]), filters.phase)),
    h('label', {}, t('organization'), select('organizationId', organizations.items.map((o) => [o.id, o.name]), filters.organizationId)),
    h('label', {}, t('category'), select('category', categories.map((x) => [x, t(`categories.${x}`)]), filters.category)),
    h('label', {}, t('overdue'), h('input', { type: 'checkbox', name: 'overdue', value: 'true', checked: filters.overdue === 'true' })),
    h('button', { type: 'submit' }, t('filter')),
  )
  const body = h('tbody')
  const more = h('button', { type: 'button', id: 'more', hidden: true }, t('more'))
  let cursor = null
  const load = async () => {
    const page = await api(`/projects${query({ ...filters, limit: 20, cursor })}`)
    for (const p of page.items) {
      body.append(
        h('tr', { 'data-id': p.id },
          h('td', {}, h('a', { href: `#/project/${p.id}` }, p.title)),
          h('td', {}, typeName(p.type, p.typeLabel)),
          h('td', {}, p.organizationName),
          h('td', {}, h('span', { class: `badge${p.stateTags.includes('overdue') ? ' warn' : ''}` }, label(p.stateLabel, p.state))),
          h('td', {}, t(`phases.${p.phase}`)),
          h('td', { class: 'muted' }, shanghai(p.updatedAt))),
      )
    }
    if (!body.children.length) body.append(h('tr', {}, h('td', { colspan: 6, class: 'muted' }, t('none'))))
    cursor = page.nextCursor
    more.hidden = !cursor
  }
  more.addEventListener('click', () => load().catch(failure))
  await load()
  show(
    h('h2', {}, t('projects.title')),
    ['admin', 'organization'].includes(me.role) ? newProjectForm(machines.items, organizations.items) : '',
    form,
    h('div', { class: 'card table-wrap' },
      h('table', { id: 'projects' },
        h('thead', {}, h('tr', {}, [t('title'), t('type'), t('organization'), t('state'), t('phase'), t('updated')].map((x) => h('th', {}, x)))),
        body),
      more),
  )
}

/** Declaring a project: a draft with its title; the whole form is filled in on the project's page. */
function newProjectForm(machineList, organizationList) {
  const outcome = h('div')
  const form = h('form', {
      class: 'card filters', id: 'new-project',
      onsubmit: async (event) => {
        event.preventDefault()
        const data = Object.fromEntries(new FormData(form))
        outcome.replaceChildren()
        try {
          const project = await api('/projects', {
            method: 'POST',
            body: { type: data.type, organizationId: data.organizationId, year: Number(data.year), declaration: { title: data.title.trim() } },
            headers: { 'idempotency-key': crypto.randomUUID() },
          })
          location.hash = `#/project/${project.id}`
        } catch (error) {
          outcome.replaceChildren(refusalView(error))
        }
      },
    },
    h('h3', { class: 'wide' }, t('new.title')),
    h('p', { class: 'muted wide' }, t('new.hint')),
    h('label', {}, t('type'), h('select', { name: 'type' }, machineList.map((m) => h('option', { value: m.type }, typeName(m.type, m.label))))),
    h('label', {}, t('organization'), h('select', { name: 'organizationId' }, organizationList.map((o) => h('option', { value: o.id }, o.name)))),
    h('label', {}, t('year'), h('input', { name: 'year', type: 'number', value: year() })),
    h('label', { class: 'grow' }, t('title'), h('input', { name: 'title', required: true, minlength: 2, maxlength: 200 })),
    h('button', { type: 'submit', class: 'primary' }, t('new.submit')),
    outcome,
  )
  return form
}

// ---- One project ----------------------------------------------------------------------------------
// (admin/project.js)

// ---- The year at a glance ------------------------------------------------------------------------
async function yearView() {
  const show = currentShow()
  const y = year()
  const [compliance, overdue, h1, h2, calendar] = await Promise.all([
    api(`/compliance?year=${y}`),
    // Overdue is what the machines tag `overdue`; the console lists no state names of its own.
    api(`/projects${query({ year: y, overdue: 'true', limit: 200 })}`),
    api(`/projects${query({ year: y, missingReport: `${y}-H1`, limit: 200 })}`),
    api(`/projects${query({ year: y, missingReport: `${y}-H2`, limit: 200 })}`),
    api(`/calendars/${y}`),
  ])
  const projectRows = (page) => page.items.map((p) => [h('a', { href: `#/project/${p.id}` }, p.title), p.organizationName, typeName(p.type, p.typeLabel)])
  show(
    h('h2', {}, t('year.title'), ` · ${y}`),
    h('section', { class: 'card', id: 'compliance' }, h('h3', {}, t('year.compliance'),
      ' ', h('span', { class: 'badge ok' }, `${compliance.totals.compliant}/${compliance.totals.organizations}`)),
      table([t('organization'), t('category'), t('foundation'), t('elective'), t('status')],
        compliance.items.map((o) => [o.name, t(`categories.${o.category}`), o.foundation, o.elective,
          h('span', { class: `badge ${o.status === 'compliant' ? 'ok' : 'warn'}` }, t(`status.${o.status}`))]))),
    h('div', { class: 'grid' },
      ...[...new Map(overdue.items.map((p) => [p.state, p.stateLabel])).entries()].map(([state, stateLabel]) =>
        h('section', { class: 'card' }, h('h3', {}, label(stateLabel, state)),
          table([t('title'), t('organization'), t('type')], projectRows({ items: overdue.items.filter((p) => p.state === state) })))),
      ...(overdue.items.length ? [] : [h('section', { class: 'card' }, h('h3', {}, t('year.overdue')), h('p', { class: 'muted' }, '—'))]),
      h('section', { class: 'card' }, h('h3', {}, t('year.missing'), ' H1'), table([t('title'), t('organization'), t('type')], projectRows(h1))),
      h('section', { class: 'card' }, h('h3', {}, t('year.missing'), ' H2'), table([t('title'), t('organization'), t('type')], projectRows(h2)))),
    h('section', { class: 'card' }, h('h3', {}, t('year.calendar')),
      table([t('event'), t('when')], [
        [t('calendar.declaration'), calendar.declarationDeadline.inShanghai],
        ...calendar.progressMeetings.flatMap((m) => [[`${t('calendar.report')} ${m.period}`, m.reportDueAt.inShanghai], [`${t('calendar.meeting')} ${m.period}`, m.meetingAt.inShanghai]]),
        [t('calendar.acceptance'), calendar.acceptanceDeadline.inShanghai],
      ])),
  )
}

// ---- Routing --------------------------------------------------------------------------------------
async function route() {
  show = showFor(++routeSeq)
  const shown = show
  translateStatic()
  const signedIn = Boolean(token.get())
  document.getElementById('nav').hidden = !signedIn
  document.getElementById('logout').hidden = !signedIn
  document.getElementById('year-box').hidden = !signedIn
  if (!signedIn || !session.principal()) return loginView()
  const me = session.principal()
  // The machines' counts and the year's overview are the town's: an organization has its projects.
  for (const link of document.querySelectorAll('nav a[data-town]')) link.hidden = !session.seesTown()
  document.getElementById('who').textContent = `${me.name} · ${t(`role.${me.role}`)}`
  let path = location.hash.replace(/^#/, '').split('?')[0] || (session.seesTown() ? '/machines' : '/projects')
  if (!session.seesTown() && (path === '/machines' || path === '/year')) path = '/projects'
  for (const link of document.querySelectorAll('nav a')) link.toggleAttribute('aria-current', path.startsWith(link.getAttribute('href').slice(1).split('?')[0]))
  for (const link of document.querySelectorAll('nav a[aria-current]')) link.setAttribute('aria-current', 'page')
  main.setAttribute('aria-busy', 'true')
  show(h('p', { class: 'muted' }, t('loading')))
  try {
    const printed = /^\/project\/([^/]+)\/print\/(declaration|acceptance)$/.exec(path)
    if (printed) await (printed[2] === 'declaration' ? declarationPrint : acceptancePrint)(printed[1], shown)
    else if (path.startsWith('/project/')) await projectView(path.split('/')[2], shown)
    else if (path === '/projects') await projectsView()
    else if (path === '/year') await yearView()
    else await machinesView()
  } catch (error) {
    failure(error, shown)
  } finally {
    if (shown === show) main.removeAttribute('aria-busy')
  }
}

yearInput.value = sessionStorage.getItem('djf.year') ?? String(new Date().getFullYear())
yearInput.addEventListener('change', () => {
  sessionStorage.setItem('djf.year', yearInput.value)
  route()
})
document.getElementById('lang').addEventListener('click', () => {
  setLanguage(lang() === 'zh' ? 'en' : 'zh')
  route()
})
document.getElementById('logout').addEventListener('click', () => {
  token.clear()
  location.hash = ''
  route()
})
window.addEventListener('hashchange', route)
setLanguage(lang())
route()
