// The visual condition editor: groups of rows [field] [comparison] [value], joined by
// "all" (AND) or "any" (OR), optionally negated (NOT), nested to any depth, plus
// relationship filters ("order → product where …") and totals of related records
// ("product → orders: count > 2", "sum of quantity ≥ 10") on tables.
// It reads and writes the GraphQL-where shape: {key: {_op: value}}, {_and: [...]},
// {_or: [...]}, {_not: {...}}, {relationship: {...}},
// {<relationship>_aggregate: {count | sum | avg | min | max: {arguments, filter, predicate}}}.
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
  { value: '_nlike', label: 'does not match (like)' },
  { value: '_nilike', label: 'does not match, any case' },
];
// Text searches of page list filters (any case; the runtime escapes % and _ of the visitor's text).
const SEARCH_OPS = [
  { value: '_contains', label: 'contains (any case)' },
  { value: '_starts_with', label: 'starts with (any case)' },
  { value: '_ends_with', label: 'ends with (any case)' },
];
const IGNORE_EMPTY = '_ignore_empty';
const LOGICAL = ['_and', '_or', '_not'];
const NO_SCOPE = { keys: [], relations: [], totals: [] };
// Totals of related records (aggregation predicates) and the comparisons they take.
const TOTAL_FNS = [
  { value: 'count', label: 'number of related records' },
  { value: 'sum', label: 'sum of' },
  { value: 'avg', label: 'average of' },
  { value: 'min', label: 'smallest' },
  { value: 'max', label: 'largest' },
];
const NUMBER_OPS = ['_eq', '_neq', '_gt', '_gte', '_lt', '_lte'];
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

// ------------------------------------------------------------ parse: expression -> tree

function rowFromPair(key, op, value) {
  if (op === '_is_null') return { type: 'row', key, op: value === false ? 'is_not_null' : 'is_null', value: null };
  return { type: 'row', key, op, value };
}

function relationOf(scope, key) {
  return (scope.relations || []).find((r) => r.value === key);
}

function totalOf(scope, key) {
  return (scope.totals || []).find((t) => t.value === key);
}

// One total: {type: 'agg', key, fn, column, filter: group, op, value}; anything else stays raw.
function parseTotal(key, value, scope) {
  const total = totalOf(scope, key);
  if (!total || !isObject(value) || !Object.keys(value).length) return [{ type: 'raw', key, value }];
  return Object.entries(value).map(([fn, body]) => {
    const predicate = isObject(body) && isObject(body.predicate) ? Object.entries(body.predicate) : [];
    // count of distinct values (`arguments`, `distinct`) has no row form: it stays as written
    const known = isObject(body) && Object.keys(body).every((k) => (fn === 'count' ? ['filter', 'predicate'] : ['arguments', 'filter', 'predicate']).includes(k));
    if (!TOTAL_FNS.some((f) => f.value === fn) || !known || predicate.length !== 1 || !NUMBER_OPS.includes(predicate[0][0])) {
      return { type: 'raw', key, value: { [fn]: body } };
    }
    const column = Array.isArray(body.arguments) ? body.arguments[0] : body.arguments || null;
    return { type: 'agg', key, fn, column: fn === 'count' ? null : column, filter: parseGroup(body.filter || {}, total.scope()), op: predicate[0][0], value: predicate[0][1] };
  });
}

function parseKey(key, value, scope) {
  if (LOGICAL.includes(key)) return [parseGroup({ [key]: value }, scope)];
  if (totalOf(scope, key)) return parseTotal(key, value, scope);
  const relation = relationOf(scope, key);
  if (relation || (isObject(value) && Object.keys(value).some((k) => !k.startsWith('_')))) {
    return [{ type: 'rel', key, group: parseGroup(value, relation ? relation.scope() : NO_SCOPE) }];
  }
  if (!isObject(value)) return [{ type: 'raw', key, value }];
  const ops = Object.entries(value).filter(([op]) => op !== IGNORE_EMPTY);
  const rows = ops.length ? ops.map(([op, v]) => rowFromPair(key, op, v)) : [{ type: 'row', key, op: '_eq', value: null }];
  if (IGNORE_EMPTY in value) for (const row of rows) row.ignoreEmpty = value[IGNORE_EMPTY];
  return rows;
}

