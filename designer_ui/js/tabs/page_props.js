// Component properties: Design (looks), Data (sources, bindings), Action (event chains).
// Page settings when nothing is selected.
import { button, field, h, idFor, input, select } from '../dom.js';
import { columnsOf, filterScope, locateComponent, tableOptions } from '../model.js';
import { isInput, pageRefs } from '../refs.js';
import { conditionEditor } from '../widgets/condition.js';
import { expressionEditor } from '../widgets/expression.js';
import { schemaForm } from '../widgets/schema_form.js';
import { orderByEditor } from './flow_node_form.js';
import { actionChain } from './page_actions.js';
import { pageSettings } from './page_settings.js';
import { newId } from '../ids.js';

const STYLE_PROPS = ['color', 'background', 'font-size', 'font-weight', 'text-align', 'width', 'max-width', 'margin', 'padding', 'border', 'border-radius', 'box-shadow'];
// Expression properties shown on the Design tab (the rest are bindings, on the Data tab).
const DESIGN_EXPRESSIONS = ['label'];
const DATA_SCALARS = ['prefix', 'suffix', 'format', 'empty_text'];
const STRUCTURE = ['id', 'type', 'name', 'events', 'children', 'item', 'branches', 'source', 'style', 'record', 'not_found', 'options', 'options_source'];

function isExpressionProp(schema, prop) {
  const s = schema.properties[prop] || {};
  return !s.type && !s.$ref && !s.anyOf && !s.enum && !s.items && !s.properties;
}

export function propertiesPanel(ctx, page) {
  const { ui } = ctx;
  const found = ui.component ? locateComponent(page.components, ui.component) : null;
  if (!found) return h('aside', { class: 'props', 'aria-label': 'Page properties', 'data-scroll': 'page-props' }, pageSettings(ctx, page));
  const tab = ui.propsTab || 'design';
  const tabs = h('div', { class: 'segmented', role: 'tablist', 'aria-label': 'Property tabs' }, [['design', 'Design'], ['data', 'Data'], ['action', 'Action']].map(([id, label]) =>
    button(label, () => { ui.propsTab = id; ctx.refresh(); }, { role: 'tab', 'aria-selected': String(tab === id), id: `props-tab-${id}` })));
  const c = found.component;
  const entry = ctx.store.registry.component_types.find((t) => t.type === c.type);
  const body = tab === 'data' ? dataTab(ctx, page, found, entry) : tab === 'action' ? actionTab(ctx, page, found) : designTab(ctx, page, found, entry);
  const problems = ctx.store.problemsFor((loc) => loc.page === page.id && loc.component === c.id);
  return h('aside', { class: 'props', 'aria-label': 'Component properties', 'data-scroll': 'page-props' },
    h('h3', {}, `${c.name}`, h('small', { class: 'muted' }, ` ${entry ? entry.label : c.type}`)),
    problems.length ? h('ul', { class: 'inline-problems' }, problems.map((p) => h('li', { class: `problem problem-${p.severity}` }, p.message))) : null,
    tabs, h('div', { class: 'panel-body' }, body));
}

function designTab(ctx, page, found, entry) {
  const { store } = ctx;
  const c = found.component;
  const refs = pageRefs(store.def, page, found.ancestors);
  const name = input({ 'aria-label': 'Component name', id: idFor('comp', c.id, 'name'), value: c.name });
  name.addEventListener('change', () => store.change(() => { c.name = name.value.trim() || c.name; }));
  const skip = [...STRUCTURE, ...DATA_SCALARS, ...Object.keys(entry.schema.properties).filter((p) => isExpressionProp(entry.schema, p) && !DESIGN_EXPRESSIONS.includes(p))];
  const form = schemaForm({ schema: entry.schema, value: c, skip, refs, idBase: idFor('comp', c.id), onChange: (prop, v) => store.change(() => { c[prop] = v; }) });
  return h('div', {}, field('Name', name), h('p', { class: 'muted small-text' }, `id: ${c.id}`), form, styleEditor(ctx, c));
}

function styleEditor(ctx, c) {
  const { store } = ctx;
  c.style = c.style || {};
  const rows = Object.entries(c.style).map(([k, v]) => {
    const el = input({ 'aria-label': `Style ${k}`, id: idFor('style', c.id, k), value: v, class: 'narrow' });
    el.addEventListener('change', () => store.change(() => { c.style[k] = el.value; }));
    return h('div', { class: 'map-row' }, h('span', { class: 'map-key' }, k), el, button('✕', () => store.change(() => { delete c.style[k]; }), { class: 'icon', 'aria-label': `Remove style ${k}` }));
  });
  const pick = select(STYLE_PROPS.filter((p) => !(p in c.style)), { 'aria-label': 'Style property to add', id: idFor('style', c.id, 'pick'), 'data-keep': true });
  return h('fieldset', { class: 'map' }, h('legend', {}, 'Style'), rows,
    h('div', { class: 'map-add' }, pick, button('Add style', () => store.change(() => { c.style[pick.value] = ''; }), { class: 'small' })));
}

