// What a value may refer to at a given place: the options of every reference picker.
import { columnsOf, flowById, locateNode, walk, walkComponents, tableById } from './model.js';

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

function nodeRefs(def, registry, node) {
  return nodeOutputs(def, registry, node).map((key) => ref(`node.${node.id}.${key}`, `${node.name} → ${key}`, `Node: ${node.name}`));
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

export function pageRefs(def, page, ancestors, actionScope = {}) {
  const refs = [];
  const list = [...ancestors].reverse().find((c) => c.type === 'list');
  if (list && list.source) {
    const table = tableById(def, list.source.table);
    for (const c of columnsOf(def, list.source.table)) refs.push(ref(`item.${c.name}`, `List item.${c.name}`, `List item (${table ? table.name : '?'})`, c.type));
  }
  for (const v of page.variables || []) refs.push(ref(`page.${v.name}`, `Page variable: ${v.name}`, 'Page variables', v.type));
  for (const c of walkComponents(page.components)) {
    if (c.type === 'text_input' || c.type === 'number_input') refs.push(ref(`component.${c.id}.value`, `${c.name}.value`, 'Components', c.value_type));
  }
  refs.push(ref('global.is_logged_in', 'Global.is_logged_in', 'Global', 'boolean'));
  const account = (def.tables || []).find((t) => t.name === 'account');
  if (account) for (const c of columnsOf(def, account.id)) refs.push(ref(`global.current_account.${c.name}`, `Current account.${c.name}`, 'Global', c.type));
  if (actionScope.result) {
    const flow = flowById(def, actionScope.result);
    for (const key of Object.keys((flow && flow.output) || {})) refs.push(ref(`result.${key}`, `Action result.${key}`, 'Action result'));
  }
  if (actionScope.error) refs.push(ref('error.message', 'Error message', 'Action result', 'text'));
  return refs;
}
