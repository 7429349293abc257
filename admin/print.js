// Printable A4 pages of a project: its declaration form (镇党建工作项目申报表) and its acceptance
// result (验收结果), laid out as the paper forms are, with the signatures' blank lines. The print
// stylesheet (style.css, @media print) leaves the page alone on the sheet.
import { api } from './api.js'
import { h } from './dom.js'
import { shownValue } from './forms.js'
import { fieldLabel, lang, optionLabel, t } from './i18n.js'

const shanghaiDay = (iso) => (iso ? new Date(new Date(iso).getTime() + 8 * 3600_000).toISOString().slice(0, 10) : '')

/** A form's table: one row per field, its label in the left column. */
const formTable = (rows) =>
  h('table', { class: 'form-table' }, h('tbody', {}, rows.map(([name, value, key]) => h('tr', { 'data-field': key ?? '' }, h('th', { scope: 'row' }, name), h('td', {}, value ?? '')))))

/** A signature: who signs, a blank line to sign on, and a blank date. */
const signature = (who) =>
  h('div', { class: 'signature' }, h('span', {}, who), h('span', { class: 'blank' }), h('span', {}, t('print.date')))

const page = (title, ...content) =>
  h('article', { class: 'print-page', 'data-print': '' },
    h('p', { class: 'no-print' }, h('button', { type: 'button', class: 'primary', onclick: () => window.print() }, t('print.print')), ' ',
      h('a', { href: location.hash.replace(/\/print\/.*$/, '') }, '← ', t('print.back'))),
    h('h1', {}, title),
    ...content)

async function projectWithMachine(id) {
  const project = await api(`/projects/${id}`)
  const [organization, machine] = await Promise.all([api(`/organizations/${project.organizationId}`), api(`/machines/${project.type}?version=${project.machineVersion}`)])
  return { project, organization, machine }
}

export async function declarationPrint(id, show) {
  const { project, organization, machine } = await projectWithMachine(id)
  const declaration = project.context.declaration ?? {}
  const schema = machine.events.find((e) => e.type === 'UPDATE_DECLARATION')?.payloadSchema?.properties?.declaration
  const properties = schema?.properties ?? Object.fromEntries(Object.keys(declaration).map((k) => [k, {}]))
  show(page(t('print.declarationTitle'),
    h('p', { class: 'form-meta' }, `${t('print.year')}：${project.year}`, h('span', {}, `${t('print.declaredAt')}：${shanghaiDay(project.createdAt)}`)),
    formTable([
      [t('print.organization'), organization.name, 'organization'],
      [t('print.category'), t(`categories.${organization.category}`), 'category'],
      [t('print.type'), optionLabel(project.type), 'type'],
      ...Object.entries(properties).map(([key, property]) => [fieldLabel(key, property), shownValue(property, declaration[key]), key]),
    ]),
    h('section', { class: 'signatures' },
      h('div', { class: 'opinion' }, h('h2', {}, t('print.organizationOpinion')), h('div', { class: 'box' }), signature(t('print.secretarySigns')), h('p', { class: 'seal' }, t('print.seal'))),
      h('div', { class: 'opinion' }, h('h2', {}, t('print.townOpinion')), h('div', { class: 'box' }), signature(t('print.townSigns')), h('p', { class: 'seal' }, t('print.seal')))),
  ))
}

export async function acceptancePrint(id, show) {
  const { project, organization, machine } = await projectWithMachine(id)
  const c = project.context
  const evaluation = (c.evaluations ?? []).at(-1)
  const round = evaluation?.round ?? (c.acceptanceRequests ?? []).length
  const assessments = (c.assessments ?? []).filter((a) => a.round === round)
  const request = (c.acceptanceRequests ?? [])[round - 1]
  // In the machine's order (the database keeps a record's keys in an order of its own).
  const indicatorSchema = machine.events.find((e) => e.type === 'RECORD_ASSESSMENT')?.payloadSchema?.properties?.indicators?.properties
  const indicatorNames = Object.keys(indicatorSchema ?? evaluation?.indicators ?? assessments[0]?.indicators ?? {})
  const assessors = [...new Set(assessments.map((a) => a.assessor))]
  show(page(t('print.acceptanceTitle'),
    h('p', { class: 'form-meta' }, `${t('print.year')}：${project.year}`, h('span', {}, `${t('print.round')}：${round || '—'}`)),
    formTable([
      [t('print.organization'), organization.name, 'organization'],
      [t('print.type'), optionLabel(project.type), 'type'],
      [t('print.projectTitle'), project.title, 'title'],
      [t('print.requestedAt'), request ? shanghaiDay(request.at) : '—', 'requestedAt'],
      [fieldLabel('summaryReport'), request?.summaryReport ?? '—', 'summaryReport'],
    ]),
    h('h2', {}, t('print.assessments')),
    h('table', { class: 'form-table grid-table', 'data-assessments': '' },
      h('thead', {}, h('tr', {}, h('th', {}, t('print.form')), h('th', {}, t('print.assessor')), ...indicatorNames.map((n) => h('th', {}, fieldLabel(n))), h('th', {}, t('print.findings')))),
      h('tbody', {}, assessments.map((a) => h('tr', {}, h('td', {}, optionLabel(a.form)), h('td', {}, a.assessor), ...indicatorNames.map((n) => h('td', { class: 'number' }, String(a.indicators[n]))), h('td', {}, a.findings))))),
    h('h2', {}, t('print.conclusion')),
    evaluation
      ? formTable([
          ...indicatorNames.map((n) => [`${fieldLabel(n)}${lang() === 'en' ? ' (mean)' : '（平均）'}`, String(evaluation.indicators[n]), n]),
          [t('print.score'), String(evaluation.score), 'score'],
          [t('print.grade'), t(`grade.${evaluation.grade}`), 'grade'],
          [t('print.comment'), evaluation.comment || '—', 'comment'],
          [t('print.evaluatedAt'), shanghaiDay(evaluation.at), 'evaluatedAt'],
        ])
      : h('p', { class: 'muted', 'data-field': 'grade' }, t('print.notEvaluated')),
    h('section', { class: 'signatures' },
      h('div', { class: 'opinion' }, h('h2', {}, t('print.groupSigns')), ...assessors.map((name) => signature(name)), signature(t('print.groupLeader'))),
      h('div', { class: 'opinion' }, h('h2', {}, t('print.townOpinion')), h('div', { class: 'box' }), signature(t('print.townSigns')), h('p', { class: 'seal' }, t('print.seal')))),
  ))
}
