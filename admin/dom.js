// A small element builder shared by the console's pages: h('td', { class: 'x' }, 'text', child).
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value)
    else element.setAttribute(name, value === true ? '' : String(value))
  }
  for (const child of children.flat()) if (child !== undefined && child !== null && child !== '') element.append(child instanceof Node ? child : String(child))
  return element
}

/** A table of rows, or the word for nothing when there are none. */
export function table(headers, rows, nothing = '—') {
  if (!rows.length) return h('p', { class: 'muted' }, nothing)
  return h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, headers.map((x) => h('th', {}, x)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c ?? '')))))))
}
