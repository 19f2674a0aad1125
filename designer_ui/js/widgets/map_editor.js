// key -> value editor (insert values, set / increase / decrease, flow args, outputs).
import { button, h, input, select } from '../dom.js';
import { expressionEditor } from './expression.js';

export function mapEditor({ label, value, keys, refs, onChange, id, freeKeys = false, defaultValue = null }) {
  const map = value || {};
  const entries = Object.entries(map);
  const rows = entries.map(([key, v]) => h('div', { class: 'map-row' },
    h('span', { class: 'map-key' }, key),
    expressionEditor({
      label: `${label}: ${key}`,
      value: v,
      refs,
      id: id && `${id}-${key}`,
      onChange: (nv) => onChange({ ...map, [key]: nv }),
    }),
    button('✕', () => { const next = { ...map }; delete next[key]; onChange(next); }, { class: 'icon', 'aria-label': `Remove ${label}: ${key}` })));
  const remaining = (keys || []).filter((k) => !(k.value in map));
  let adder = null;
  if (freeKeys) {
    const name = input({ 'aria-label': `${label}: new key`, placeholder: 'key', id: id && `${id}-newkey`, 'data-keep': true, class: 'narrow' });
    adder = h('div', { class: 'map-add' }, name, button(`Add to ${label.toLowerCase()}`, () => {
      const key = name.value.trim();
      if (key && !(key in map)) onChange({ ...map, [key]: defaultValue });
    }, { class: 'small' }));
  } else if (remaining.length) {
    const pick = select(remaining, { 'aria-label': `${label}: field to add`, id: id && `${id}-pick`, 'data-keep': true });
    adder = h('div', { class: 'map-add' }, pick, button(`Add to ${label.toLowerCase()}`, () => onChange({ ...map, [pick.value]: defaultValue }), { class: 'small' }));
  }
  return h('fieldset', { class: 'map' }, h('legend', {}, label), rows.length ? rows : h('p', { class: 'muted' }, 'None yet.'), adder);
}
