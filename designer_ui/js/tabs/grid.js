// Database grid: browse, filter, add, edit and delete rows as admin through the project's GraphQL.
import { api, projectUrl } from '../api.js';
import { confirmDialog } from '../dialog.js';
import { button, field, h, input, select, toast } from '../dom.js';
import { columnsOf } from '../model.js';
import { assetCell, isAsset, selectionOf } from './grid_files.js';

const PAGE = 100;

async function gql(slug, query, variables) {
  const result = await api('POST', projectUrl(slug, '/graphql'), { query, variables });
  if (result.errors && result.errors.length) throw new Error(result.errors.map((e) => e.message).join('; '));
  return result.data;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/;
const realDate = (text) => !Number.isNaN(Date.parse(text.slice(0, 10))) && new Date(`${text.slice(0, 10)}T00:00:00Z`).toISOString().slice(0, 10) === text.slice(0, 10);

class TypedValueError extends Error {}

// A typed value from what was typed, or an Error naming the column and the expected shape
// (said here, before the request, instead of the database's message).
function parseValue(column, text) {
  if (text === '' || text === null || text === undefined) return null;
  const bad = (shape) => new TypedValueError(`${column.name} must be ${shape} (not “${text}”).`);
  if (column.type === 'bigint' || isAsset(column)) {
    if (!/^-?\d+$/.test(text)) throw bad('a whole number');
    return Number.isSafeInteger(Number(text)) ? Number(text) : text;
  }
  if (column.type === 'decimal') { if (!Number.isFinite(Number(text))) throw bad('a number'); return text; }
  if (column.type === 'boolean') return text === true || text === 'true';
  if (column.type === 'date') { if (!DATE.test(text) || !realDate(text)) throw bad('a date such as 2026-12-31'); return text; }
  if (column.type === 'timestamptz') { if (!TIMESTAMP.test(text) || !realDate(text)) throw bad('a date and time such as 2026-12-31 18:30 or 2026-12-31T18:30:00Z'); return text; }
  if (column.type === 'jsonb') { try { return JSON.parse(text); } catch { throw bad('JSON, e.g. {"a": 1} or "text"'); } }
  return text;
}

// The editor of one cell: a date picker for dates, a text box (with the expected shape) otherwise.
function cellInput(column, attrs) {
  if (column.type === 'date') return h('input', { ...attrs, type: 'date' });
  return input({ ...attrs, placeholder: attrs.placeholder || (column.type === 'timestamptz' ? 'YYYY-MM-DD HH:MM' : undefined) });
}

const show = (v) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

export function renderGrid(ctx, table) {
  const { store, ui } = ctx;
  ui.grid = ui.grid || {};
  const state = ui.grid[table.id] || (ui.grid[table.id] = { rows: null, error: null, filter: { column: 'id', op: '_eq', value: '' }, loading: false });
  const columns = columnsOf(store.def, table.id);
  const box = h('div', { class: 'grid-box' });
  const load = async () => {
    state.loading = true;
    try {
      const where = state.filter.value === '' ? {} : { [state.filter.column]: { [state.filter.op]: state.filter.op === '_ilike' ? state.filter.value : parseValue(columns.find((c) => c.name === state.filter.column) || {}, state.filter.value) } };
      const data = await gql(store.slug, `query Rows($where: ${table.name}_bool_exp, $limit: Int) { rows: ${table.name}(where: $where, order_by: {id: asc}, limit: $limit) { ${columns.map(selectionOf).join(' ')} } }`, { where, limit: PAGE });
      state.rows = data.rows;
      state.error = null;
    } catch (e) {
      state.error = e instanceof TypedValueError ? e.message : `${e.message} (publish the app to browse its data)`;
    }
    state.loading = false;
    ctx.refresh();
  };
  if (state.rows === null && !state.loading && !state.error) load();

  const filterColumn = select(columns.map((c) => c.name), { 'aria-label': 'Filter field', id: `grid-filter-col-${table.id}`, value: state.filter.column, onChange: (e) => { state.filter.column = e.target.value; } });
  const filterOp = select([{ value: '_eq', label: '=' }, { value: '_neq', label: '≠' }, { value: '_gt', label: '>' }, { value: '_gte', label: '≥' }, { value: '_lt', label: '<' }, { value: '_lte', label: '≤' }, { value: '_ilike', label: 'contains (ilike)' }], { 'aria-label': 'Filter comparison', value: state.filter.op, onChange: (e) => { state.filter.op = e.target.value; } });
  const filterValue = input({ 'aria-label': 'Filter value', id: `grid-filter-val-${table.id}`, 'data-keep': true, value: state.filter.value, class: 'narrow', onChange: (e) => { state.filter.value = e.target.value; } });
  const toolbar = h('div', { class: 'form-row' }, field('Filter', h('span', { class: 'inline' }, filterColumn, filterOp, filterValue)),
    button('Apply filter', () => { state.filter.value = filterValue.value; load(); }, { class: 'small' }),
    button('Reload', () => load(), { class: 'small' }));
  box.append(toolbar);
  if (state.error) { box.append(h('p', { class: 'problem problem-error', role: 'alert' }, state.error)); return box; }
  if (state.rows === null) { box.append(h('p', { class: 'muted' }, 'Loading rows…')); return box; }

  const editable = columns.filter((c) => !c.system && !isAsset(c));
  const head = h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c.name)), h('th', {}, ''));
  const body = state.rows.map((row) => {
    const inputs = {};
    const cells = columns.map((c) => {
      if (c.system) return h('td', { class: 'muted' }, show(row[c.name]));
      if (isAsset(c)) {
        return h('td', {}, assetCell(store.slug, c, row[c.name], row.id, async (id) => {
          await gql(store.slug, `mutation Attach($id: bigint!, $set: ${table.name}_set_input) { update_${table.name}_by_pk(pk_columns: {id: $id}, _set: $set) { id } }`, { id: row.id, set: { [c.name]: id } });
          load();
        }));
      }
      const el = cellInput(c, { value: show(row[c.name]), 'aria-label': `${c.name} of row ${row.id}`, class: 'cell', id: `grid-${table.id}-${row.id}-${c.name}` });
      inputs[c.name] = el;
      return h('td', {}, el);
    });
    const save = button('Save', async () => {
      try {
        const set = Object.fromEntries(editable.map((c) => [c.name, parseValue(c, inputs[c.name].value)]));
        await gql(store.slug, `mutation Save($id: bigint!, $set: ${table.name}_set_input) { update_${table.name}_by_pk(pk_columns: {id: $id}, _set: $set) { id } }`, { id: row.id, set });
        toast(`Row ${row.id} saved`, 'success');
        load();
      } catch (e) { toast(e.message, 'error'); }
    }, { class: 'small', 'aria-label': `Save row ${row.id}` });
    const del = button('Delete', async () => {
      if (!await confirmDialog({ title: `Delete row ${row.id}?`, message: 'The row is deleted from the database now.', confirmLabel: 'Delete row', danger: true })) return;
      try {
        await gql(store.slug, `mutation Del($id: bigint!) { delete_${table.name}_by_pk(id: $id) { id } }`, { id: row.id });
        load();
      } catch (e) { toast(e.message, 'error'); }
    }, { class: 'small danger', 'aria-label': `Delete row ${row.id}` });
    return h('tr', {}, cells, h('td', { class: 'row-actions' }, save, del));
  });
  const newInputs = Object.fromEntries(editable.map((c) => [c.name, cellInput(c, { 'aria-label': `New row ${c.name}`, class: 'cell', placeholder: c.type === 'timestamptz' ? null : c.type, id: `grid-new-${table.id}-${c.name}`, 'data-keep': true })]));
  const add = button('Add row', async () => {
    try {
      const object = {};
      for (const c of editable) if (newInputs[c.name].value !== '') object[c.name] = parseValue(c, newInputs[c.name].value);
      await gql(store.slug, `mutation Add($o: ${table.name}_insert_input!) { insert_${table.name}_one(object: $o) { id } }`, { o: object });
      for (const el of Object.values(newInputs)) el.value = '';
      toast('Row added', 'success');
      load();
    } catch (e) { toast(e.message, 'error'); }
  }, { class: 'small primary' });
  const newRow = h('tr', { class: 'new-row' }, columns.map((c) => h('td', {}, c.system || isAsset(c) ? '' : newInputs[c.name])), h('td', {}, add));
  box.append(h('div', { class: 'table-scroll', 'data-scroll': `grid-${table.id}` },
    h('table', { class: 'grid data-grid', 'aria-label': `Rows of ${table.name}` }, h('thead', {}, head), h('tbody', {}, body, newRow))),
  h('p', { class: 'muted' }, `${state.rows.length} row${state.rows.length === 1 ? '' : 's'}${state.rows.length === PAGE ? ' (first 100)' : ''}`));
  return box;
}
