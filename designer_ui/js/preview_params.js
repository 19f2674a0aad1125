// Page parameters in the Preview bar: a typed input per parameter of the chosen page
// (`ticket_id: bigint` → a number box), so a detail page opens on a row the builder names.
// Values travel in the query string, as the app's own links do (`/ticket?ticket_id=7`).
import { field, h, select } from './dom.js';

const INPUT_TYPES = { bigint: 'number', decimal: 'number', date: 'date', timestamptz: 'datetime-local', text: 'text' };

// One control for a parameter of `type`; `onChange(text)` gets the value as the URL carries it.
function control(param, value, onChange) {
  const label = `Parameter ${param.name}${param.required ? ' (required)' : ''}`;
  const id = `sim-param-${param.name}`;
  if (param.type === 'boolean') {
    return select([{ value: '', label: '—' }, { value: 'true', label: 'true' }, { value: 'false', label: 'false' }],
      { 'aria-label': label, id, value: value || '', onChange: (e) => onChange(e.target.value) });
  }
  const attrs = { type: INPUT_TYPES[param.type] || 'text', 'aria-label': label, id, class: 'narrow', value: value || '', required: Boolean(param.required) };
  if (param.type === 'bigint') attrs.step = '1';
  if (param.type === 'decimal') attrs.step = 'any';
  return h('input', { ...attrs, onInput: (e) => onChange(e.target.value), onChange: (e) => onChange(e.target.value) });
}

// The inputs of `page`'s parameters (empty when it has none); `values` is {name: text}.
export function paramFields(page, values, onChange) {
  return ((page && page.params) || []).map((p) => field(`${p.name} (${p.type || 'bigint'})`,
    control({ ...p, type: p.type || 'bigint' }, values[p.name], (text) => onChange(p.name, text))));
}

// `url` with the page's parameters that have a value, in the query string.
export function withParams(url, page, values) {
  const query = new URLSearchParams();
  for (const p of (page && page.params) || []) if (values[p.name] !== undefined && values[p.name] !== '') query.set(p.name, values[p.name]);
  const text = query.toString();
  return text ? `${url}?${text}` : url;
}

// The parameter values the app shows in its address (after a link with parameters inside the app).
export function paramsFromLocation(page, search) {
  const query = new URLSearchParams(search);
  const out = {};
  for (const p of (page && page.params) || []) if (query.has(p.name)) out[p.name] = query.get(p.name);
  return out;
}
