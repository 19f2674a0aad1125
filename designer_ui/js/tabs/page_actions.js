// Action chains of component events: condition (branches), show toast, call actionflow
// (inputs bound, on success / on failure), set variable, navigate, login, logout, refresh.
import { button, field, h, idFor, input, select } from '../dom.js';
import { newId } from '../ids.js';
import { flowById, flowOptions, moveInList, pageById, tableOptions, walkComponents, writableColumns } from '../model.js';
import { isInput, pageRefs } from '../refs.js';
import { conditionEditor } from '../widgets/condition.js';
import { expressionEditor } from '../widgets/expression.js';
import { mapEditor } from '../widgets/map_editor.js';
import { schemaForm } from '../widgets/schema_form.js';

function newAction(def, type) {
  const id = newId(def, type, '', 'action');
  switch (type) {
    case 'condition': return { id, type, branches: [{ id: newId(def, `${id}_branch_1`), name: 'Branch 1', condition: {}, actions: [] }, { id: newId(def, `${id}_otherwise`), name: 'Otherwise', condition: null, actions: [] }] };
    case 'show_toast': return { id, type, message: '', level: 'info' };
    case 'call_actionflow': {
      const flow = def.actionflows[0];
      return { id, type, actionflow: flow ? flow.id : '', args: flow ? Object.fromEntries(flow.inputs.map((i) => [i.name, null])) : {}, on_success: [], on_failure: [] };
    }
    case 'set_variable': return { id, type, variable: '', value: null };
    case 'navigate': return { id, type, page: '', params: {} };
    case 'insert_row': return { id, type, table: '', values: {}, on_success: [], on_failure: [] };
    case 'update_row': return { id, type, table: '', row_id: null, values: {}, on_success: [], on_failure: [] };
    case 'delete_row': return { id, type, table: '', row_id: null, on_success: [], on_failure: [] };
    case 'set_input_value': return { id, type, component: '', value: null };
    case 'reset_inputs': return { id, type, components: [] };
    case 'refresh': return { id, type, component: null };
    default: return { id, type };
  }
}

// Drawing a chain never writes to the definition: an event gets its list with its first action
// and loses it with its last (``dropWhenEmpty``).
export function actionChain(ctx, page, found, actions, { label, scope, mutableList, dropWhenEmpty }) {
  const { store } = ctx;
  const list = actions || [];
  const types = store.registry.action_types;
  const cards = list.map((action, index) => actionCard(ctx, page, found, list, index, label, scope, dropWhenEmpty));
  const type = select(types.map((t) => ({ value: t.type, label: t.label })), { 'aria-label': `Action type for ${label}`, id: idFor('acttype', found.component.id, label), 'data-keep': true });
  return h('div', { class: 'chain action-chain', role: 'group', 'aria-label': `Actions of ${label}` }, cards,
    h('div', { class: 'map-add' }, type, button('Add action', () => store.change((d) => mutableList().push(newAction(d, type.value))), { class: 'small', 'aria-label': `Add action to ${label}` })));
}

