// Data tab: tables, fields, relations, unique constraints; a database grid per table.
import { api, projectUrl } from '../api.js';
import { confirmDialog } from '../dialog.js';
import { button, field, h, idFor, input, select, toast } from '../dom.js';
import { newId, slugify } from '../ids.js';
import { columnsOf, tableById, tableOptions } from '../model.js';
import { expressionEditor } from '../widgets/expression.js';
import { renderGrid } from './grid.js';

const DEFAULT_KINDS = { text: ['empty', 'text'], bigint: ['empty', 'number'], decimal: ['empty', 'number'], boolean: ['empty', 'bool'], timestamptz: ['empty', 'text', 'json'], date: ['empty', 'text'], jsonb: ['empty', 'json'], image: ['empty'], file: ['empty'] };  // an image / file has no default: it is uploaded

export function render(ctx) {
  const { def, ui } = ctx;
  if (!ui.table || !tableById(def, ui.table)) ui.table = (def.tables.find((t) => t.name !== 'account') || def.tables[0] || {}).id;
  const table = tableById(def, ui.table);
  return h('div', { class: 'layout-2' },
    sidebar(ctx),
    h('section', { class: 'main-pane', 'aria-label': 'Table', 'data-scroll': 'data-main' },
      table ? tableView(ctx, table) : h('p', { class: 'muted' }, 'Create a table to start.')));
}

function sidebar(ctx) {
  const { def, ui, store } = ctx;
  const name = input({ 'aria-label': 'New table name', id: 'new-table-name', 'data-keep': true, placeholder: 'product' });
  const add = () => {
    const tableName = slugify(name.value, 'table');
    if (!name.value.trim()) return;
    if (def.tables.some((t) => t.name === tableName)) { toast(`A table called ${tableName} already exists.`, 'error'); return; }
    const id = newId(def, tableName, 'tbl_');
    store.change((d) => d.tables.push({ id, name: tableName, description: '', fields: [] }));
    ui.table = id;
    ui.view = 'structure';
    ctx.refresh();
  };
  name.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); add(); } });
  return h('aside', { class: 'sidebar', 'aria-label': 'Tables' },
    h('h2', {}, 'Tables'),
    h('ul', { class: 'nav-list' }, def.tables.map((t) => h('li', {},
      button(t.name, () => { ui.table = t.id; ctx.refresh(); }, { class: t.id === ui.table ? 'nav-item active' : 'nav-item', 'aria-current': t.id === ui.table ? 'true' : null })))),
    h('div', { class: 'add-box' }, field('New table', name), button('Add table', add, { class: 'small primary', id: 'add-table' })));
}

function tableView(ctx, table) {
  const { ui } = ctx;
  const view = ui.view || 'structure';
  const switcher = h('div', { class: 'segmented', role: 'tablist', 'aria-label': 'Table view' },
    ['structure', 'rows'].map((v) => button(v === 'structure' ? 'Structure' : 'Rows (database)', () => { ui.view = v; ctx.refresh(); }, { role: 'tab', 'aria-selected': String(view === v), id: `data-view-${v}` })));
  return h('div', {}, h('div', { class: 'pane-head' }, h('h2', {}, `Table ${table.name}`), switcher),
    view === 'rows' ? renderGrid(ctx, table) : structure(ctx, table));
}

async function rename(ctx, body, revert) {
  const { store } = ctx;
  try {
    const result = await api('POST', projectUrl(store.slug, '/rename'), { definition: store.def, ...body });
    store.replace(result.definition);
  } catch (e) {
    toast(e.message, 'error');
    revert();
  }
}

