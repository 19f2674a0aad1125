// What a value may refer to at a given place: the options of every reference picker.
import { columnsOf, componentChildLists, flowById, locateNode, relationshipsOf, walk, tableById } from './model.js';

const ref = (path, label, group, type) => ({ value: path, label: label || path, group, type });

export function nodeOutputs(def, registry, node) {
  const entry = (registry.node_types || []).find((t) => t.type === node.type);
  const keys = [];
  for (const key of (entry && entry.outputs) || []) {
    if (key === '*fields') {
      for (const c of columnsOf(def, node.table)) if (!keys.includes(c.name)) keys.push(c.name);
    } else if (key === '*schema') {
      for (const k of Object.keys(node.response_schema || node.outputs || {})) if (!keys.includes(k)) keys.push(k);
    } else if (key === '*output') {
      const flow = flowById(def, node.actionflow);
      for (const k of Object.keys((flow && flow.output) || {})) keys.push(k);
    } else if (!keys.includes(key)) keys.push(key);
  }
  return keys;
}

// A filter that names one row: `{id: {_eq: …}}`, alone or in a top-level `_and` (builder/flow_rows.py).
const byId = (f) => !!f && typeof f === 'object' && ((f.id && typeof f.id === 'object' && '_eq' in f.id)
  || (Array.isArray(f._and) && f._and.some(byId)));
// Nodes giving one row: Query with *one*, Insert, Update by id (builder/flow_rows.py gives_one_row).
const givesOneRow = (n) => (n.type === 'query' && n.one) || n.type === 'insert' || (n.type === 'update' && byId(n.filter));

// A node that gives one row also offers that row's related data (`node.q.product.stock`,
// `node.q.orders_aggregate.aggregate.count`), read by the runtime in the node's own statement.
function nodeRefs(def, registry, node) {
  const own = nodeOutputs(def, registry, node).map((key) => ref(`node.${node.id}.${key}`, `${node.name} → ${key}`, `Node: ${node.name}`));
  if (!givesOneRow(node) || !tableById(def, node.table)) return own;
  const columns = new Set(columnsOf(def, node.table).map((c) => `node.${node.id}.${c.name}`));
  const related = fieldRefs(def, node.table, `node.${node.id}`, node.name, `Node: ${node.name}`).filter((r) => !columns.has(r.value));
  return [...own, ...related];
}

function baseFlowRefs(flow) {
  return [
    ...(flow.inputs || []).map((i) => ref(`input.${i.name}`, `Input: ${i.name}`, 'Inputs', i.type)),
    ...(flow.variables || []).map((v) => ref(`var.${v.name}`, `Variable: ${v.name}`, 'Variables', v.type)),
    ref('session.account_id', 'Current account id', 'Session', 'bigint'),
  ];
}

// References usable at position `index` of the list that holds node `anchorId` (or a new node there).
export function flowRefsAt(def, registry, flow, location) {
  const refs = baseFlowRefs(flow);
  if (!location) return refs;
  const earlier = [];
  const levels = [...location.ancestors, { list: location.list, index: location.index }];
  for (const level of levels) {
    for (let i = 0; i < level.index; i += 1) earlier.push(level.list[i]);
  }
  for (const ancestor of location.ancestors) {
    if (ancestor.node.type === 'loop') refs.push(ref(`loop.${ancestor.node.id}.item`, `${ancestor.node.name} → current item`, 'Loop'));
  }
  for (const node of earlier) refs.push(...nodeRefs(def, registry, node));
  return refs;
}

export function flowRefsForNode(def, registry, flow, nodeId) {
  return flowRefsAt(def, registry, flow, locateNode(flow.nodes || [], nodeId));
}

export function flowRefsForOutput(def, registry, flow) {
  const refs = baseFlowRefs(flow);
  for (const node of walk(flow.nodes)) refs.push(...nodeRefs(def, registry, node));
  return refs;
}

// ------------------------------------------------------------ pages

// Components that hold a value an end user enters (text, number, date, select, switch …).
const INPUT_TYPES = new Set(['text_input', 'number_input', 'date_input', 'datetime_input', 'select', 'switch', 'checkbox', 'textarea']);
export const isInput = (c) => INPUT_TYPES.has(c.type) || /_input$/.test(c.type);

