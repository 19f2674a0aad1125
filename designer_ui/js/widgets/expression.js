// A value: typed literal, a reference picked from a list, or a formula (JSON), never typed as a path.
import { h, select } from '../dom.js';

export const KINDS = [
  { value: 'text', label: 'Text' },
  { value: 'number', label: 'Number' },
  { value: 'bool', label: 'Yes / No' },
  { value: 'ref', label: 'Data (pick)' },
  { value: 'empty', label: 'Empty' },
  { value: 'json', label: 'Formula (JSON)' },
];

export const isRef = (v) => v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && typeof v.ref === 'string';

export function kindOf(value) {
  if (value === null || value === undefined) return 'empty';
  if (isRef(value)) return 'ref';
  if (typeof value === 'string') return 'text';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'bool';
  return 'json';
}

function initial(kind, value, refs) {
  switch (kind) {
    case 'text': return typeof value === 'number' ? String(value) : '';
    case 'number': return 0;
    case 'bool': return true;
    case 'ref': return { ref: refs.length ? refs[0].value : '' };
    case 'json': return asFormula(value);
    default: return null;
  }
}

// The current value written as a formula, so "Formula" can be picked from any source and
// starts from what was there: a literal stays itself inside {"literal": …} (a bare string
// would read back as Text), a reference becomes coalesce(ref) (the same value).
export function asFormula(value) {
  if (value === null || value === undefined) return { literal: null };
  if (kindOf(value) === 'json') return value;
  if (isRef(value)) return { coalesce: [value] };
  return { literal: value };
}

export function expressionEditor({ label, value, refs = [], onChange, id, kinds }) {
  const kind = kindOf(value);
  const allowed = KINDS.filter((k) => !kinds || kinds.includes(k.value) || k.value === kind);
  const kindSelect = select(allowed, {
    value: kind,
    'aria-label': `${label} source`,
    id: id ? `${id}-kind` : undefined,
    class: 'expr-kind',
    onChange: (e) => onChange(initial(e.target.value, value, refs)),
  });
  return h('div', { class: 'expr' }, kindSelect, valueControl(kind, { label, value, refs, onChange, id }));
}

function valueControl(kind, { label, value, refs, onChange, id }) {
  const common = { 'aria-label': label, id, class: 'expr-value' };
  if (kind === 'text') return h('input', { ...common, type: 'text', value, onChange: (e) => onChange(e.target.value) });
  if (kind === 'number') {
    return h('input', { ...common, type: 'number', step: 'any', value: String(value), onChange: (e) => onChange(e.target.value === '' ? null : Number(e.target.value)) });
  }
  if (kind === 'bool') {
    return select([{ value: 'true', label: 'true' }, { value: 'false', label: 'false' }], { ...common, value: String(value), onChange: (e) => onChange(e.target.value === 'true') });
  }
  if (kind === 'ref') {
    const options = [...refs];
    if (value.ref && !options.some((o) => o.value === value.ref)) options.unshift({ value: value.ref, label: `${value.ref} (not available here)` });
    if (!options.length) return h('span', { class: 'muted' }, 'Nothing to pick here yet');
    return select(options, { ...common, value: value.ref, onChange: (e) => onChange({ ref: e.target.value }) });
  }
  if (kind === 'json') {
    const area = h('textarea', { ...common, rows: 2, spellcheck: 'false' });
    area.value = JSON.stringify(value);
    area.addEventListener('change', () => {
      try {
        const parsed = JSON.parse(area.value);
        // A bare scalar stays a formula ({"literal": …}); a bare {"ref": …} shows as Data (pick).
        onChange(parsed !== null && typeof parsed === 'object' ? parsed : { literal: parsed });
        area.removeAttribute('aria-invalid');
      } catch {
        area.setAttribute('aria-invalid', 'true');
        area.title = 'Not valid JSON';
      }
    });
    return area;
  }
  return h('span', { class: 'muted' }, '(empty)');
}
