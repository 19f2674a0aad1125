// Node properties generated from the node type's JSON schema, with pickers for
// tables, fields, inputs, variables and earlier nodes' outputs.
import { button, field, h, idFor, input, select, toast } from '../dom.js';
import { newId } from '../ids.js';
import { columnsOf, filterScope, flowById, flowOptions, locateNode, tableById, tableOptions, writableColumns } from '../model.js';
import { flowRefsForNode } from '../refs.js';
import { conditionEditor } from '../widgets/condition.js';
import { mapEditor } from '../widgets/map_editor.js';
import { schemaForm } from '../widgets/schema_form.js';

const NUMERIC = ['bigint', 'decimal'];

// A new node of each type, with the fields its model requires.
function newNode(def, flow, type, name) {
  const id = newId(def, name, '', 'node');
  const base = { id, name, description: '', type };
  const table = ''; // asked for: a guess (the first table) is a wrong write waiting to happen
  const branchId = (n) => newId(def, `${name}_${n}`, '', 'branch');
  switch (type) {
    case 'condition': return { ...base, branches: [{ id: branchId('branch_1'), name: 'Branch 1', condition: {}, nodes: [] }, { id: branchId('otherwise'), name: 'Otherwise', condition: null, nodes: [] }] };
    case 'query': return { ...base, table, filter: {}, order_by: [], limit: null, one: false, lock: 'none' };
    case 'insert': return { ...base, table, values: {}, on_conflict: null };
    case 'update': return { ...base, table, filter: {}, set: {}, increment: {}, decrement: {} };
    case 'delete': return { ...base, table, filter: {} };
    case 'set_variable': return { ...base, assignments: flow.variables.length ? { [flow.variables[0].name]: null } : {} };
    case 'loop': return { ...base, over: null, max_iterations: 1000, nodes: [] };
    case 'run_actionflow': return { ...base, actionflow: (def.actionflows.find((f) => f.id !== flow.id) || {}).id || '', args: {} };
    case 'raise_error': return { ...base, message: 'Something went wrong' };
    case 'call_api': return { ...base, method: 'POST', url: 'https://', headers: {}, query: {}, body_type: 'json', body: {}, mode: 'after_commit', timeout_ms: 10000, retries: 3, response_schema: {} };
    case 'run_code': return { ...base, code: "const quantity = context.getArg('quantity');\ncontext.setResult({ total: quantity * 2 });", args: {}, outputs: { total: 'decimal' }, timeout_ms: 1000, memory_mb: 64, gql_role: 'caller' };
    default: return base;
  }
}

export function addNodePanel(ctx, flow, target, targetList) {
  const { store, ui, def } = ctx;
  const types = store.registry.node_types;
  const type = h('select', { 'aria-label': 'Node type', id: 'add-node-type', 'data-keep': true }, types.map((t) => h('option', { value: t.type }, t.label)));
  const name = input({ 'aria-label': 'Node name', id: 'add-node-name', 'data-keep': true, placeholder: 'e.g. Update Product Stock' });
  const describe = h('p', { class: 'hint' }, types[0].description);
  type.addEventListener('change', () => { describe.textContent = (types.find((t) => t.type === type.value) || {}).description || ''; });
  const add = () => {
    const label = (types.find((t) => t.type === type.value) || {}).label || type.value;
    const node = newNode(def, flow, type.value, name.value.trim() || label);
    const list = targetList(flow, target);
    if (!list) { toast('That place no longer exists.', 'error'); return; }
    store.change(() => list.splice(Math.min(target.index, list.length), 0, node));
    Object.assign(ui, { node: node.id, insert: null, panel: 'node' });
    ctx.refresh();
  };
  name.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); add(); } });
  return h('div', { class: 'panel-body' }, h('h3', {}, 'Add a node'), field('Node type', type), describe, field('Node name', name),
    h('div', { class: 'form-row' }, button('Add node', add, { class: 'primary', id: 'add-node-confirm' }), button('Cancel', () => { ui.insert = null; ui.panel = 'flow'; ctx.refresh(); })));
}