function structure(ctx, table) {
  const { def, store } = ctx;
  const isAccount = table.name === 'account';
  const nameInput = input({ 'aria-label': 'Table name', id: idFor('table', table.id, 'name'), value: table.name, disabled: isAccount });
  nameInput.addEventListener('change', () => rename(ctx, { kind: 'table', table_id: table.id, name: nameInput.value.trim() }, () => { nameInput.value = table.name; }));
  const description = input({ 'aria-label': 'Table description', id: idFor('table', table.id, 'desc'), value: table.description || '' });
  description.addEventListener('change', () => store.change(() => { table.description = description.value; }, { render: false }));
  const head = h('div', { class: 'form-row' }, field('Name', nameInput), field('Description', description),
    isAccount ? null : button('Delete table', async () => {
      if (!await confirmDialog({ title: `Delete table ${table.name}?`, message: 'Publishing afterwards drops the table and every row in it.', confirmLabel: 'Delete table', danger: true })) return;
      store.change((d) => {
        d.tables = d.tables.filter((t) => t.id !== table.id);
        d.relations = d.relations.filter((r) => r.from_table !== table.id && r.to_table !== table.id);
        d.constraints = d.constraints.filter((c) => c.table !== table.id);
        d.permissions.tables = d.permissions.tables.filter((p) => p.table !== table.id);
      });
    }, { class: 'danger small' }));
  return h('div', {}, head, fieldsSection(ctx, table), relationsSection(ctx, table), constraintsSection(ctx, table),
    problemsOf(ctx, (loc) => loc.table === table.id || (loc.relation && relationTouches(def, loc.relation, table.id))));
}

function relationTouches(def, relId, tableId) {
  const rel = def.relations.find((r) => r.id === relId);
  return rel && (rel.from_table === tableId || rel.to_table === tableId);
}

function problemsOf(ctx, predicate) {
  const problems = ctx.store.problemsFor(predicate);
  if (!problems.length) return null;
  return h('ul', { class: 'inline-problems', 'aria-label': 'Problems' }, problems.map((p) => h('li', { class: `problem problem-${p.severity}` }, p.message)));
}

