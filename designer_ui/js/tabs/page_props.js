// Component properties: Design (looks), Data (sources, bindings), Action (event chains).
// Page settings when nothing is selected.
import { button, field, h, idFor, input, select } from '../dom.js';
import { columnsOf, filterScope, locateComponent, tableOptions } from '../model.js';
import { pageRefs } from '../refs.js';
import { conditionEditor } from '../widgets/condition.js';
import { expressionEditor } from '../widgets/expression.js';
import { schemaForm } from '../widgets/schema_form.js';
import { orderByEditor } from './flow_node_form.js';
import { actionChain } from './page_actions.js';
import { newId } from '../ids.js';

const STYLE_PROPS = ['color', 'background', 'font-size', 'font-weight', 'text-align', 'width', 'max-width', 'margin', 'padding', 'border', 'border-radius', 'box-shadow'];
// Expression properties shown on the Design tab (the rest are bindings, on the Data tab).
const DESIGN_EXPRESSIONS = ['label'];
const DATA_SCALARS = ['prefix', 'suffix', 'format', 'empty_text'];
const STRUCTURE = ['id', 'type', 'name', 'events', 'children', 'item', 'branches', 'source', 'style'];

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
    h('div', { class: 'field' }, h('span', { class: 'field-label' }, 'Filter'), conditionEditor({ label: 'Source filter', value: source.filter, ...filterScope(store.def, source.table), refs, id: idFor('src', c.id, 'filter'), onChange: (v) => setSource('filter', v) })),
    orderByEditor({ value: source.order_by, columns, onChange: (v) => setSource('order_by', v), id: idFor('src', c.id, 'order') }),
    field('Limit', limit), field('Text when empty', empty));
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
  const events = ['text_input', 'number_input'].includes(c.type) ? ['onChange', 'onClick'] : ['onClick'];
  c.events = c.events || {};
  return h('div', {}, events.map((event) => h('section', { class: 'event', 'aria-label': event },
    h('h4', {}, event === 'onClick' ? 'On click' : 'On change'),
    actionChain(ctx, page, found, c.events[event] || [], {
      label: event,
      scope: {},
      onChange: (list) => ctx.store.change(() => { if (list.length) c.events[event] = list; else delete c.events[event]; }),
      mutableList: () => { if (!c.events[event]) c.events[event] = []; return c.events[event]; },
    }))));
}

function pageSettings(ctx, page) {
  const { store, ui } = ctx;
  const name = input({ 'aria-label': 'Page name', id: idFor('page', page.id, 'name'), value: page.name });
  name.addEventListener('change', () => store.change(() => { page.name = name.value.trim() || page.name; }));
  const path = input({ 'aria-label': 'Page path', id: idFor('page', page.id, 'path'), value: page.path, placeholder: '(home page)' });
  path.addEventListener('change', () => store.change(() => { page.path = path.value.trim(); }));
  const title = input({ 'aria-label': 'Page title', id: idFor('page', page.id, 'title'), value: page.title || '' });
  title.addEventListener('change', () => store.change(() => { page.title = title.value; }));
  const vars = (page.variables || []).map((v, i) => h('div', { class: 'map-row' }, h('span', { class: 'map-key' }, `${v.name}: ${v.type}`),
    button('✕', () => store.change(() => page.variables.splice(i, 1)), { class: 'icon', 'aria-label': `Delete page variable ${v.name}` })));
  const vname = input({ 'aria-label': 'New page variable name', class: 'narrow', id: idFor('pvar', page.id, 'name'), 'data-keep': true });
  const vtype = select(['text', 'bigint', 'decimal', 'boolean', 'jsonb'], { 'aria-label': 'New page variable type', id: idFor('pvar', page.id, 'type'), 'data-keep': true });
  return h('div', { class: 'panel-body' }, h('h3', {}, 'Page'), h('p', { class: 'hint' }, 'Select a component to edit it; new components go into the selected container.'),
    field('Name', name), field('Path', path, 'empty = home page'), field('Title', title),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', checked: store.def.settings.home_page === page.id, 'aria-label': 'Home page', onChange: (e) => store.change((d) => { d.settings.home_page = e.target.checked ? page.id : null; }) }), 'Home page'),
    h('fieldset', { class: 'map' }, h('legend', {}, 'Page variables'), vars,
      h('div', { class: 'map-add' }, vname, vtype, button('Add variable', () => { if (vname.value.trim()) store.change(() => { page.variables = page.variables || []; page.variables.push({ name: vname.value.trim(), type: vtype.value, default: null }); }); }, { class: 'small' }))),
    button('Delete page', () => store.change((d) => { d.pages = d.pages.filter((p) => p.id !== page.id); if (d.settings.home_page === page.id) d.settings.home_page = null; ui.page = null; }), { class: 'danger small' }));
}