// ------------------------------------------------------------ summaries

export function nodeSummary(ctx, node) {
  const def = ctx.store.def;
  const table = node.table ? (tableById(def, node.table) || { name: '?' }).name : '';
  const keys = (o) => Object.keys(o || {}).join(', ');
  switch (node.type) {
    case 'query': return `from ${table}${Object.keys(node.filter || {}).length ? ' where …' : ''}${node.one ? ' (one row)' : ''}`;
    case 'insert': return `into ${table}: ${keys(node.values) || 'no values'}`;
    case 'update': return `${table}${Object.keys(node.filter || {}).length ? ' where …' : ' (every row!)'}: ${[keys(node.set), keys(node.increment) && `+${keys(node.increment)}`, keys(node.decrement) && `−${keys(node.decrement)}`].filter(Boolean).join(' ') || 'nothing set'}`;
    case 'delete': return `from ${table}`;
    case 'set_variable': return `set ${keys(node.assignments)}`;
    case 'run_actionflow': return `run ${(flowById(def, node.actionflow) || { name: '?' }).name}`;
    case 'raise_error': return 'abort and roll back';
    case 'get_current_account': return 'account_id, username';
    case 'call_api': return `${node.method} ${typeof node.url === 'string' ? node.url : '(computed URL)'} — ${node.mode === 'inline' ? 'inline, inside the transaction' : 'after commit'}`;
    case 'run_code': return `JavaScript → ${keys(node.outputs) || 'result'}`;
    default: return '';
  }
}

// ------------------------------------------------------------ node form

function orderByEditor({ value, columns, onChange, id }) {
  const list = value || [];
  return h('fieldset', { class: 'map' }, h('legend', {}, 'Sort'),
    list.map((o, i) => h('div', { class: 'map-row' },
      h('select', { 'aria-label': `Sort ${i + 1} field`, id: `${id}-f${i}`, value: o.field, onChange: (e) => { const n = [...list]; n[i] = { ...o, field: e.target.value }; onChange(n); } }, columns.map((c) => h('option', { value: c.name }, c.name))),
      h('select', { 'aria-label': `Sort ${i + 1} direction`, id: `${id}-d${i}`, value: o.direction || 'asc', onChange: (e) => { const n = [...list]; n[i] = { ...o, direction: e.target.value }; onChange(n); } }, h('option', { value: 'asc' }, 'ascending'), h('option', { value: 'desc' }, 'descending')),
      button('✕', () => onChange(list.filter((_, j) => j !== i)), { class: 'icon', 'aria-label': `Remove sort ${i + 1}` }))),
    button('Add sort', () => onChange([...list, { field: 'id', direction: 'asc' }]), { class: 'small' }));
}

export { orderByEditor };

