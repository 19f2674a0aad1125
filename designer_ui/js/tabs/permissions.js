// Permissions tab: role × table matrix (select / insert / update / delete with columns,
// row conditions and presets), actionflow rights per role, custom roles; role assignment
// lives in role_assignment.js.
import { button, field, h, idFor, input, toast } from '../dom.js';
import { newId, slugify } from '../ids.js';
import { columnsOf, filterScope, tableById, writableColumns } from '../model.js';
import { conditionEditor } from '../widgets/condition.js';
import { mapEditor } from '../widgets/map_editor.js';
import { assignmentSection } from './role_assignment.js';

const OPS = ['select', 'insert', 'update', 'delete'];
const OP_LABEL = { select: 'Select', insert: 'Insert', update: 'Update', delete: 'Delete' };
const SESSION_REFS = [{ value: 'session.account_id', label: 'Current account id', group: 'Session' }];

const newRule = (op) => ({
  select: { columns: '*', filter: {}, aggregate: true, limit: null },
  insert: { columns: '*', check: {}, presets: {} },
  update: { columns: '*', filter: {}, check: {}, presets: {} },
  delete: { filter: {} },
}[op]);

function entryFor(def, role, tableId) {
  return def.permissions.tables.find((p) => p.role === role && p.table === tableId);
}

function toggle(store, role, tableId, op, on) {
  store.change((d) => {
    let entry = entryFor(d, role, tableId);
    if (on) {
      if (!entry) { entry = { role, table: tableId }; d.permissions.tables.push(entry); }
      entry[op] = newRule(op);
    } else if (entry) {
      delete entry[op];
      if (!OPS.some((o) => entry[o])) d.permissions.tables = d.permissions.tables.filter((p) => p !== entry);
    }
  });
}

export function render(ctx) {
  const { def, ui } = ctx;
  const roles = ['anonymous', 'user', ...def.roles.map((r) => r.name)];
  if (!roles.includes(ui.role)) ui.role = 'user';
  return h('div', { class: 'layout-2' },
    rolesSidebar(ctx, roles),
    h('section', { class: 'main-pane', 'aria-label': `Permissions of ${ui.role}`, 'data-scroll': 'perm-main' },
      h('h2', {}, `Role ${ui.role}`),
      matrix(ctx, ui.role),
      ui.detail && tableById(def, ui.detail) ? details(ctx, ui.role, ui.detail) : null,
      flowRights(ctx, ui.role),
      uploadRight(ctx, ui.role),
      roleDescription(ctx, ui.role),
      ui.role !== 'anonymous' && ui.role !== 'user' ? assignmentSection(ctx, ui.role) : null,
      problems(ctx)));
}

function rolesSidebar(ctx, roles) {
  const { def, ui, store } = ctx;
  const name = input({ 'aria-label': 'New role name', id: 'new-role-name', 'data-keep': true, placeholder: 'vip' });
  const add = () => {
    const roleName = slugify(name.value, 'role');
    if (!name.value.trim() || roles.includes(roleName)) { toast('Choose a new role name.', 'error'); return; }
    ui.role = roleName;
    ui.detail = null;
    store.change((d) => d.roles.push({ id: newId(d, roleName, 'role_'), name: roleName, description: '' }));
  };
  return h('aside', { class: 'sidebar', 'aria-label': 'Roles' }, h('h2', {}, 'Roles'),
    h('ul', { class: 'nav-list' }, roles.map((r) => h('li', {}, button(r === 'user' ? 'user (logged in)' : r, () => { ui.role = r; ui.detail = null; ctx.refresh(); }, { class: r === ui.role ? 'nav-item active' : 'nav-item', 'aria-current': r === ui.role ? 'true' : null, 'aria-label': `Role ${r}` })))),
    h('div', { class: 'add-box' }, field('New role', name), button('Add role', add, { class: 'small primary' })),
    !['anonymous', 'user'].includes(ui.role) ? button(`Delete role ${ui.role}`, () => {
      const role = ui.role;
      store.change((d) => {
        d.roles = d.roles.filter((r) => r.name !== role);
        d.permissions.tables = d.permissions.tables.filter((p) => p.role !== role);
        delete d.permissions.actionflows[role];
      });
      ui.role = 'user';
    }, { class: 'danger small' }) : null);
}

