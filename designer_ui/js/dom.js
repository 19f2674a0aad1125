// Tiny DOM builder: h(tag, attrs, ...children). No framework, no build step.

const PROPS = new Set(['value', 'checked', 'disabled', 'selected', 'indeterminate']);

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  const late = {};
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2).toLowerCase(), value);
    else if (key === 'class') el.className = value;
    else if (key === 'style' && typeof value === 'object') Object.assign(el.style, value);
    else if (PROPS.has(key)) late[key] = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  for (const [key, value] of Object.entries(late)) el[key] = value;
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

let counter = 0;
export function uid(prefix = 'c') {
  counter += 1;
  return `${prefix}-${counter}`;
}

// A labelled control: the label wraps the control so every input has an accessible name.
export function field(label, control, hint) {
  return h('label', { class: 'field' }, h('span', { class: 'field-label' }, label), control, hint ? h('small', { class: 'hint' }, hint) : null);
}

export function input(attrs) {
  return h('input', { type: 'text', ...attrs });
}

export function select(options, attrs = {}) {
  // options: [{value, label, group?}] or strings
  const groups = new Map();
  const plain = [];
  for (const option of options) {
    const o = typeof option === 'string' ? { value: option, label: option } : option;
    const el = h('option', { value: o.value }, o.label ?? o.value);
    if (o.group) {
      if (!groups.has(o.group)) groups.set(o.group, h('optgroup', { label: o.group }));
      groups.get(o.group).append(el);
    } else plain.push(el);
  }
  const el = h('select', attrs, plain, [...groups.values()]);
  if (attrs.value !== undefined && attrs.value !== null) el.value = attrs.value;
  return el;
}

export function button(label, onClick, attrs = {}) {
  return h('button', { type: 'button', onClick, ...attrs }, label);
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

// Re-render a container and give focus back to the control that had it (matched by id).
export function rerender(container, build) {
  const active = document.activeElement;
  const focusId = active && container.contains(active) ? active.id : null;
  const scroll = [...container.querySelectorAll('[data-scroll]')].map((el) => [el.dataset.scroll, el.scrollTop, el.scrollLeft]);
  // Controls of "add" forms hold typing that is not part of the definition yet: keep it.
  // Only for redraws nobody asked for (a save finishing, data arriving): inside an event
  // handler the builder's own action is being applied and its form should start afresh.
  const kept = window.event ? [] : [...container.querySelectorAll('[data-keep][id]')].map((el) => [el.id, el.value, el.checked]);
  clear(container);
  append(container, [build()]);
  for (const [id, value, checked] of kept) {
    const el = document.getElementById(id);
    if (el && el.hasAttribute('data-keep')) {
      if (el.type === 'checkbox') el.checked = checked;
      else if (el.tagName !== 'SELECT' || [...el.options].some((o) => o.value === value)) el.value = value;
    }
  }
  for (const [key, top, left] of scroll) {
    const el = container.querySelector(`[data-scroll="${key}"]`);
    if (el) { el.scrollTop = top; el.scrollLeft = left; }
  }
  if (focusId) {
    const again = document.getElementById(focusId);
    if (again) again.focus();
  }
}

export function toast(message, level = 'info') {
  const box = document.getElementById('toasts');
  const el = h('div', { class: `toast toast-${level}` }, message);
  box.append(el);
  setTimeout(() => el.remove(), level === 'error' ? 8000 : 4000);
}

// Stable element ids from a path of names, so re-rendering keeps focus.
export function idFor(...parts) {
  return 'id-' + parts.join('-').replace(/[^A-Za-z0-9_-]+/g, '_');
}