function branchesEditor(ctx, flow, node, refs) {
  const { store } = ctx;
  const branches = node.branches || [];
  return h('fieldset', { class: 'branches-editor' }, h('legend', {}, 'Branches (the first whose condition holds runs)'),
    branches.map((b, i) => {
      const otherwise = b.condition === null || b.condition === undefined;
      const name = input({ 'aria-label': `Branch ${i + 1} name`, id: idFor('br', b.id, 'name'), value: b.name });
      name.addEventListener('change', () => store.change(() => { b.name = name.value.trim() || b.name; }));
      return h('div', { class: 'branch-form card' },
        h('div', { class: 'form-row' }, field(`Branch ${i + 1} name`, name),
          h('label', { class: 'check' }, h('input', { type: 'checkbox', checked: otherwise, 'aria-label': `Branch ${i + 1} is otherwise`, id: idFor('br', b.id, 'otherwise'), onChange: (e) => store.change(() => { b.condition = e.target.checked ? null : {}; }) }), 'Otherwise'),
          button('↑', () => store.change(() => { const [x] = branches.splice(i, 1); branches.splice(Math.max(0, i - 1), 0, x); }), { class: 'icon', 'aria-label': `Move branch ${b.name} up`, disabled: i === 0 }),
          button('✕', () => store.change(() => branches.splice(i, 1)), { class: 'icon danger', 'aria-label': `Delete branch ${b.name}`, disabled: branches.length === 1 })),
        otherwise ? h('p', { class: 'muted' }, 'Runs when no branch above matches.') : conditionEditor({
          label: `Condition ${i + 1}`, value: b.condition, keys: refs, refs, id: idFor('br', b.id, 'cond'),
          onChange: (v) => store.change(() => { b.condition = v; }),
        }));
    }),
    button('Add branch', () => store.change((d) => {
      const n = branches.length + 1;
      const last = branches[branches.length - 1];
      const fresh = { id: newId(d, `${node.id}_branch_${n}`, '', 'branch'), name: `Branch ${n}`, condition: {}, nodes: [] };
      if (last && (last.condition === null || last.condition === undefined)) branches.splice(branches.length - 1, 0, fresh); else branches.push(fresh);
    }), { class: 'small', id: 'add-branch' }));
}

// Why the mode matters, next to the choice (the validator adds a warning for inline calls).
function callModeHint(node) {
  return node.mode === 'inline'
    ? h('p', { class: 'hint warning', id: 'call-mode-hint' }, 'Inline: the call happens inside the flow\'s transaction, which stays open (and keeps its rows locked) until the answer arrives. Later nodes can use the answer. Avoid it on busy tables.')
    : h('p', { class: 'hint', id: 'call-mode-hint' }, 'After commit: the request is queued in the flow\'s transaction and sent once the flow has committed, retried with backoff; never sent when the flow rolls back. Use it to charge a card or send an email. Secrets: write {{secret:name}} in a value.');
}