function actionCard(ctx, page, found, list, index, chainLabel, scope, dropWhenEmpty) {
  const { store } = ctx;
  const action = list[index];
  const n = index + 1;
  const entry = store.registry.action_types.find((t) => t.type === action.type) || { label: action.type, schema: { properties: {} } };
  const refs = pageRefs(store.def, page, found.ancestors, scope);
  const set = (prop, v) => store.change(() => { action[prop] = v; });
  const idBase = idFor('act', action.id);
  let body;
  switch (action.type) {
    case 'condition':
      body = h('div', {}, action.branches.map((b, i) => {
        const otherwise = b.condition === null || b.condition === undefined;
        const name = input({ 'aria-label': `Branch ${i + 1} name`, id: idFor('ab', b.id, 'name'), value: b.name });
        name.addEventListener('change', () => store.change(() => { b.name = name.value.trim() || b.name; }));
        return h('div', { class: 'branch-form card' },
          h('div', { class: 'form-row' }, field(`Branch ${i + 1} name`, name),
            h('label', { class: 'check' }, h('input', { type: 'checkbox', checked: otherwise, 'aria-label': `Branch ${i + 1} is otherwise`, onChange: (e) => store.change(() => { b.condition = e.target.checked ? null : {}; }) }), 'Otherwise'),
            button('✕', () => store.change(() => action.branches.splice(i, 1)), { class: 'icon danger', 'aria-label': `Delete branch ${b.name}`, disabled: action.branches.length === 1 })),
          otherwise ? null : conditionEditor({ label: `Condition ${i + 1}`, value: b.condition, keys: refs, refs, id: idFor('ab', b.id, 'cond'), onChange: (v) => store.change(() => { b.condition = v; }) }),
          actionChain(ctx, page, found, b.actions, { label: `${chainLabel} › ${b.name}`, scope, mutableList: () => b.actions }));
      }), button('Add branch', () => store.change((d) => {
        const fresh = { id: newId(d, `${action.id}_branch`), name: `Branch ${action.branches.length + 1}`, condition: {}, actions: [] };
        const last = action.branches[action.branches.length - 1];
        if (last && (last.condition === null || last.condition === undefined)) action.branches.splice(action.branches.length - 1, 0, fresh); else action.branches.push(fresh);
      }), { class: 'small' }));
      break;
    case 'call_actionflow': {
      const flow = flowById(store.def, action.actionflow);
      body = h('div', {},
        field('Actionflow', select([{ value: '', label: '(choose)' }, ...flowOptions(store.def)], {
          'aria-label': 'Actionflow', id: `${idBase}-flow`, value: action.actionflow,
          onChange: (e) => store.change((d) => {
            action.actionflow = e.target.value;
            const f = flowById(d, e.target.value);
            action.args = f ? Object.fromEntries(f.inputs.map((i) => [i.name, action.args[i.name] ?? null])) : {};
          }),
        })),
        mapEditor({ label: 'Inputs', value: action.args, keys: ((flow && flow.inputs) || []).map((i) => ({ value: i.name, label: i.name })), refs, id: `${idBase}-args`, onChange: (v) => set('args', v) }),
        h('div', { class: 'sub-chain' }, h('h5', {}, 'On success'), actionChain(ctx, page, found, action.on_success, { label: `${chainLabel} › on success`, scope: { ...scope, result: action.actionflow, resultTable: null, error: false }, mutableList: () => action.on_success })),
        h('div', { class: 'sub-chain' }, h('h5', {}, 'On failure'), actionChain(ctx, page, found, action.on_failure, { label: `${chainLabel} › on failure`, scope: { ...scope, result: null, error: true }, mutableList: () => action.on_failure })));
      break;
    }
    case 'show_toast':
      body = h('div', {},
        h('div', { class: 'field' }, h('span', { class: 'field-label' }, 'Message'), expressionEditor({ label: 'Message', value: action.message, refs, id: `${idBase}-msg`, onChange: (v) => set('message', v) })),
        field('Level', select(['info', 'success', 'error'], { 'aria-label': 'Level', id: `${idBase}-level`, value: action.level || 'info', onChange: (e) => set('level', e.target.value) })));
      break;
    case 'set_variable':
      body = h('div', {},
        field('Variable', select([{ value: '', label: '(choose)' }, ...(page.variables || []).map((v) => ({ value: v.name, label: v.name }))], { 'aria-label': 'Variable', id: `${idBase}-var`, value: action.variable, onChange: (e) => set('variable', e.target.value) })),
        h('div', { class: 'field' }, h('span', { class: 'field-label' }, 'Value'), expressionEditor({ label: 'Value', value: action.value, refs, id: `${idBase}-val`, onChange: (v) => set('value', v) })));
      break;
    case 'navigate': {
      const target = pageById(store.def, action.page);
      const params = (target && target.params) || [];
      body = h('div', {},
        field('Page', select([...(action.page ? [] : [{ value: '', label: '(choose a page)' }]), ...store.def.pages.map((p) => ({ value: p.id, label: p.name }))], {
          'aria-label': 'Page', id: `${idBase}-page`, value: action.page,
          onChange: (e) => store.change((d) => {
            action.page = e.target.value;
            const next = pageById(d, e.target.value);
            action.params = Object.fromEntries(((next && next.params) || []).map((p) => [p.name, (action.params || {})[p.name] ?? null]));
          }),
        })),
        params.length ? mapEditor({ label: 'Parameters', value: action.params || {}, keys: params.map((p) => ({ value: p.name, label: `${p.name} (${p.type})` })), refs, id: `${idBase}-params`, onChange: (v) => set('params', v) }) : null);
      break;
    }
    case 'insert_row':
    case 'update_row':
    case 'delete_row':
      body = rowWriteBody(ctx, page, found, action, { refs, idBase, chainLabel, scope, set });
      break;
    case 'set_input_value':
      body = h('div', {},
        field('Input', select([{ value: '', label: '(choose)' }, ...[...walkComponents(page.components)].filter(isInput).map((x) => ({ value: x.id, label: x.name }))], { 'aria-label': 'Input to set', id: `${idBase}-comp`, value: action.component, onChange: (e) => set('component', e.target.value) })),
        h('div', { class: 'field' }, h('span', { class: 'field-label' }, 'Value'), expressionEditor({ label: 'Value', value: action.value, refs, id: `${idBase}-val`, onChange: (v) => set('value', v) })));
      break;
    case 'reset_inputs': {
      const chosen = action.components || [];
      body = h('fieldset', { class: 'map' }, h('legend', {}, 'Inputs to reset (none ticked: every input)'),
        [...walkComponents(page.components)].filter(isInput).map((x) => h('label', { class: 'check' }, h('input', {
          type: 'checkbox', checked: chosen.includes(x.id), 'aria-label': `Reset ${x.name}`,
          onChange: (e) => set('components', e.target.checked ? [...chosen, x.id] : chosen.filter((y) => y !== x.id)),
        }), x.name)));
      break;
    }
    case 'go_back':
      body = h('p', { class: 'muted' }, 'Back to the previous page (the home page when there is none).');
      break;
    case 'refresh':
      body = field('List', select([{ value: '', label: 'every list of the page' }, ...[...walkComponents(page.components)].filter((x) => x.type === 'list' || (x.type === 'container' && x.record)).map((x) => ({ value: x.id, label: x.name }))], { 'aria-label': 'List to refresh', id: `${idBase}-comp`, value: action.component || '', onChange: (e) => set('component', e.target.value || null) }));
      break;
    default:
      body = schemaForm({ schema: entry.schema, value: action, skip: ['id', 'type'], refs, idBase, onChange: set });
  }
  return h('div', { class: `action-card action-${action.type}`, role: 'group', 'aria-label': `Action ${n} of ${chainLabel}` },
    h('div', { class: 'node-head' }, h('strong', {}, `${n}. ${entry.label}`),
      h('div', { class: 'node-controls' },
        button('↑', () => store.change(() => moveInList(list, index, -1)), { class: 'icon', 'aria-label': `Move action ${n} of ${chainLabel} up`, disabled: index === 0 }),
        button('↓', () => store.change(() => moveInList(list, index, 1)), { class: 'icon', 'aria-label': `Move action ${n} of ${chainLabel} down`, disabled: index === list.length - 1 }),
        button('✕', () => store.change(() => { list.splice(index, 1); if (!list.length && dropWhenEmpty) dropWhenEmpty(); }), { class: 'icon danger', 'aria-label': `Delete action ${n} of ${chainLabel}` }))),
    body);
}

