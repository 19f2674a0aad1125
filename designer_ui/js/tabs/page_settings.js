// Page settings (nothing selected): name, path, title, home page, parameters, access, variables.
import { button, field, h, idFor, input, select, toast } from '../dom.js';
import { expressionEditor } from '../widgets/expression.js';

// A variable's starting value: a literal of its type (or empty).
const VARIABLE_KINDS = { text: ['empty', 'text'], bigint: ['empty', 'number'], decimal: ['empty', 'number'], boolean: ['empty', 'bool'], jsonb: ['empty', 'json'] };

export function pageSettings(ctx, page) {
  const { store, ui } = ctx;
  const name = input({ 'aria-label': 'Page name', id: idFor('page', page.id, 'name'), value: page.name });
  name.addEventListener('change', () => store.change(() => { page.name = name.value.trim() || page.name; }));
  const path = input({ 'aria-label': 'Page path', id: idFor('page', page.id, 'path'), value: page.path, placeholder: '(home page)' });
  path.addEventListener('change', () => store.change(() => { page.path = path.value.trim(); }));
  const title = input({ 'aria-label': 'Page title', id: idFor('page', page.id, 'title'), value: page.title || '' });
  title.addEventListener('change', () => store.change(() => { page.title = title.value; }));
  const vars = (page.variables || []).map((v, i) => h('div', { class: 'map-row' }, h('span', { class: 'map-key' }, `${v.name}: ${v.type}`),
    expressionEditor({ label: `Variable ${v.name} default`, value: v.default ?? null, refs: [], kinds: VARIABLE_KINDS[v.type], id: idFor('pvar', page.id, v.name, 'default'), onChange: (value) => store.change(() => { v.default = value; }) }),
    button('✕', () => store.change(() => page.variables.splice(i, 1)), { class: 'icon', 'aria-label': `Delete page variable ${v.name}` })));
  const vname = input({ 'aria-label': 'New page variable name', class: 'narrow', id: idFor('pvar', page.id, 'name'), 'data-keep': true });
  const vtype = select(['text', 'bigint', 'decimal', 'boolean', 'jsonb'], { 'aria-label': 'New page variable type', id: idFor('pvar', page.id, 'type'), 'data-keep': true });
  return h('div', { class: 'panel-body' }, h('h3', {}, 'Page'), h('p', { class: 'hint' }, 'Select a component to edit it; new components go into the selected container.'),
    field('Name', name), field('Path', path, 'empty = home page'), field('Title', title),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', checked: store.def.settings.home_page === page.id, 'aria-label': 'Home page', onChange: (e) => store.change((d) => { d.settings.home_page = e.target.checked ? page.id : null; }) }), 'Home page'),
    paramsEditor(ctx, page),
    accessEditor(ctx, page),
    h('fieldset', { class: 'map' }, h('legend', {}, 'Page variables'), vars,
      h('div', { class: 'map-add' }, vname, vtype, button('Add variable', () => { if (vname.value.trim()) store.change(() => { page.variables = page.variables || []; page.variables.push({ name: vname.value.trim(), type: vtype.value, default: null }); }); }, { class: 'small' }))),
    button('Delete page', () => store.change((d) => { d.pages = d.pages.filter((p) => p.id !== page.id); if (d.settings.home_page === page.id) d.settings.home_page = null; ui.page = null; }), { class: 'danger small' }));
}

// Typed page parameters: they travel in the page's query string (?ticket_id=7), so links stay shareable.
function paramsEditor(ctx, page) {
  const { store } = ctx;
  page.params = page.params || [];
  const rows = page.params.map((p, i) => h('div', { class: 'map-row' }, h('span', { class: 'map-key' }, `${p.name}: ${p.type}`),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', checked: Boolean(p.required), 'aria-label': `Parameter ${p.name} required`, onChange: (e) => store.change(() => { p.required = e.target.checked; }) }), 'Required'),
    button('✕', () => store.change(() => page.params.splice(i, 1)), { class: 'icon', 'aria-label': `Delete page parameter ${p.name}` })));
  const name = input({ 'aria-label': 'New page parameter name', class: 'narrow', id: idFor('pparam', page.id, 'name'), 'data-keep': true, placeholder: 'ticket_id' });
  const type = select(['bigint', 'text', 'decimal', 'boolean', 'date', 'timestamptz'], { 'aria-label': 'New page parameter type', id: idFor('pparam', page.id, 'type'), 'data-keep': true });
  const required = h('input', { type: 'checkbox', 'aria-label': 'New page parameter required', id: idFor('pparam', page.id, 'required'), 'data-keep': true, checked: true });
  const add = () => {
    const n = name.value.trim().toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
    if (!/^[a-z][a-z0-9_]*$/.test(n)) { toast('A parameter name starts with a letter: letters, digits and _.', 'error'); return; }
    if (page.params.some((p) => p.name === n)) { toast(`There is already a parameter ${n}.`, 'error'); return; }
    store.change(() => page.params.push({ name: n, type: type.value, required: required.checked }));
  };
  const example = page.params.length ? `/${page.path}?${page.params.map((p) => `${p.name}=…`).join('&')}` : null;
  return h('fieldset', { class: 'map' }, h('legend', {}, 'Page parameters'), rows,
    example ? h('p', { class: 'hint' }, `Its address: ${example}`) : null,
    h('div', { class: 'map-add' }, name, type, h('label', { class: 'check' }, required, 'Required'), button('Add parameter', add, { class: 'small' })));
}

// Who may open the page; the others go to the login page (and back) or read a message.
function accessEditor(ctx, page) {
  const { store } = ctx;
  const access = page.access || (page.access = { allow: 'anyone', roles: [], denied: 'login', message: 'You do not have access to this page.' });
  const set = (key, v) => store.change(() => { access[key] = v; });
  const allow = select([{ value: 'anyone', label: 'Anyone' }, { value: 'logged_in', label: 'Logged-in users' }, { value: 'roles', label: 'Only these roles' }], {
    'aria-label': 'Who may open this page', id: idFor('access', page.id, 'allow'), value: access.allow || 'anyone', onChange: (e) => set('allow', e.target.value),
  });
  const roles = (store.def.roles || []).map((r) => (typeof r === 'string' ? r : r.name)).filter(Boolean);
  const roleChecks = access.allow === 'roles'
    ? h('div', { class: 'form-row' }, roles.length ? roles.map((r) => h('label', { class: 'check' }, h('input', {
      type: 'checkbox', checked: (access.roles || []).includes(r), 'aria-label': `Role ${r} may open this page`,
      onChange: (e) => store.change(() => { access.roles = e.target.checked ? [...new Set([...(access.roles || []), r])] : (access.roles || []).filter((x) => x !== r); }),
    }), r)) : h('p', { class: 'muted' }, 'No custom roles yet (Permissions tab).'))
    : null;
  const denied = select([{ value: 'login', label: 'Send them to the login page (and back)' }, { value: 'message', label: 'Show a message' }], {
    'aria-label': 'Others', id: idFor('access', page.id, 'denied'), value: access.denied || 'login', disabled: access.allow === 'anyone', onChange: (e) => set('denied', e.target.value),
  });
  const message = input({ 'aria-label': 'Message for others', id: idFor('access', page.id, 'message'), value: access.message || '' });
  message.addEventListener('change', () => set('message', message.value));
  return h('fieldset', { class: 'map' }, h('legend', {}, 'Page access'), field('Who may open it', allow), roleChecks,
    access.allow === 'anyone' ? null : field('Others', denied), access.allow !== 'anyone' && access.denied === 'message' ? field('Message', message) : null);
}