function dataTab(ctx, page, found, entry) {
  const { store } = ctx;
  const c = found.component;
  const refs = pageRefs(store.def, page, found.ancestors);
  const set = (prop, v) => store.change(() => { c[prop] = v; });
  const parts = [];
  if (c.type === 'list') parts.push(sourceEditor(ctx, page, found));
  for (const prop of Object.keys(entry.schema.properties)) {
    if (STRUCTURE.includes(prop) || DESIGN_EXPRESSIONS.includes(prop) || !isExpressionProp(entry.schema, prop)) continue;
    const label = prop === 'value' ? 'Value' : (entry.schema.properties[prop].title || prop);
    parts.push(h('div', { class: 'field' }, h('span', { class: 'field-label' }, label), expressionEditor({ label, value: c[prop], refs, id: idFor('comp', c.id, prop), onChange: (v) => set(prop, v) })));
  }
  const scalars = Object.keys(entry.schema.properties).filter((p) => DATA_SCALARS.includes(p) && p !== 'empty_text');
  if (scalars.length) {
    parts.push(schemaForm({ schema: { ...entry.schema, properties: Object.fromEntries(scalars.map((p) => [p, entry.schema.properties[p]])) }, value: c, idBase: idFor('comp', c.id), onChange: set }));
  }
  if (c.type === 'conditional_view') parts.push(viewBranches(ctx, page, found));
  if (c.type === 'container') parts.push(recordEditor(ctx, page, found));
  if (c.type === 'select') parts.push(optionsEditor(ctx, c));
  if (!parts.length) parts.push(h('p', { class: 'muted' }, 'This component has no data settings.'));
  return h('div', {}, parts);
}

function sourceEditor(ctx, page, found) {
  const { store } = ctx;
  const c = found.component;
  const source = c.source;
  const columns = columnsOf(store.def, source.table);
  const refs = pageRefs(store.def, page, found.ancestors);
  const setSource = (key, v) => store.change(() => { source[key] = v; });
  const limit = h('input', { type: 'number', min: 1, max: 1000, 'aria-label': 'Limit', id: idFor('src', c.id, 'limit'), value: source.limit ?? '', onChange: (e) => setSource('limit', e.target.value === '' ? null : Number(e.target.value)) });
  const empty = input({ 'aria-label': 'Text when empty', id: idFor('src', c.id, 'empty'), value: c.empty_text ?? '' });
  empty.addEventListener('change', () => store.change(() => { c.empty_text = empty.value; }));
  return h('fieldset', { class: 'map' }, h('legend', {}, 'Data source'),
    field('Table', select(tableOptions(store.def), { 'aria-label': 'Data source table', id: idFor('src', c.id, 'table'), value: source.table, onChange: (e) => store.change(() => { source.table = e.target.value; source.filter = {}; source.order_by = []; }) })),
    field('Request type', select([{ value: 'query', label: 'Query (load once)' }, { value: 'subscription', label: 'Subscription (live)' }], { 'aria-label': 'Request type', id: idFor('src', c.id, 'request'), value: source.request, onChange: (e) => setSource('request', e.target.value) })),
    h('div', { class: 'field' }, h('span', { class: 'field-label' }, 'Filter'), conditionEditor({ label: 'Source filter', value: source.filter, ...filterScope(store.def, source.table), refs, search: true, id: idFor('src', c.id, 'filter'), onChange: (v) => setSource('filter', v) })),
    orderByEditor({ value: source.order_by, columns, onChange: (v) => setSource('order_by', v), id: idFor('src', c.id, 'order') }),
    pagingEditor(ctx, page, c),
    field('Limit', limit), field('Text when empty', empty));
}

// Pages of a list (page size, Load more or numbered pages) and the page variable end users sort by.
function pagingEditor(ctx, page, c) {
  const { store } = ctx;
  const source = c.source;
  const size = h('input', {
    type: 'number', min: 1, max: 200, 'aria-label': 'Page size', id: idFor('src', c.id, 'page_size'), value: source.page_size ?? '',
    onChange: (e) => store.change(() => { source.page_size = e.target.value === '' ? null : Number(e.target.value); }),
  });
  const pager = select([{ value: 'load_more', label: 'Load more button' }, { value: 'numbered', label: 'Numbered pages (with total)' }], {
    'aria-label': 'Pager', id: idFor('src', c.id, 'pager'), value: source.pager || 'load_more', disabled: !source.page_size,
    onChange: (e) => store.change(() => { source.pager = e.target.value; }),
  });
  const textVars = (page.variables || []).filter((v) => v.type === 'text');
  const sortVar = select([{ value: '', label: '(fixed: the sort above)' }, ...textVars.map((v) => ({ value: v.name, label: `Page variable: ${v.name}` }))], {
    'aria-label': 'Sort by page variable', id: idFor('src', c.id, 'sort_variable'), value: source.sort_variable || '',
    onChange: (e) => store.change(() => { source.sort_variable = e.target.value || null; }),
  });
  return h('fieldset', { class: 'map' }, h('legend', {}, 'Pages and sorting'),
    h('div', { class: 'form-row' }, field('Page size', size, 'empty = no pages'), field('Pager', pager)),
    field('Sort by page variable', sortVar, 'a text variable holding "<field>:asc" or "<field>:desc" (set it from a select or a button)'));
}