// A group: {type: 'group', mode: 'and' | 'or', not, items: [row | rel | group | raw]}.
export function parseGroup(exp, scope = NO_SCOPE) {
  if (!isObject(exp)) return { type: 'group', mode: 'and', not: false, items: exp === null || exp === undefined ? [] : [{ type: 'raw', key: null, value: exp }] };
  const keys = Object.keys(exp);
  if (keys.length === 1 && (keys[0] === '_and' || keys[0] === '_or') && Array.isArray(exp[keys[0]])) {
    return { type: 'group', mode: keys[0] === '_and' ? 'and' : 'or', not: false, items: exp[keys[0]].map((part) => parseItem(part, scope)) };
  }
  if (keys.length === 1 && keys[0] === '_not') {
    const inner = parseGroup(exp._not, scope);
    if (!inner.not) return { ...inner, not: true };
    return { type: 'group', mode: 'and', not: true, items: [inner] };
  }
  return { type: 'group', mode: 'and', not: false, items: keys.flatMap((k) => parseKey(k, exp[k], scope)) };
}

// An element of an _and / _or list: an explicit group stays a group, a plain comparison is a row.
function parseItem(exp, scope) {
  const group = parseGroup(exp, scope);
  const explicit = isObject(exp) && Object.keys(exp).length === 1 && LOGICAL.includes(Object.keys(exp)[0]);
  if (!explicit && group.items.length === 1) return group.items[0];
  return group;
}

// ------------------------------------------------------------ serialize: tree -> expression

function rowToExp(row) {
  if (row.op === 'is_null') return { [row.key]: { _is_null: true } };
  if (row.op === 'is_not_null') return { [row.key]: { _is_null: false } };
  const comparison = { [row.op]: row.value };
  if (row.ignoreEmpty !== undefined) comparison[IGNORE_EMPTY] = row.ignoreEmpty;
  return { [row.key]: comparison };
}

// "Ignore when empty" when the flag is not written: on for values read from an input.
const readsInput = (value) => Boolean(value && typeof value === 'object' && typeof value.ref === 'string' && value.ref.startsWith('component.'));

function totalToExp(item) {
  const body = {};
  if (item.fn !== 'count') body.arguments = item.column;
  const filter = groupToExp(item.filter, true);
  if (Object.keys(filter).length) body.filter = filter;
  body.predicate = { [item.op]: item.value };
  return { [item.key]: { [item.fn]: body } };
}

function itemToExp(item) {
  if (item.type === 'group') return groupToExp(item, false);
  if (item.type === 'agg') return totalToExp(item);
  if (item.type === 'rel') return item.key ? { [item.key]: groupToExp(item.group, true) } : undefined;
  if (item.type === 'raw') return item.key === null ? item.value : { [item.key]: item.value };
  return item.key ? rowToExp(item) : undefined;
}

// The outermost group (of the condition or of a relationship) writes a single comparison
// plainly; nested groups always keep their _and / _or so they stay groups when read back.
export function groupToExp(group, outermost = true) {
  const parts = group.items.map(itemToExp).filter((e) => e !== undefined);
  if (!outermost && parts.length === 0) return undefined; // an emptied group disappears
  let exp;
  if (outermost && parts.length === 1 && group.items[0].type !== 'group') exp = parts[0];
  else if (outermost && parts.length === 0) exp = {};
  else exp = { [group.mode === 'or' ? '_or' : '_and']: parts };
  return group.not ? { _not: exp } : exp;
}

// ------------------------------------------------------------ the editor

function keyOptions(scope, key) {
  const options = [...(scope.keys || []), ...(scope.relations || []).map((r) => ({ value: r.value, label: `${r.label || r.value} (related)`, group: 'Related records' })),
    ...(scope.totals || []).map((t) => ({ value: t.value, label: `${t.label} (totals)`, group: 'Totals of related records' }))];
  if (key && !options.some((k) => k.value === key)) options.unshift({ value: key, label: `${key} (unknown)` });
  return options;
}

function newRow(scope) {
  const first = (scope.keys || [])[0];
  return { type: 'row', key: first ? first.value : '', op: '_eq', value: null };
}

