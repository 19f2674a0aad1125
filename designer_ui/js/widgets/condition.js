// Condition editor: rows of [key] [comparison] [value], joined by "all" or "any".
// Produces the GraphQL-where shape: {key: {_op: value}}, {_and: [...]}, {_or: [...]}.
import { button, h, select } from '../dom.js';
import { expressionEditor } from './expression.js';

const OPS = [
  { value: '_eq', label: 'is equal to' },
  { value: '_neq', label: 'is not equal to' },
  { value: '_gt', label: 'is greater than' },
  { value: '_gte', label: 'is greater than or equal to' },
  { value: '_lt', label: 'is less than' },
  { value: '_lte', label: 'is less than or equal to' },
  { value: 'is_null', label: 'is null' },
  { value: 'is_not_null', label: 'is not null' },
  { value: '_in', label: 'is one of' },
  { value: '_nin', label: 'is none of' },
  { value: '_like', label: 'matches (like)' },
  { value: '_ilike', label: 'matches, any case' },
];

function rowFromPair(key, op, value) {
  if (op === '_is_null') return { key, op: value === false ? 'is_not_null' : 'is_null', value: null };
  return { key, op, value };
}

// null when the expression has a shape the row editor cannot show (nested groups, relationship filters).
export function parseCondition(cond) {
  if (!cond || Object.keys(cond).length === 0) return { mode: 'and', rows: [] };
  const keys = Object.keys(cond);
  if (keys.length === 1 && (keys[0] === '_and' || keys[0] === '_or')) {
    const rows = [];
    for (const part of cond[keys[0]] || []) {
      const parsed = parseCondition(part);
      if (!parsed || (parsed.rows.length > 1 && parsed.mode !== 'and') || parsed.nested) return null;
      if (parsed.rows.length > 1 && keys[0] === '_or') return null;
      rows.push(...parsed.rows);
    }
    return { mode: keys[0] === '_and' ? 'and' : 'or', rows };
  }
  const rows = [];
  for (const key of keys) {
    if (key.startsWith('_')) return null;
    const comparisons = cond[key];
    if (!comparisons || typeof comparisons !== 'object' || Array.isArray(comparisons)) return null;
    for (const [op, value] of Object.entries(comparisons)) {
      if (!op.startsWith('_')) return null;
      rows.push(rowFromPair(key, op, value));
    }
  }
  return { mode: 'and', rows };
}

function rowToExp(row) {
  if (row.op === 'is_null') return { [row.key]: { _is_null: true } };
  if (row.op === 'is_not_null') return { [row.key]: { _is_null: false } };
  return { [row.key]: { [row.op]: row.value } };
}

export function serializeCondition({ mode, rows }) {
  const complete = rows.filter((r) => r.key);
  if (complete.length === 0) return {};
  if (complete.length === 1) return rowToExp(complete[0]);
  return { [mode === 'or' ? '_or' : '_and']: complete.map(rowToExp) };
}

// keys: [{value, label, group?}] left-hand sides; refs: value picker options.
export function conditionEditor({ label, value, keys, refs, onChange, id }) {
  const parsed = parseCondition(value);
  if (!parsed) return jsonFallback({ label, value, onChange, id });
  const state = parsed;
  const commit = () => onChange(serializeCondition(state));
  const rows = state.rows.map((row, index) => {
    const n = index + 1;
    const keyOptions = [...keys];
    if (row.key && !keyOptions.some((k) => k.value === row.key)) keyOptions.unshift({ value: row.key, label: `${row.key} (unknown)` });
    const valueEditor = row.op === 'is_null' || row.op === 'is_not_null'
      ? null
      : expressionEditor({
        label: `${label} ${n} value`,
        value: row.value,
        refs,
        id: id && `${id}-v${n}`,
        onChange: (v) => { row.value = v; commit(); },
      });
    return h('div', { class: 'cond-row', role: 'group', 'aria-label': `${label} ${n}` },
      select(keyOptions, { 'aria-label': `${label} ${n} field`, id: id && `${id}-k${n}`, value: row.key, onChange: (e) => { row.key = e.target.value; commit(); } }),
      select(OPS, { 'aria-label': `${label} ${n} comparison`, id: id && `${id}-o${n}`, value: row.op, onChange: (e) => { row.op = e.target.value; commit(); } }),
      valueEditor,
      button('✕', () => { state.rows.splice(index, 1); commit(); }, { class: 'icon', 'aria-label': `Remove ${label} ${n}` }));
  });
  const mode = state.rows.length > 1
    ? select([{ value: 'and', label: 'All of these hold (AND)' }, { value: 'or', label: 'Any of these holds (OR)' }], {
      'aria-label': `${label} combine`, value: state.mode, onChange: (e) => { state.mode = e.target.value; commit(); },
    })
    : null;
  return h('div', { class: 'cond', role: 'group', 'aria-label': `${label} conditions` },
    mode,
    rows.length ? rows : h('p', { class: 'muted' }, 'No condition: every row / always.'),
    button(`Add ${label.toLowerCase()}`, () => {
      state.rows.push({ key: keys.length ? keys[0].value : '', op: '_eq', value: null });
      commit();
    }, { class: 'small', id: id && `${id}-add` }));
}

function jsonFallback({ label, value, onChange, id }) {
  const area = h('textarea', { 'aria-label': `${label} (JSON)`, id, rows: 4, spellcheck: 'false' });
  area.value = JSON.stringify(value, null, 1);
  area.addEventListener('change', () => {
    try { onChange(JSON.parse(area.value)); area.removeAttribute('aria-invalid'); } catch { area.setAttribute('aria-invalid', 'true'); }
  });
  return h('div', { class: 'cond' }, h('p', { class: 'muted' }, 'This condition has nested groups; edit it as JSON.'), area);
}