// A container that loads one record: by id (a page parameter, an input …) or the first row of a filter.
function recordEditor(ctx, page, found) {
  const { store } = ctx;
  const c = found.component;
  const on = Boolean(c.record);
  const toggle = h('label', { class: 'check' }, h('input', {
    type: 'checkbox', checked: on, 'aria-label': 'Load one record', id: idFor('rec', c.id, 'on'),
    onChange: (e) => store.change((d) => {
      if (e.target.checked) {
        const param = (page.params || [])[0];
        c.record = { table: '', request: 'query', row_id: param ? { ref: `param.${param.name}` } : null, filter: {}, order_by: [] };
        if (!(c.not_found || []).length) c.not_found = [{ id: newId(d, `${c.id}_not_found`, '', 'component'), name: `${c.name} not found`, type: 'text', style: {}, events: {}, value: 'Not found.', prefix: '', suffix: '', format: 'plain', variant: 'body' }];
      } else { c.record = null; c.not_found = []; }
    }),
  }), 'Load one record');
  if (!on) return h('fieldset', { class: 'map' }, h('legend', {}, 'Record'), toggle, h('p', { class: 'hint' }, 'Its children bind the record\'s fields; a not-found state shows when there is no such row.'));
  const record = c.record;
  const refs = pageRefs(store.def, page, found.ancestors);
  const set = (key, v) => store.change(() => { record[key] = v; });
  const byId = record.row_id !== null && record.row_id !== undefined;
  return h('fieldset', { class: 'map' }, h('legend', {}, 'Record'), toggle,
    field('Table', select([...(record.table ? [] : [{ value: '', label: '(choose a table)' }]), ...tableOptions(store.def)], {
      'aria-label': 'Record table', id: idFor('rec', c.id, 'table'), value: record.table,
      onChange: (e) => store.change(() => { record.table = e.target.value; record.filter = {}; record.order_by = []; }),
    })),
    field('Request type', select([{ value: 'query', label: 'Query (load once)' }, { value: 'subscription', label: 'Subscription (live)' }], { 'aria-label': 'Record request type', id: idFor('rec', c.id, 'request'), value: record.request, onChange: (e) => set('request', e.target.value) })),
    field('Find it', select([{ value: 'id', label: 'by id' }, { value: 'filter', label: 'first row of a filter' }], {
      'aria-label': 'Find the record', id: idFor('rec', c.id, 'how'), value: byId ? 'id' : 'filter',
      onChange: (e) => set('row_id', e.target.value === 'id' ? { ref: refs.find((r) => r.value.startsWith('param.'))?.value || (refs[0] || {}).value || '' } : null),
    })),
    byId
      ? h('div', { class: 'field' }, h('span', { class: 'field-label' }, 'Row id'), expressionEditor({ label: 'Record id', value: record.row_id, refs, id: idFor('rec', c.id, 'row_id'), onChange: (v) => set('row_id', v) }))
      : h('div', {}, h('div', { class: 'field' }, h('span', { class: 'field-label' }, 'Filter'), conditionEditor({ label: 'Record filter', value: record.filter, ...filterScope(store.def, record.table), refs, search: true, id: idFor('rec', c.id, 'filter'), onChange: (v) => set('filter', v) })),
        orderByEditor({ value: record.order_by, columns: columnsOf(store.def, record.table), onChange: (v) => set('order_by', v), id: idFor('rec', c.id, 'order') })),
    h('p', { class: 'hint' }, `Inside, bind its fields as "${c.name} record.…"; the tree shows what appears when it is missing.`));
}