export function nodePanel(ctx, flow, nodeId) {
  const { store, def } = ctx;
  const found = locateNode(flow.nodes, nodeId);
  if (!found) return h('p', { class: 'muted' }, 'Select a node in the flowchart.');
  const node = found.node;
  const entry = store.registry.node_types.find((t) => t.type === node.type);
  const refs = flowRefsForNode(def, store.registry, flow, node.id);
  const columns = columnsOf(def, node.table);
  const writable = writableColumns(def, node.table).map((c) => ({ value: c.name, label: c.name }));
  // Increase / Decrease by: numbers only, and never a foreign key.
  const numeric = writableColumns(def, node.table).filter((c) => NUMERIC.includes(c.type) && !c.foreignKey).map((c) => ({ value: c.name, label: c.name }));
  const set = (prop, value) => store.change(() => { node[prop] = value; });
  const idBase = idFor('node', node.id);
  const overrides = {
    table: ({ value, label, id }) => field(label, h('select', {
      id, 'aria-label': label, value, 'aria-invalid': value ? null : 'true',
      onChange: (e) => store.change(() => {
        node.table = e.target.value;
        // The old table's columns mean nothing on the new one.
        for (const key of ['filter', 'values', 'set', 'increment', 'decrement']) if (key in node) node[key] = {};
        if ('order_by' in node) node.order_by = [];
      }),
    }, value ? null : h('option', { value: '' }, '(choose a table)'), tableOptions(def).map((o) => h('option', { value: o.value }, o.label)))),
    filter: ({ value }) => h('div', { class: 'field' }, h('span', { class: 'field-label' }, 'Filter'), conditionEditor({
      label: 'Filter', value, ...filterScope(def, node.table), refs, id: `${idBase}-filter`, onChange: (v) => set('filter', v),
    })),
    order_by: ({ value }) => orderByEditor({ value, columns, onChange: (v) => set('order_by', v), id: `${idBase}-order` }),
    values: ({ value }) => mapEditor({ label: 'Values', value, keys: writable, refs, id: `${idBase}-values`, onChange: (v) => set('values', v) }),
    set: ({ value }) => mapEditor({ label: 'Set to', value, keys: writable, refs, id: `${idBase}-set`, onChange: (v) => set('set', v) }),
    increment: ({ value }) => mapEditor({ label: 'Increase by', value, keys: numeric, refs, id: `${idBase}-inc`, onChange: (v) => set('increment', v) }),
    decrement: ({ value }) => mapEditor({ label: 'Decrease by', value, keys: numeric, refs, id: `${idBase}-dec`, onChange: (v) => set('decrement', v) }),
    assignments: ({ value }) => mapEditor({ label: 'Assignments', value, keys: (flow.variables || []).map((v) => ({ value: v.name, label: v.name })), refs, id: `${idBase}-assign`, onChange: (v) => set('assignments', v) }),
    actionflow: ({ value, label, id }) => field(label, h('select', { id, 'aria-label': label, value, onChange: (e) => set('actionflow', e.target.value) }, flowOptions(def).filter((o) => o.value !== flow.id).map((o) => h('option', { value: o.value }, o.label)))),
    headers: ({ value }) => mapEditor({ label: 'Headers', value, keys: null, refs, id: `${idBase}-headers`, freeKeys: true, defaultValue: '', onChange: (v) => set('headers', v) }),
    query: ({ value }) => mapEditor({ label: 'Query', value, keys: null, refs, id: `${idBase}-query`, freeKeys: true, defaultValue: '', onChange: (v) => set('query', v) }),
    body: ({ value }) => mapEditor({ label: 'Body', value, keys: null, refs, id: `${idBase}-body`, freeKeys: true, onChange: (v) => set('body', v) }),
    code: ({ value, label, id }) => {
      const area = h('textarea', { id, 'aria-label': label, rows: 8, spellcheck: 'false', class: 'code' });
      area.value = value || '';
      area.addEventListener('change', () => set('code', area.value));
      return field(label, area, 'The body of an async function: context.getArg(name), context.setResult(value), context.log(...), await context.runGql(query, variables).');
    },
    args: ({ value }) => {
      if (node.type === 'run_code') return mapEditor({ label: 'Arguments', value, keys: null, refs, id: `${idBase}-args`, freeKeys: true, onChange: (v) => set('args', v) });
      const target = flowById(def, node.actionflow);
      return mapEditor({ label: 'Arguments', value, keys: ((target && target.inputs) || []).map((i) => ({ value: i.name, label: i.name })), refs, id: `${idBase}-args`, onChange: (v) => set('args', v) });
    },
  };
  const nameInput = input({ 'aria-label': 'Node name', id: `${idBase}-name`, value: node.name });
  nameInput.addEventListener('change', () => store.change(() => { node.name = nameInput.value.trim() || node.name; }));
  const problems = store.problemsFor((loc) => loc.actionflow === flow.id && loc.node === node.id);
  return h('div', { class: 'panel-body' },
    h('h3', {}, entry ? entry.label : node.type),
    entry && entry.description ? h('p', { class: 'hint' }, entry.description) : null,
    problems.length ? h('ul', { class: 'inline-problems', 'aria-label': 'Problems of this node' }, problems.map((p) => h('li', { class: `problem problem-${p.severity}` }, p.message))) : null,
    field('Name', nameInput),
    h('p', { class: 'muted small-text' }, `id: ${node.id} — later nodes use its outputs as ${node.name} → …`),
    node.type === 'condition' ? branchesEditor(ctx, flow, node, refs) : null,
    node.type === 'call_api' ? callModeHint(node) : null,
    entry ? schemaForm({ schema: entry.schema, value: node, skip: ['id', 'type', 'name', 'branches', 'nodes'], overrides, refs, idBase, onChange: set }) : null);
}
