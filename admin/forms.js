// Forms generated from an event's payload JSON Schema (GET /api/v1/machines/{type}): the console
// knows no event's fields; a new event or field needs no console code. Each input is named by its
// path in the payload (items.0.matter), so a person — or a test — can find it.
import { h } from './dom.js'
import { fieldLabel, optionLabel, t } from './i18n.js'

const longText = 200

/** A string-like union (a date or an instant): shown as one text field. */
function simplified(schema) {
  const branches = schema.anyOf ?? schema.oneOf
  if (!branches) return schema
  const real = branches.filter((b) => b.type !== 'null')
  if (real.length === 1) return { ...real[0], description: schema.description ?? real[0].description, nullable: true }
  if (real.every((b) => b.type === 'string')) return { type: 'string', description: schema.description, format: real[0].format, union: true }
  return { ...real[0], description: schema.description }
}

/**
 * Renders `schema` at `path` with `value`; returns the node and a reader giving the value the form
 * holds now (undefined for an empty optional field). `fixed` holds values the console fills itself.
 */
function field(schema, path, name, value, required, fixed, upload) {
  schema = simplified(schema)
  const id = `f-${path.replace(/\W/g, '-')}`
  const title = fieldLabel(name, schema)
  const mark = required ? h('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : ''
  if (fixed && path in fixed) {
    const input = h('input', { id, name: path, value: fixed[path], readonly: true })
    return { node: h('label', { class: 'field', for: id }, h('span', {}, title), input), read: () => fixed[path] }
  }
  if (schema.type === 'object' && schema.properties) {
    const requiredNames = new Set(schema.required ?? [])
    const parts = Object.entries(schema.properties).map(([key, property]) =>
      field(property, path ? `${path}.${key}` : key, key, value?.[key], requiredNames.has(key), fixed, upload))
    const node = path ? h('fieldset', { 'data-path': path }, h('legend', {}, title, mark), parts.map((p) => p.node)) : h('div', {}, parts.map((p) => p.node))
    return {
      node,
      read: () => {
        const result = {}
        Object.keys(schema.properties).forEach((key, i) => {
          const v = parts[i].read()
          if (v !== undefined) result[key] = v
        })
        return !required && path && Object.values(result).every((v) => v === false || v === '' || (Array.isArray(v) && !v.length)) ? undefined : result
      },
    }
  }
  if (schema.type === 'array') {
    const rows = []
    const list = h('div', { class: 'rows', 'data-array': path })
    const add = (rowValue) => {
      const index = rows.length
      // A row left empty is no row: it is not sent (a draft saved with its blank rows is still a draft).
      const part = field(schema.items ?? { type: 'string' }, `${path}.${index}`, name, rowValue, false, fixed, upload)
      const row = { part }
      const remove = h('button', { type: 'button', class: 'remove', 'data-remove': `${path}.${index}`, 'aria-label': t('form.remove'),
        onclick: () => { rows.splice(rows.indexOf(row), 1); row.node.remove() } }, '×')
      row.node = h('div', { class: 'row' }, part.node, remove)
      rows.push(row)
      list.append(row.node)
    }
    const initial = Array.isArray(value) ? value : []
    for (const item of initial) add(item)
    for (let i = initial.length; i < (schema.minItems ?? 0); i++) add(undefined)
    const addButton = h('button', { type: 'button', class: 'add', 'data-add': path, onclick: () => add(undefined) }, '+ ', t('form.add'), ' ', title)
    return {
      node: h('fieldset', { class: 'array', 'data-path': path }, h('legend', {}, title, mark), list, addButton),
      read: () => {
        const items = rows.map((r) => r.part.read()).filter((v) => v !== undefined)
        return items.length || required ? items : undefined
      },
    }
  }
  let input
  let read
  if (schema.enum) {
    input = h('select', { id, name: path, required },
      required ? '' : h('option', { value: '' }, '—'),
      schema.enum.map((option) => h('option', { value: option, selected: option === value }, optionLabel(option))))
    read = () => (input.value === '' ? undefined : input.value)
  } else if (schema.type === 'boolean') {
    input = h('input', { id, name: path, type: 'checkbox', checked: value ?? schema.default ?? false })
    read = () => input.checked
  } else if (schema.type === 'number' || schema.type === 'integer') {
    input = h('input', { id, name: path, type: 'number', step: schema.type === 'integer' ? 1 : 'any', min: schema.minimum, max: schema.maximum, value: value ?? '', required })
    read = () => (input.value === '' ? undefined : Number(input.value))
  } else {
    const attributes = { id, name: path, required, maxlength: schema.maxLength }
    if (schema.format === 'date' && !schema.union) input = h('input', { ...attributes, type: 'date', value: value ?? '' })
    else if ((schema.maxLength ?? 0) > longText) input = h('textarea', { ...attributes, rows: 3 }, value ?? '')
    else input = h('input', { ...attributes, type: schema.format === 'uri' ? 'url' : 'text', value: value ?? '', placeholder: schema.union ? 'YYYY-MM-DD' : undefined })
    read = () => (input.value === '' && !required ? undefined : input.value)
    // A file's SHA-256 (an evidence file): chosen from the disk, uploaded to the project, its hash filled in.
    if (upload && schema.pattern === fileHashPattern) {
      const status = h('span', { class: 'muted', 'data-upload-status': path })
      const picker = h('input', { type: 'file', 'data-upload': path, onchange: async () => {
        const file = picker.files?.[0]
        if (!file) return
        status.textContent = t('form.uploading')
        try {
          input.value = await upload(file)
          status.textContent = `${file.name} ✓`
        } catch (error) {
          status.textContent = error?.body?.message ?? String(error)
        }
      } })
      return { node: h('label', { class: 'field', for: id }, h('span', {}, title, mark), input, picker, status), read }
    }
  }
  return { node: h('label', { class: schema.type === 'boolean' ? 'field check' : 'field', for: id }, h('span', {}, title, mark), input), read }
}

/** How the machines' schemas name an uploaded file (its SHA-256). */
const fileHashPattern = '^[0-9a-f]{64}$'

/** The form of an event: its fields, and a reader of the payload it holds; `upload` stores a chosen file and gives its hash. */
export function payloadForm(schema, initial = {}, fixed = {}, upload = undefined) {
  const root = field(schema ?? { type: 'object', properties: {} }, '', '', initial, true, fixed, upload)
  return { node: root.node, read: () => root.read() ?? {} }
}

/** A value recorded in a project, shown by the schema it was written with (labels, choices, rows). */
export function shownValue(schema, value) {
  schema = schema ? simplified(schema) : {}
  if (value === undefined || value === null || value === '') return h('span', { class: 'muted' }, '—')
  if (Array.isArray(value)) {
    if (!value.length) return h('span', { class: 'muted' }, '—')
    return h('ol', { class: 'values' }, value.map((item) => h('li', {}, shownValue(schema.items, item))))
  }
  if (typeof value === 'object') {
    const properties = schema.properties ?? Object.fromEntries(Object.keys(value).map((k) => [k, {}]))
    return h('dl', { class: 'facts' },
      Object.entries(properties).filter(([key]) => value[key] !== undefined && value[key] !== null && value[key] !== '')
        .flatMap(([key, property]) => [h('dt', {}, fieldLabel(key, property)), h('dd', {}, shownValue(property, value[key]))]))
  }
  if (typeof value === 'boolean') return t(value ? 'yes' : 'no')
  if (schema.enum) return optionLabel(String(value))
  if (schema.format === 'uri' && /^https?:\/\//.test(String(value))) return h('a', { href: String(value), rel: 'noopener noreferrer', target: '_blank' }, String(value))
  return String(value)
}