// Insert / Update / Delete row: the table, the row (update, delete), the values bound to
// inputs, parameters and data, and what follows (on success the written row is "Written row.…").
function rowWriteBody(ctx, page, found, action, { refs, idBase, chainLabel, scope, set }) {
  const { store } = ctx;
  const writable = writableColumns(store.def, action.table).map((c) => ({ value: c.name, label: `${c.name} (${c.type})` }));
  return h('div', {},
    field('Table', select([...(action.table ? [] : [{ value: '', label: '(choose a table)' }]), ...tableOptions(store.def)], {
      'aria-label': 'Table', id: `${idBase}-table`, value: action.table, 'aria-invalid': action.table ? null : 'true',
      onChange: (e) => store.change(() => { action.table = e.target.value; if ('values' in action) action.values = {}; }),
    })),
    action.type === 'insert_row' ? null : h('div', { class: 'field' }, h('span', { class: 'field-label' }, 'Row id'),
      expressionEditor({ label: 'Row id', value: action.row_id, refs, id: `${idBase}-row`, onChange: (v) => set('row_id', v) })),
    action.type === 'delete_row' ? null : mapEditor({ label: 'Values', value: action.values, keys: writable, refs, id: `${idBase}-values`, onChange: (v) => set('values', v) }),
    h('div', { class: 'sub-chain' }, h('h5', {}, 'On success'), actionChain(ctx, page, found, action.on_success, { label: `${chainLabel} › on success`, scope: { ...scope, result: null, resultTable: action.table, error: false }, mutableList: () => action.on_success })),
    h('div', { class: 'sub-chain' }, h('h5', {}, 'On failure'), actionChain(ctx, page, found, action.on_failure, { label: `${chainLabel} › on failure`, scope: { ...scope, result: null, resultTable: null, error: true }, mutableList: () => action.on_failure })));
}