// What a custom role is for, in the builder's words (kept in the definition).
function roleDescription(ctx, roleName) {
  const role = ctx.def.roles.find((r) => r.name === roleName);
  if (!role) return null;
  const text = input({ 'aria-label': `Description of role ${role.name}`, id: idFor('role', role.id, 'desc'), value: role.description || '', placeholder: 'who holds it, what it may do' });
  text.addEventListener('change', () => ctx.store.change(() => { role.description = text.value.trim(); }, { render: false }));
  return field('Description', text);
}

function matrix(ctx, role) {
  const { def, ui, store } = ctx;
  return h('table', { class: 'grid matrix', 'aria-label': `Table permissions of ${role}` },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Table'), OPS.map((op) => h('th', { scope: 'col' }, OP_LABEL[op])), h('th', {}, ''))),
    h('tbody', {}, def.tables.map((t) => {
      const entry = entryFor(def, role, t.id) || {};
      return h('tr', { class: ui.detail === t.id ? 'selected' : '' }, h('th', { scope: 'row' }, t.name),
        OPS.map((op) => h('td', { class: 'center' }, h('input', {
          type: 'checkbox', checked: Boolean(entry[op]), id: idFor('perm', role, t.id, op),
          'aria-label': `${OP_LABEL[op]} on ${t.name} for ${role}`,
          onChange: (e) => { if (e.target.checked) ui.detail = t.id; toggle(store, role, t.id, op, e.target.checked); },
        }))),
        h('td', {}, button('Details', () => { ui.detail = t.id; ctx.refresh(); }, { class: 'small', 'aria-label': `Details of ${t.name} for ${role}` })));
    })));
}

function ownerColumn(def, tableId) {
  const table = tableById(def, tableId);
  if (table && table.name === 'account') return 'id';
  const account = def.tables.find((t) => t.name === 'account');
  const rel = def.relations.find((r) => r.to_table === tableId && account && r.from_table === account.id);
  return rel ? rel.foreign_key.name : null;
}

function details(ctx, role, tableId) {
  const { def, store } = ctx;
  const table = tableById(def, tableId);
  const entry = entryFor(def, role, tableId);
  const columns = columnsOf(def, tableId);
  const owner = ownerColumn(def, tableId);
  const sections = OPS.filter((op) => entry && entry[op]).map((op) => {
    const rule = entry[op];
    const parts = [];
    if (op !== 'delete') {
      const all = rule.columns === '*';
      const list = op === 'select' ? columns : writableColumns(def, tableId);
      parts.push(h('fieldset', { class: 'map' }, h('legend', {}, 'Columns'),
        h('label', { class: 'check' }, h('input', { type: 'checkbox', checked: all, 'aria-label': `${OP_LABEL[op]}: all columns`, onChange: (e) => store.change(() => { rule.columns = e.target.checked ? '*' : list.map((c) => c.name); }) }), 'All columns'),
        all ? null : h('div', { class: 'checks' }, list.map((c) => h('label', { class: 'check' }, h('input', {
          type: 'checkbox', checked: rule.columns.includes(c.name), 'aria-label': `${OP_LABEL[op]} column ${c.name}`,
          onChange: (e) => store.change(() => { rule.columns = e.target.checked ? [...rule.columns, c.name] : rule.columns.filter((x) => x !== c.name); }),
        }), c.name)))));
    }
    for (const key of op === 'insert' ? ['check'] : op === 'update' ? ['filter', 'check'] : ['filter']) {
      const label = `${OP_LABEL[op]} ${key === 'check' ? 'check' : 'row condition'}`;
      parts.push(h('div', { class: 'field' }, h('span', { class: 'field-label' }, key === 'check' ? 'New values must satisfy' : 'Rows allowed'),
        conditionEditor({ label, value: rule[key] || {}, ...filterScope(def, tableId), refs: SESSION_REFS, id: idFor('permc', role, tableId, op, key), onChange: (v) => store.change(() => { rule[key] = v; }) })));
    }
    if (op !== 'delete' && owner) {
      parts.push(h('div', { class: 'form-row' }, h('span', { class: 'field-label' }, 'Presets:'),
        button('Only their own rows', () => store.change(() => {
          const condition = { [owner]: { _eq: { ref: 'session.account_id' } } };
          if (op === 'insert') rule.check = condition; else rule.filter = condition;
        }), { class: 'small', 'aria-label': `${OP_LABEL[op]}: only their own rows` }),
        button('Every row', () => store.change(() => { if (op === 'insert') rule.check = {}; else rule.filter = {}; }), { class: 'small', 'aria-label': `${OP_LABEL[op]}: every row` })));
    } else if (op === 'delete' && owner) {
      parts.push(button('Only their own rows', () => store.change(() => { rule.filter = { [owner]: { _eq: { ref: 'session.account_id' } } }; }), { class: 'small', 'aria-label': 'Delete: only their own rows' }));
    }
    if (op === 'select') {
      parts.push(h('div', { class: 'form-row' },
        h('label', { class: 'check' }, h('input', { type: 'checkbox', checked: rule.aggregate !== false, 'aria-label': 'Select: allow aggregates (count, sum…)', onChange: (e) => store.change(() => { rule.aggregate = e.target.checked; }) }), 'Allow aggregates'),
        field('Row limit', h('input', { type: 'number', min: 1, 'aria-label': 'Select: row limit', value: rule.limit ?? '', onChange: (e) => store.change(() => { rule.limit = e.target.value === '' ? null : Number(e.target.value); }) }))));
    }
    if (op === 'insert' || op === 'update') {
      parts.push(mapEditor({ label: `${OP_LABEL[op]} column presets`, value: rule.presets || {}, keys: writableColumns(def, tableId).map((c) => ({ value: c.name, label: c.name })), refs: SESSION_REFS, id: idFor('permp', role, tableId, op), onChange: (v) => store.change(() => { rule.presets = v; }) }));
    }
    return h('section', { class: 'card', 'aria-label': `${OP_LABEL[op]} rule` }, h('h4', {}, OP_LABEL[op]), parts);
  });
  return h('section', { class: 'card perm-details', 'aria-label': `Details of ${table.name}` }, h('h3', {}, `${role} on ${table.name}`),
    sections.length ? sections : h('p', { class: 'muted' }, 'No access: tick an operation above.'));
}