function fieldsSection(ctx, table) {
  const { def, store } = ctx;
  const system = columnsOf(def, table.id).filter((c) => c.system || c.foreignKey);
  const rows = (table.fields || []).map((f) => {
    const nameInput = input({ 'aria-label': `Field name ${f.name}`, id: idFor('field', f.id, 'name'), value: f.name, class: 'narrow' });
    nameInput.addEventListener('change', () => rename(ctx, { kind: 'field', table_id: table.id, field_id: f.id, name: nameInput.value.trim() }, () => { nameInput.value = f.name; }));
    const type = select(ctx.store.registry.field_types, {
      'aria-label': `Field type ${f.name}`, id: idFor('field', f.id, 'type'), value: f.type,
      onChange: async (e) => {
        const next = e.target.value;
        if (!await confirmDialog({ title: 'Change the type?', message: `Changing ${f.name} from ${f.type} to ${next} converts the values already stored; values that cannot be converted block publishing.`, confirmLabel: 'Change type' })) { e.target.value = f.type; return; }
        store.change(() => { f.type = next; f.default = null; });
      },
    });
    const required = h('input', { type: 'checkbox', checked: Boolean(f.required), 'aria-label': `Required ${f.name}`, id: idFor('field', f.id, 'req'), onChange: (e) => store.change(() => { f.required = e.target.checked; }) });
    const unique = h('input', { type: 'checkbox', checked: Boolean(f.unique), 'aria-label': `Unique ${f.name}`, id: idFor('field', f.id, 'uniq'), onChange: (e) => store.change(() => { f.unique = e.target.checked; }) });
    const description = input({ 'aria-label': `Description ${f.name}`, id: idFor('field', f.id, 'desc'), value: f.description || '', class: 'narrow', placeholder: 'what it holds' });
    description.addEventListener('change', () => store.change(() => { f.description = description.value.trim(); }, { render: false }));
    const dflt = expressionEditor({ label: `Default ${f.name}`, value: f.default ?? null, refs: [], kinds: DEFAULT_KINDS[f.type], id: idFor('field', f.id, 'default'), onChange: (v) => store.change(() => { f.default = v; }) });
    const remove = button('Delete', async () => {
      if (!await confirmDialog({ title: `Delete field ${f.name}?`, message: 'Publishing afterwards drops the column and its values.', confirmLabel: 'Delete field', danger: true })) return;
      store.change(() => { table.fields = table.fields.filter((x) => x.id !== f.id); });
    }, { class: 'danger small', 'aria-label': `Delete field ${f.name}` });
    return h('tr', {}, h('td', {}, nameInput), h('td', {}, type), h('td', { class: 'center' }, required), h('td', { class: 'center' }, unique), h('td', {}, dflt), h('td', {}, description), h('td', {}, remove));
  });
  const sysRows = system.map((c) => h('tr', { class: 'system-row' }, h('td', {}, c.name), h('td', {}, c.type), h('td', { colspan: 5, class: 'muted' }, c.foreignKey ? 'foreign key (from a relation)' : 'system field')));
  const name = input({ 'aria-label': 'New field name', id: idFor('newfield', table.id), 'data-keep': true, placeholder: 'field_name', class: 'narrow' });
  const type = select(ctx.store.registry.field_types, { 'aria-label': 'New field type', id: idFor('newfieldtype', table.id), 'data-keep': true, value: 'text' });
  const add = () => {
    const fieldName = slugify(name.value, 'field');
    if (!name.value.trim()) return;
    if (columnsOf(def, table.id).some((c) => c.name === fieldName)) { toast(`Table ${table.name} already has a field ${fieldName}.`, 'error'); return; }
    store.change(() => table.fields.push({ id: newId(def, `${table.name}_${fieldName}`, 'fld_'), name: fieldName, type: type.value, required: false, unique: false, default: null, description: '' }));
  };
  name.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); add(); } });
  return h('section', { class: 'card', 'aria-label': 'Fields' }, h('h3', {}, 'Fields'),
    h('table', { class: 'grid' }, h('thead', {}, h('tr', {}, ['Name', 'Type', 'Required', 'Unique', 'Default', 'Description', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, sysRows, rows)),
    h('div', { class: 'form-row add-row' }, field('Field name', name), field('Type', type), button('Add field', add, { class: 'small primary', id: 'add-field' })));
}

function relationsSection(ctx, table) {
  const { def, store } = ctx;
  const tname = (id) => (tableById(def, id) || { name: '?' }).name;
  const mine = def.relations.filter((r) => r.from_table === table.id || r.to_table === table.id);
  const list = mine.map((r) => h('li', { class: 'relation' },
    h('span', {}, `${tname(r.from_table)} ${r.kind === 'one_to_one' ? 'has one' : 'has many'} ${tname(r.to_table)} — foreign key ${tname(r.to_table)}.${r.foreign_key.name}; fields ${tname(r.from_table)}.${r.from_field} and ${tname(r.to_table)}.${r.to_field}; on delete ${r.on_delete}`),
    button('Delete', async () => {
      if (!await confirmDialog({ title: 'Delete this relation?', message: `Publishing afterwards drops the column ${tname(r.to_table)}.${r.foreign_key.name}.`, confirmLabel: 'Delete relation', danger: true })) return;
      store.change((d) => { d.relations = d.relations.filter((x) => x.id !== r.id); });
    }, { class: 'danger small', 'aria-label': `Delete relation ${r.id}` })));

  const options = tableOptions(def);
  const from = select(options, { 'aria-label': 'Relation: one side (has many)', id: 'rel-from', 'data-keep': true, value: table.id });
  const to = select(options, { 'aria-label': 'Relation: many side (holds the foreign key)', id: 'rel-to', 'data-keep': true, value: (options.find((o) => o.value !== table.id) || {}).value });
  const kind = select([{ value: 'one_to_many', label: 'one to many' }, { value: 'one_to_one', label: 'one to one' }], { 'aria-label': 'Relation kind', id: 'rel-kind', 'data-keep': true });
  const fk = input({ 'aria-label': 'Foreign key column', id: 'rel-fk', 'data-keep': true, class: 'narrow' });
  const fromField = input({ 'aria-label': 'Field on the one side', id: 'rel-from-field', 'data-keep': true, class: 'narrow' });
  const toField = input({ 'aria-label': 'Field on the many side', id: 'rel-to-field', 'data-keep': true, class: 'narrow' });
  const required = h('input', { type: 'checkbox', 'aria-label': 'Relation required (every row must have one)', id: 'rel-required', 'data-keep': true });
  const onDelete = select([{ value: 'set_null', label: 'set null' }, { value: 'restrict', label: 'restrict (refuse)' }, { value: 'cascade', label: 'cascade (delete too)' }], { 'aria-label': 'On delete', id: 'rel-on-delete', 'data-keep': true });
  const suggest = () => {
    const a = tname(from.value); const b = tname(to.value);
    fk.value = `${a}_id`;
    fromField.value = kind.value === 'one_to_one' ? b : `${b}s`;
    toField.value = a;
  };
  [from, to, kind].forEach((el) => el.addEventListener('change', suggest));
  suggest();
  const add = () => {
    const a = tname(from.value);
    const rel = {
      id: newId(def, `${a}_${fromField.value}`, 'rel_'),
      kind: kind.value,
      from_table: from.value,
      to_table: to.value,
      foreign_key: { id: newId(def, `${tname(to.value)}_${fk.value}`, 'fld_'), name: slugify(fk.value, 'ref') },
      from_field: slugify(fromField.value, 'items'),
      to_field: slugify(toField.value, 'item'),
      on_delete: onDelete.value,
      required: required.checked,
    };
    store.change((d) => d.relations.push(rel));
  };
  return h('section', { class: 'card', 'aria-label': 'Relations' }, h('h3', {}, 'Relations'),
    mine.length ? h('ul', { class: 'plain' }, list) : h('p', { class: 'muted' }, 'No relations yet.'),
    h('div', { class: 'form-grid' }, field('One side', from), field('Kind', kind), field('Many side', to), field('Foreign key', fk),
      field('Field on one side', fromField), field('Field on many side', toField), field('On delete', onDelete), h('label', { class: 'check' }, required, 'Required')),
    button('Add relation', add, { class: 'small primary', id: 'add-relation' }));
}

function constraintsSection(ctx, table) {
  const { def, store } = ctx;
  const mine = def.constraints.filter((c) => c.table === table.id);
  const columns = columnsOf(def, table.id).filter((c) => c.name !== 'id');
  const name = input({ 'aria-label': 'Constraint name', id: idFor('cname', table.id), 'data-keep': true, class: 'narrow', placeholder: `${table.name}_unique` });
  const boxes = columns.map((c) => h('label', { class: 'check' }, h('input', { type: 'checkbox', value: c.name, 'aria-label': `Unique together: ${c.name}`, id: idFor('cfield', table.id, c.name), 'data-keep': true }), c.name));
  const add = () => {
    const fields = boxes.map((b) => b.querySelector('input')).filter((b) => b.checked).map((b) => b.value);
    if (!fields.length) { toast('Pick at least one field.', 'error'); return; }
    const cname = slugify(name.value || `${table.name}_${fields.join('_')}_key`, 'unique');
    store.change((d) => d.constraints.push({ id: newId(def, cname, 'uq_'), name: cname, table: table.id, fields }));
  };
  return h('section', { class: 'card', 'aria-label': 'Unique constraints' }, h('h3', {}, 'Unique constraints'),
    h('ul', { class: 'plain' }, mine.map((c) => h('li', {}, `${c.name}: ${c.fields.join(', ')} `,
      button('Delete', () => store.change((d) => { d.constraints = d.constraints.filter((x) => x.id !== c.id); }), { class: 'danger small', 'aria-label': `Delete constraint ${c.name}` })))),
    h('div', { class: 'form-row' }, field('Name', name), h('div', { class: 'checks', role: 'group', 'aria-label': 'Fields unique together' }, boxes), button('Add constraint', add, { class: 'small' })));
}
