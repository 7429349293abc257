// One project's page: where it stands, everything recorded, and the events the signed-in role may
// send now, each as a form generated from the machine's payload schema (docs/openapi.md).
import { api, ApiError, download, query, session, uploadFile } from './api.js'
import { h, table as rowsTable } from './dom.js'
import { payloadForm, shownValue } from './forms.js'
import { fieldLabel, humanize, label, lang, optionLabel, t } from './i18n.js'

const shanghai = (iso) => (iso ? new Date(new Date(iso).getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ') : '')
const machines = new Map()

/** The machine a project runs on, its own version (labels of states and events, payload schemas). */
async function machineOf(project) {
  const key = `${project.type}@${project.machineVersion}`
  if (!machines.has(key)) machines.set(key, api(`/machines/${project.type}?version=${project.machineVersion}`))
  return machines.get(key)
}

const table = (headers, rows) => rowsTable(headers, rows, t('nothing'))

const roleName = (role) => t(`role.${role}`)
const card = (key, ...content) => h('section', { class: 'card', 'data-section': key }, h('h3', {}, t(key)), ...content)

/** What a refusal says, in the console's language: the code's words, each rule that said no, each field that is wrong. */
export function refusalView(error, eventSchema) {
  const body = error instanceof ApiError ? error.body ?? {} : {}
  const code = body.code ?? 'other'
  const known = t(`error.${code}`) !== `error.${code}` && (lang() === 'en' || t(`error.${code}`) !== humanize(code))
  const lines = []
  const said = (value) => (Array.isArray(value) ? value.map(said).join(lang() === 'en' ? ', ' : '、') : value !== null && typeof value === 'object' ? Object.values(value).map(said).join(' ') : String(value))
  for (const rule of body.details?.rules ?? []) {
    // The rule in words, then what it found (the items missing, the fields incomplete…).
    const found = Object.entries(rule).filter(([key, value]) => !['rule', 'name', 'label'].includes(key) && value !== null && value !== undefined && key !== 'fields')
    const fields = (rule.fields ?? []).map((f) => fieldLabel(String(f.path).split('.').filter((p) => !/^\d+$/.test(p)).pop() ?? f.path))
    const words = lang() === 'en' ? humanize(rule.rule ?? rule.name ?? '') : rule.label
    lines.push([words, ...fields.length ? [fields.join(lang() === 'en' ? ', ' : '、')] : [], ...found.map(([key, value]) => `${fieldLabel(key)} ${said(value)}`)].join(lang() === 'en' ? ': ' : '：'))
  }
  for (const f of body.details?.fields ?? []) {
    const name = f.path.split('.').filter((p) => !/^\d+$/.test(p) && p !== 'body').pop() ?? f.path
    lines.push(t('error.field', { field: fieldLabel(name, eventSchema?.properties?.[name]), message: lang() === 'en' ? humanize(f.message) : t('error.fieldMessage') }))
  }
  if (body.details?.allowedEvents) lines.push(body.details.allowedEvents.join(', '))
  return h('div', { class: 'error', role: 'alert', 'data-refusal': code },
    h('strong', {}, known ? t(`error.${code}`) : t('error.other'), lang() === 'en' ? ` (${code})` : ''),
    lines.length ? h('ul', {}, lines.map((line) => h('li', { 'data-rule': '' }, line))) : '')
}

/** The events of the state the signed-in principal may send, each a button opening its form. */
function actions(project, machine, rerender) {
  const me = session.principal()
  const mine = project.nextEvents.filter((e) => e.roles.includes(me.role))
  const scheduled = new Set(machine.transitions.filter((tr) => tr.timer).map((tr) => tr.event))
  const others = project.nextEvents.filter((e) => !e.roles.includes(me.role) && !scheduled.has(e.type))
  const events = Object.fromEntries(machine.events.map((e) => [e.type, e]))
  const place = h('div', { class: 'event-form' })
  const open = (next) => {
    const spec = events[next.type]
    const initial = next.type === 'UPDATE_DECLARATION' ? { declaration: project.context.declaration ?? {} } : {}
    // The group member's name is the principal's: the engine records and checks it.
    const fixed = { reviewer: me.name, assessor: me.name }
    const form = payloadForm(spec.payloadSchema, initial, Object.fromEntries(Object.entries(fixed).filter(([key]) => spec.payloadSchema?.properties?.[key])),
      (file) => uploadFile(project.id, file))
    const outcome = h('div', { class: 'outcome' })
    const send = h('button', { type: 'submit', class: 'primary', 'data-send': next.type }, t('form.send'))
    const element = h('form', {
        class: 'card inner', 'data-event-form': next.type, novalidate: true,
        onsubmit: async (event) => {
          event.preventDefault()
          send.disabled = true
          outcome.replaceChildren()
          try {
            await api(`/projects/${project.id}/events`, {
              method: 'POST',
              body: { type: next.type, ...form.read() },
              headers: { 'if-match': `"${project.version}"`, 'idempotency-key': crypto.randomUUID() },
            })
            await rerender()
          } catch (error) {
            outcome.replaceChildren(refusalView(error, spec.payloadSchema))
            if (error?.body?.code === 'VERSION_CONFLICT') outcome.append(h('button', { type: 'button', 'data-reload': '', onclick: rerender }, t('form.reload')))
            send.disabled = false
          }
        },
      },
      h('h4', {}, label(next.label, next.type)),
      form.node, outcome,
      h('div', { class: 'buttons' }, send, h('button', { type: 'button', onclick: () => place.replaceChildren() }, t('form.cancel'))))
    place.replaceChildren(element)
    element.querySelector('input, textarea, select')?.focus()
  }
  return card('project.events',
    mine.length
      ? h('div', { class: 'actions' }, mine.map((next) => h('button', { type: 'button', class: 'act', 'data-event': next.type, onclick: () => open(next) }, label(next.label, next.type))))
      : h('p', { class: 'muted' }, t('project.allowedNone')),
    place,
    others.length
      ? h('p', { class: 'muted others' }, t('project.otherRoles'), lang() === 'en' ? ': ' : '：',
          others.map((e) => (lang() === 'en' ? `${label(e.label, e.type)} (${e.roles.map(roleName).join(', ')})` : `${e.label}（${e.roles.map(roleName).join('、')}）`)).join(lang() === 'en' ? '; ' : '；'))
      : '')
}

export async function projectView(id, show) {
  const [project, history] = await Promise.all([api(`/projects/${id}`), api(`/projects/${id}/history`)])
  const [organization, machine] = await Promise.all([api(`/organizations/${project.organizationId}`), machineOf(project)])
  const c = project.context
  const states = Object.fromEntries(machine.states.map((s) => [s.id, s]))
  const events = Object.fromEntries(machine.events.map((e) => [e.type, e]))
  const stateName = (state) => (state ? label(states[state]?.label ?? state, state) : '')
  const eventName = (type) => (type === 'CREATE' || type === 'MIGRATE' ? t(`event.${type}`) : label(events[type]?.label ?? type, type))
  const declarationSchema = events.UPDATE_DECLARATION?.payloadSchema?.properties?.declaration
  const plan = c.plan?.items ?? []
  const round = (n) => t('round', { n })
  const aside = (text) => (lang() === 'en' ? ` (${text})` : `（${text}）`)
  const joined = (items) => items.join(lang() === 'en' ? '; ' : '；')
  const indicators = (values) => (values ? Object.entries(values).map(([k, v]) => `${fieldLabel(k)} ${v}`).join(lang() === 'en' ? '; ' : '；') : '')
  const systems = c.promotion?.system ? (await api('/systems')).items.filter((s) => s.sourceProjectId === project.id) : []
  const rerender = () => projectView(id, show)
  // An evidence entry: its description, its link, and the file it names (downloaded with the token).
  const evidenceList = (items) => h('ul', { class: 'values' }, (items ?? []).map((e) => h('li', {},
    e.url ? h('a', { href: e.url, rel: 'noopener noreferrer', target: '_blank' }, e.description) : e.description,
    e.file ? [' ', h('button', { type: 'button', class: 'link', 'data-file': e.file, onclick: () => download(`/projects/${project.id}/files/${e.file}`, e.description) }, t('project.file'))] : '')))

  show(
    h('p', {}, h('a', { href: `#/projects${query({ type: project.type, year: project.year })}` }, '← ', t('projects.title'))),
    h('section', { class: 'card' },
      h('h2', { id: 'project-title' }, project.title),
      h('p', {},
        h('span', { class: `badge${project.stateTags.includes('overdue') ? ' warn' : ''}`, id: 'project-state', 'data-state': project.state }, stateName(project.state)), ' ',
        h('span', { class: 'badge' }, t(`phases.${project.phase}`)), ' ',
        h('span', { class: 'badge' }, optionLabel(project.type)), ' ',
        h('span', { class: 'muted', id: 'project-version', 'data-version': project.version }, `${organization.name} · ${project.year} · ${t('version')} ${project.version}`)),
      h('p', { class: 'actions' },
        h('a', { href: `#/project/${project.id}/print/declaration`, 'data-print-link': 'declaration' }, t('project.printDeclaration')),
        (c.assessments ?? []).length ? h('a', { href: `#/project/${project.id}/print/acceptance`, 'data-print-link': 'acceptance' }, t('project.printAcceptance')) : '')),
    h('div', { class: 'grid' },
      actions(project, machine, rerender),
      card('project.timers', table([t('kind'), t('due')], project.timers.map((x) => [t(`timer.${x.kind}`), x.dueInShanghai])))),
    card('project.declaration', h('div', { id: 'declaration' }, shownValue(declarationSchema, c.declaration ?? {}))),
    h('div', { class: 'grid' },
      card('project.reviews', table([t('reviewer'), t('score'), t('opinion')], (c.reviews ?? []).map((r) => [`${r.reviewer}${aside(round(r.round))}`, r.score, r.opinion]))),
      card('project.decision', c.decision
        ? h('p', { 'data-decision': c.decision.outcome }, t(`decision.${c.decision.outcome}`), c.decision.averageScore === null ? '' : ` · ${t('score')} ${c.decision.averageScore}`,
            c.decision.note ? ` · ${c.decision.note}` : '', ` · ${c.decision.by} · ${shanghai(c.decision.at)}`)
        : h('p', { class: 'muted' }, t('nothing')))),
    card('project.plan', table(['#', fieldLabel('matter'), fieldLabel('target'), fieldLabel('owner'), fieldLabel('responsibility'), fieldLabel('dueDate')],
      plan.map((i) => [i.id, i.matter, i.target, i.owner?.name, i.responsibility, i.dueDate]))),
    card('project.ledger', table(['#', fieldLabel('planItemId'), t('date'), t('content'), t('evidence')], (c.ledger ?? []).map((l) => [
      l.id, l.planItemId ?? '', l.date, l.content,
      evidenceList(l.evidence)]))),
    h('div', { class: 'grid' },
      card('project.progress', table([t('period'), t('results'), t('problems'), t('late')], (c.progressReports ?? []).map((r) => [r.period, r.results, r.problems, t(r.late ? 'yes' : 'no')]))),
      card('project.guidance', table([t('period'), fieldLabel('guidance')], (c.meetingGuidance ?? []).map((g) => [g.period, g.guidance])))),
    card('project.requests', table([t('when'), fieldLabel('summaryReport'), fieldLabel('explanations')], (c.acceptanceRequests ?? []).map((r) => [
      shanghai(r.at), [r.summaryReport, evidenceList(r.attachments)], joined(r.explanations.map((e) => `${e.planItemId}${lang() === 'en' ? ': ' : '：'}${e.reason}`))]))),
    card('project.assessments', table([t('form'), t('assessor'), t('indicators'), t('findings')], (c.assessments ?? []).map((a) => [
      `${optionLabel(a.form)}${aside(round(a.round))}`, a.assessor, indicators(a.indicators), [a.findings, evidenceList(a.attachments)]]))),
    card('project.evaluations', table([t('score'), t('grade'), t('indicators'), t('comment'), t('when')], (c.evaluations ?? []).map((e) => [
      `${e.score}${aside(round(e.round))}`, h('span', { class: 'badge', 'data-grade': e.grade }, t(`grade.${e.grade}`)), indicators(e.indicators), e.comment, shanghai(e.at)]))),
    c.promotion
      ? card('project.promotion', shownValue(null, { rationale: c.promotion.rationale, reason: c.promotion.declined?.reason }),
          c.promotion.system
            ? h('div', { 'data-system': '' }, h('h4', {}, t('project.system'), lang() === 'en' ? ': ' : '：', c.promotion.system.title),
                h('p', {}, t('effectiveDate'), ' ', c.promotion.system.effectiveDate),
                systems.map((s) => h('p', {}, h('a', { href: `#/projects${query({ type: 'promotion', year: project.year })}`, 'data-system-id': s.id }, s.title))))
            : '')
      : '',
    (c.publicity ?? []).length ? card('project.publicity', table([fieldLabel('kind'), t('date'), t('publicityTitle')], c.publicity.map((p) => [optionLabel(p.kind), p.date, [p.title, evidenceList(p.attachments)]]))) : '',
    (c.spotChecks ?? []).length ? card('project.spotChecks', table([fieldLabel('rating'), t('findings')], c.spotChecks.map((s) => [optionLabel(s.rating), s.findings]))) : '',
    c.closure ? card('project.closure', h('p', {}, c.closure.note || '—', ' · ', shanghai(c.closure.at))) : '',
    card('project.history',
      h('ol', { class: 'timeline', id: 'timeline' },
        history.items.map((item) =>
          h('li', { 'data-event': item.event },
            h('div', {}, h('strong', {}, eventName(item.event)), ' ', item.from ? `${stateName(item.from)} → ${stateName(item.to)}` : `→ ${stateName(item.to)}`),
            h('div', { class: 'when' }, `${shanghai(item.at)} · ${item.actor} · ${t('version')} ${item.version}`))))),
  )
}