class Editor {
  constructor({ label, refs, onChange, id, search }, root) {
    Object.assign(this, { label, refs, onChange, id, root, search });
  }

  commit() { this.onChange(groupToExp(this.root, true)); }

  name(path) { return path.length ? `${this.label} ${path.join('.')}` : this.label; }

  domId(path, suffix) { return this.id && `${this.id}-${path.length ? path.join('_') : 'top'}${suffix}`; }

  group(group, path, scope, { nested, onRemove }) {
    const name = this.name(path);
    const items = group.items.map((item, i) => this.item(group, item, [...path, i + 1], scope));
    const combine = group.items.length > 1
      ? select([{ value: 'and', label: 'All of these hold (AND)' }, { value: 'or', label: 'Any of these holds (OR)' }], {
        'aria-label': `${name} combine`, id: this.domId(path, '-mode'), value: group.mode, onChange: (e) => { group.mode = e.target.value; this.commit(); },
      })
      : null;
    const negate = group.items.length > 1 || (nested && group.items.length) || group.not
      ? h('label', { class: 'check' }, h('input', {
        type: 'checkbox', checked: group.not, 'aria-label': `${name} negate (NOT)`, id: this.domId(path, '-not'), onChange: (e) => { group.not = e.target.checked; this.commit(); },
      }), 'Not (negate)')
      : null;
    const addRow = button(nested ? 'Add condition' : `Add ${this.label.toLowerCase()}`, () => { group.items.push(newRow(scope)); this.commit(); },
      { class: 'small', id: this.domId(path, '-add'), 'aria-label': nested ? `Add condition to ${name}` : `Add ${this.label.toLowerCase()}` });
    const addGroup = button('Add group', () => {
      group.items.push({ type: 'group', mode: group.mode === 'and' ? 'or' : 'and', not: false, items: [newRow(scope)] });
      this.commit();
    }, { class: 'small', id: this.domId(path, '-addgroup'), 'aria-label': `Add group to ${name}` });
    const remove = onRemove ? button('✕', onRemove, { class: 'icon', 'aria-label': `Remove group ${name}` }) : null;
    const head = combine || negate || remove ? h('div', { class: 'cond-head' }, combine, negate, remove) : null;
    const empty = !items.length && !nested ? h('p', { class: 'muted' }, 'No condition: every row / always.') : null;
    return h('div', { class: nested ? 'cond cond-group' : 'cond', role: 'group', 'aria-label': nested ? `${name} group` : `${this.label} conditions` },
      head, items, empty, h('div', { class: 'cond-add' }, addRow, addGroup));
  }

  item(parent, item, path, scope) {
    const removeItem = () => { parent.items.splice(parent.items.indexOf(item), 1); this.commit(); };
    if (item.type === 'group') return this.group(item, path, scope, { nested: true, onRemove: removeItem });
    const name = this.name(path);
    if (item.type === 'raw') {
      return h('div', { class: 'cond-row', role: 'group', 'aria-label': name }, h('code', {}, JSON.stringify(item.key === null ? item.value : { [item.key]: item.value })),
        button('✕', removeItem, { class: 'icon', 'aria-label': `Remove ${name}` }));
    }
    const keySelect = select(keyOptions(scope, item.key), {
      'aria-label': `${name} field`, id: this.domId(path, '-k'), value: item.key,
      onChange: (e) => {
        const relation = relationOf(scope, e.target.value);
        const total = totalOf(scope, e.target.value);
        const index = parent.items.indexOf(item);
        if (total) parent.items[index] = { type: 'agg', key: e.target.value, fn: 'count', column: null, filter: parseGroup({}, total.scope()), op: '_gt', value: 0 };
        else if (relation) parent.items[index] = { type: 'rel', key: e.target.value, group: { type: 'group', mode: 'and', not: false, items: [newRow(relation.scope())] } };
        else parent.items[index] = { ...(item.type === 'row' ? item : { type: 'row', op: '_eq', value: null }), key: e.target.value };
        this.commit();
      },
    });
    const remove = button('✕', removeItem, { class: 'icon', 'aria-label': `Remove ${name}` });
    if (item.type === 'rel') {
      const relation = relationOf(scope, item.key);
      return h('div', { class: 'cond-rel', role: 'group', 'aria-label': name },
        h('div', { class: 'cond-row' }, keySelect, h('span', { class: 'muted' }, 'has a related record where'), remove),
        this.group(item.group, path, relation ? relation.scope() : NO_SCOPE, { nested: true, onRemove: null }));
    }
    if (item.type === 'agg') return this.total(item, path, name, keySelect, remove, totalOf(scope, item.key));
    const valueEditor = item.op === 'is_null' || item.op === 'is_not_null'
      ? null
      : expressionEditor({ label: `${name} value`, value: item.value, refs: this.refs, id: this.domId(path, '-v'), onChange: (v) => { item.value = v; this.commit(); } });
    const known = this.search ? [...OPS, ...SEARCH_OPS] : OPS;
    const ops = known.some((o) => o.value === item.op) ? known : [...known, { value: item.op, label: item.op }];
    const ignore = this.search && valueEditor
      ? h('label', { class: 'check' }, h('input', {
        type: 'checkbox', checked: item.ignoreEmpty ?? readsInput(item.value), 'aria-label': `${name} ignore when empty`, id: this.domId(path, '-ie'),
        onChange: (e) => { item.ignoreEmpty = e.target.checked; this.commit(); },
      }), 'Ignore when empty')
      : null;
    return h('div', { class: 'cond-row', role: 'group', 'aria-label': name },
      keySelect,
      select(ops, { 'aria-label': `${name} comparison`, id: this.domId(path, '-o'), value: item.op, onChange: (e) => { item.op = e.target.value; this.commit(); } }),
      valueEditor,
      ignore,
      remove);
  }