// A select's choices: fixed options (label → value), or the rows of a table (showing one field, yielding the id).
function optionsEditor(ctx, c) {
  const { store } = ctx;
  const fromTable = Boolean(c.options_source);
  const mode = select([{ value: 'static', label: 'Fixed options' }, { value: 'table', label: 'Rows of a table' }], {
    'aria-label': 'Options from', id: idFor('opt', c.id, 'mode'), value: fromTable ? 'table' : 'static',
    onChange: (e) => store.change(() => {
      if (e.target.value === 'table') c.options_source = { table: '', label_field: 'id', filter: {}, order_by: [], limit: null };
      else c.options_source = null;
    }),
  });
  if (fromTable) {
    const src = c.options_source;
    return h('fieldset', { class: 'map' }, h('legend', {}, 'Options'), field('Options from', mode),
      field('Table', select([...(src.table ? [] : [{ value: '', label: '(choose a table)' }]), ...tableOptions(store.def)], { 'aria-label': 'Options table', id: idFor('opt', c.id, 'table'), value: src.table, onChange: (e) => store.change(() => { src.table = e.target.value; src.label_field = 'id'; }) })),
      field('Show field', select(columnsOf(store.def, src.table).map((col) => col.name), { 'aria-label': 'Options label field', id: idFor('opt', c.id, 'label'), value: src.label_field, onChange: (e) => store.change(() => { src.label_field = e.target.value; }) })),
      h('p', { class: 'hint' }, 'The chosen row\'s id is the value.'));
  }
  c.options = c.options || [];
  const rows = c.options.map((o, i) => {
    const label = input({ 'aria-label': `Option ${i + 1} label`, id: idFor('opt', c.id, i, 'label'), value: o.label, class: 'narrow' });
    label.addEventListener('change', () => store.change(() => { o.label = label.value; }));
    const value = input({ 'aria-label': `Option ${i + 1} value`, id: idFor('opt', c.id, i, 'value'), value: o.value ?? '', class: 'narrow' });
    value.addEventListener('change', () => store.change(() => { o.value = value.value; }));
    return h('div', { class: 'map-row' }, label, value, button('✕', () => store.change(() => c.options.splice(i, 1)), { class: 'icon', 'aria-label': `Remove option ${i + 1}` }));
  });
  const newLabel = input({ 'aria-label': 'New option label', id: idFor('opt', c.id, 'newlabel'), 'data-keep': true, class: 'narrow', placeholder: 'Open' });
  const newValue = input({ 'aria-label': 'New option value', id: idFor('opt', c.id, 'newvalue'), 'data-keep': true, class: 'narrow', placeholder: 'open' });
  const add = () => {
    const l = newLabel.value.trim();
    if (!l) return;
    store.change(() => c.options.push({ label: l, value: newValue.value.trim() || l }));
  };
  return h('fieldset', { class: 'map' }, h('legend', {}, 'Options'), field('Options from', mode), rows,
    h('div', { class: 'map-add' }, newLabel, newValue, button('Add option', add, { class: 'small' })));
}

function viewBranches(ctx, page, found) {
  const { store } = ctx;
  const c = found.component;
  const refs = pageRefs(store.def, page, found.ancestors);
  return h('fieldset', { class: 'map' }, h('legend', {}, 'Branches (first match shows)'),
    c.branches.map((b, i) => {
      const otherwise = b.condition === null || b.condition === undefined;
      const name = input({ 'aria-label': `View branch ${i + 1} name`, id: idFor('vb', b.id, 'name'), value: b.name });
      name.addEventListener('change', () => store.change(() => { b.name = name.value; }));
      return h('div', { class: 'branch-form card' }, h('div', { class: 'form-row' }, field('Name', name),
        h('label', { class: 'check' }, h('input', { type: 'checkbox', checked: otherwise, 'aria-label': `View branch ${i + 1} is otherwise`, onChange: (e) => store.change(() => { b.condition = e.target.checked ? null : {}; }) }), 'Otherwise'),
        button('✕', () => store.change(() => c.branches.splice(i, 1)), { class: 'icon danger', 'aria-label': `Delete view branch ${b.name}`, disabled: c.branches.length === 1 })),
      otherwise ? null : conditionEditor({ label: `View condition ${i + 1}`, value: b.condition, keys: refs, refs, id: idFor('vb', b.id, 'cond'), onChange: (v) => store.change(() => { b.condition = v; }) }));
    }),
    button('Add branch', () => store.change((d) => { c.branches.splice(Math.max(0, c.branches.length - 1), 0, { id: newId(d, `${c.id}_branch`, '', 'branch'), name: `Branch ${c.branches.length + 1}`, condition: {}, children: [] }); }), { class: 'small' }));
}

function actionTab(ctx, page, found) {
  const c = found.component;
  const events = isInput(c) ? ['onChange', 'onClick'] : ['onClick'];
  c.events = c.events || {};
  return h('div', {}, events.map((event) => h('section', { class: 'event', 'aria-label': event },
    h('h4', {}, event === 'onClick' ? 'On click' : 'On change'),
    actionChain(ctx, page, found, c.events[event] || [], {
      label: event,
      scope: {},
      dropWhenEmpty: () => { if (c.events[event] && !c.events[event].length) delete c.events[event]; },
      mutableList: () => { if (!c.events[event]) c.events[event] = []; return c.events[event]; },
    }))));
}