function flowRights(ctx, role) {
  const { def, store } = ctx;
  const allowed = def.permissions.actionflows[role] || [];
  return h('section', { class: 'card', 'aria-label': 'Actionflow rights' }, h('h3', {}, 'Actionflows this role may run'),
    def.actionflows.length ? h('div', { class: 'checks' }, def.actionflows.map((f) => h('label', { class: 'check' }, h('input', {
      type: 'checkbox', checked: allowed.includes(f.id), 'aria-label': `${role} may run ${f.name}`,
      onChange: (e) => store.change((d) => {
        const list = d.permissions.actionflows[role] || [];
        d.permissions.actionflows[role] = e.target.checked ? [...list.filter((x) => x !== f.id), f.id] : list.filter((x) => x !== f.id);
        if (!d.permissions.actionflows[role].length) delete d.permissions.actionflows[role];
      }),
    }), f.name))) : h('p', { class: 'muted' }, 'No actionflows yet.'));
}

// Image / file uploads (permissions.uploads): admin always may.
function uploadRight(ctx, role) {
  const { def, store } = ctx;
  const allowed = (def.permissions.uploads || []).includes(role);
  return h('section', { class: 'card', 'aria-label': 'Uploads' }, h('h3', {}, 'Files and images'),
    h('label', { class: 'check' }, h('input', {
      type: 'checkbox', checked: role === 'admin' || allowed, disabled: role === 'admin', 'aria-label': `${role} may upload files and images`,
      onChange: (e) => store.change((d) => {
        const list = (d.permissions.uploads || []).filter((r) => r !== role);
        d.permissions.uploads = e.target.checked ? [...list, role] : list;
      }),
    }), 'May upload files and images'));
}

function problems(ctx) {
  const list = ctx.store.problemsFor((loc) => loc.permission || loc.actionflow_rights !== undefined || loc.role);
  if (!list.length) return null;
  return h('ul', { class: 'inline-problems', 'aria-label': 'Permission problems' }, list.map((p) => h('li', { class: `problem problem-${p.severity}` }, p.message)));
}