  // A total of related records: [field] [function] [number field] [comparison] [value], and the
  // related records it counts ("only related records where …", a nested group).
  total(item, path, name, keySelect, remove, spec) {
    const numbers = spec ? spec.numbers : [];
    const fns = numbers.length ? TOTAL_FNS : TOTAL_FNS.slice(0, 1);
    const fnSelect = select(fns.some((f) => f.value === item.fn) ? fns : [...fns, { value: item.fn, label: item.fn }], {
      'aria-label': `${name} total`, id: this.domId(path, '-fn'), value: item.fn,
      onChange: (e) => { item.fn = e.target.value; item.column = item.fn === 'count' ? null : (item.column || numbers[0] || null); this.commit(); },
    });
    const columnSelect = item.fn === 'count' ? null : select(numbers.map((n) => ({ value: n, label: n })), {
      'aria-label': `${name} total of field`, id: this.domId(path, '-col'), value: item.column || '',
      onChange: (e) => { item.column = e.target.value; this.commit(); },
    });
    const ops = OPS.filter((o) => NUMBER_OPS.includes(o.value));
    const opSelect = select(ops, { 'aria-label': `${name} comparison`, id: this.domId(path, '-o'), value: item.op, onChange: (e) => { item.op = e.target.value; this.commit(); } });
    const valueEditor = expressionEditor({ label: `${name} value`, value: item.value, refs: this.refs, id: this.domId(path, '-v'), onChange: (v) => { item.value = v; this.commit(); } });
    return h('div', { class: 'cond-rel', role: 'group', 'aria-label': name },
      h('div', { class: 'cond-row' }, keySelect, fnSelect, columnSelect, opSelect, valueEditor, remove),
      h('span', { class: 'muted' }, 'counting only related records where (none: all of them)'),
      this.group(item.filter, [...path, 'f'], spec ? spec.scope() : NO_SCOPE, { nested: true, onRemove: null }));
  }
}

// keys: [{value, label, group?}] left-hand sides (columns, or reference paths in flow and page
// conditions); relations: [{value, label, scope: () => ({keys, relations, totals})}] for table filters;
// totals: [{value: '<rel>_aggregate', label, numbers: [number fields], scope}] for table filters;
// refs: what values may refer to; search: a page list filter (text searches, "ignore when empty").
export function conditionEditor({ label, value, keys = [], relations = [], totals = [], refs, onChange, id, search = false }) {
  const scope = { keys, relations, totals };
  const root = parseGroup(value || {}, scope);
  const editor = new Editor({ label, refs, onChange, id, search }, root);
  return editor.group(root, [], scope, { nested: false, onRemove: null });
}