// Inputs whose value exists at a place whose containers are `ancestors`: an input inside a
// list item exists once per row, so only that row's own components see it (never the list's
// source filter, nor anything outside the list).
export function reachableInputs(components, ancestors) {
  const inside = new Set(ancestors.map((a) => a.id));
  const out = [];
  const visit = (list, lists) => {
    for (const c of list || []) {
      if (isInput(c) && lists.every((id) => inside.has(id))) out.push(c);
      const nested = c.type === 'list' ? [...lists, c.id] : lists;
      for (const child of componentChildLists(c)) visit(child.list, nested);
    }
  };
  visit(components, []);
  return out;
}

const NUMERIC = ['bigint', 'decimal'];
export const RELATED_DEPTH = 3;

// Field paths of a table for a picker: its columns, the fields of object relationships to
// any depth (`item.product.product_name`, up to RELATED_DEPTH hops) and aggregates of array
// relationships (`item.orders_aggregate.aggregate.count`, `….sum.quantity`), as the page
// runtime reads them.
export function fieldRefs(def, tableId, path, label, group, depth = RELATED_DEPTH, back = null) {
  const out = [];
  for (const c of columnsOf(def, tableId)) out.push(ref(`${path}.${c.name}`, `${label}.${c.name}`, group, c.type));
  if (depth <= 0) return out;
  for (const rel of relationshipsOf(def, tableId)) {
    // Straight back over the relationship just followed is the row itself: left out. Totals
    // back over it are not (booking → event → bookings → count: the event's bookings).
    if (rel.name === back && rel.kind === 'object') continue;
    const target = tableById(def, rel.target);
    if (!target) continue;
    const inverse = relationshipsOf(def, rel.target).find((r) => r.target === tableId && r.inverse === rel.inverse)?.name;
    if (rel.kind === 'object') {
      out.push(...fieldRefs(def, rel.target, `${path}.${rel.name}`, `${label} → ${rel.name}`, `${group} → ${rel.name} (${target.name})`, depth - 1, inverse));
    } else {
      const agg = `${path}.${rel.name}_aggregate.aggregate`;
      const aggGroup = `${group} → ${rel.name} (${target.name}, totals)`;
      out.push(ref(`${agg}.count`, `${label} → ${rel.name} → count`, aggGroup, 'bigint'));
      for (const c of columnsOf(def, rel.target)) {
        if (!NUMERIC.includes(c.type) || c.foreignKey || c.name === 'id') continue;
        for (const fn of ['sum', 'avg', 'min', 'max']) out.push(ref(`${agg}.${fn}.${c.name}`, `${label} → ${rel.name} → ${fn} of ${c.name}`, aggGroup, c.type));
      }
    }
  }
  return out;
}

// scope: {result: flow id} or {resultTable: table id} in on-success chains, {error: true} in on-failure ones.
export function pageRefs(def, page, ancestors, actionScope = {}) {
  const refs = [];
  const list = [...ancestors].reverse().find((c) => c.type === 'list');
  if (list && list.source) {
    const table = tableById(def, list.source.table);
    refs.push(...fieldRefs(def, list.source.table, 'item', 'List item', `List item (${table ? table.name : '?'})`));
  }
  for (const c of ancestors) {
    if (c.type === 'container' && c.record && c.record.table) {
      const table = tableById(def, c.record.table);
      refs.push(...fieldRefs(def, c.record.table, `record.${c.id}`, `${c.name} record`, `Record of ${c.name} (${table ? table.name : '?'})`));
    }
  }
  for (const p of page.params || []) refs.push(ref(`param.${p.name}`, `Page parameter: ${p.name}`, 'Page parameters', p.type));
  for (const v of page.variables || []) refs.push(ref(`page.${v.name}`, `Page variable: ${v.name}`, 'Page variables', v.type));
  for (const c of reachableInputs(page.components, ancestors)) refs.push(ref(`component.${c.id}.value`, `${c.name}.value`, 'Components', c.value_type));
  refs.push(ref('global.is_logged_in', 'Global.is_logged_in', 'Global', 'boolean'));
  const account = (def.tables || []).find((t) => t.name === 'account');
  if (account) for (const c of columnsOf(def, account.id)) refs.push(ref(`global.current_account.${c.name}`, `Current account.${c.name}`, 'Global', c.type));
  if (actionScope.result) {
    const flow = flowById(def, actionScope.result);
    for (const key of Object.keys((flow && flow.output) || {})) refs.push(ref(`result.${key}`, `Action result.${key}`, 'Action result'));
  }
  if (actionScope.resultTable) refs.push(...fieldRefs(def, actionScope.resultTable, 'result', 'Written row', 'Written row', 1));
  if (actionScope.error) refs.push(ref('error.message', 'Error message', 'Action result', 'text'));
  return refs;
}
