// Read-only lookups over the draft definition: tables, columns, relations, trees.

export const SYSTEM_COLUMNS = [
  { name: 'id', type: 'bigint', system: true },
  { name: 'created_at', type: 'timestamptz', system: true },
  { name: 'updated_at', type: 'timestamptz', system: true },
];

export const tableById = (def, id) => (def.tables || []).find((t) => t.id === id);
export const flowById = (def, id) => (def.actionflows || []).find((f) => f.id === id);
export const pageById = (def, id) => (def.pages || []).find((p) => p.id === id);

// Every column of a table: system ones, username on account, fields, foreign keys.
export function columnsOf(def, tableId) {
  const table = tableById(def, tableId);
  if (!table) return [];
  const columns = [SYSTEM_COLUMNS[0]];
  if (table.name === 'account') columns.push({ name: 'username', type: 'text', system: true });
  for (const f of table.fields || []) columns.push({ name: f.name, type: f.type, id: f.id });
  for (const rel of def.relations || []) {
    if (rel.to_table === tableId) columns.push({ name: rel.foreign_key.name, type: 'bigint', id: rel.foreign_key.id, foreignKey: true });
  }
  columns.push(SYSTEM_COLUMNS[1], SYSTEM_COLUMNS[2]);
  return columns;
}

export const writableColumns = (def, tableId) => columnsOf(def, tableId).filter((c) => !c.system);

export function relationshipsOf(def, tableId) {
  const out = [];
  for (const rel of def.relations || []) {
    // `inverse` names the relation both directions share, so a path does not walk straight back.
    if (rel.from_table === tableId) out.push({ name: rel.from_field, target: rel.to_table, kind: rel.kind === 'one_to_one' ? 'object' : 'array', inverse: rel.id || rel.foreign_key.name });
    if (rel.to_table === tableId) out.push({ name: rel.to_field, target: rel.from_table, kind: 'object', inverse: rel.id || rel.foreign_key.name });
  }
  return out;
}

// Number fields a total (sum, average, smallest, largest) may take: not ids nor foreign keys.
export const numberFields = (def, tableId) => columnsOf(def, tableId)
  .filter((c) => (c.type === 'bigint' || c.type === 'decimal') && !c.foreignKey && c.name !== 'id').map((c) => c.name);

// What a table filter's condition editor offers: columns, relationships to follow, and
// totals of array relationships (`orders_aggregate`: count, sum of a number field …).
export function filterScope(def, tableId) {
  const related = relationshipsOf(def, tableId);
  const label = (r) => `${r.name} → ${(tableById(def, r.target) || { name: '?' }).name}`;
  return {
    keys: columnsOf(def, tableId).map((c) => ({ value: c.name, label: c.name })),
    relations: related.map((r) => ({ value: r.name, label: label(r), scope: () => filterScope(def, r.target) })),
    totals: related.filter((r) => r.kind === 'array').map((r) => ({
      value: `${r.name}_aggregate`, label: label(r), numbers: numberFields(def, r.target), scope: () => filterScope(def, r.target),
    })),
  };
}

export const tableOptions = (def) => (def.tables || []).map((t) => ({ value: t.id, label: t.name }));
export const flowOptions = (def) => (def.actionflows || []).map((f) => ({ value: f.id, label: f.name }));

// ------------------------------------------------------------ actionflow trees

export function childLists(node) {
  if (node.type === 'condition') return (node.branches || []).map((b) => ({ list: b.nodes, owner: node, branch: b }));
  if (node.type === 'loop') return [{ list: node.nodes, owner: node, branch: null }];
  return [];
}

// Where a node sits: its list, index and the chain of ancestors.
export function locateNode(nodes, id, ancestors = []) {
  for (let i = 0; i < nodes.length; i += 1) {
    const node = nodes[i];
    if (node.id === id) return { list: nodes, index: i, node, ancestors };
    for (const child of childLists(node)) {
      const found = locateNode(child.list || [], id, [...ancestors, { list: nodes, index: i, node, branch: child.branch }]);
      if (found) return found;
    }
  }
  return null;
}

export function* walk(nodes) {
  for (const node of nodes || []) {
    yield node;
    for (const child of childLists(node)) yield* walk(child.list);
  }
}

// ------------------------------------------------------------ component trees

export function componentChildLists(c) {
  if (c.type === 'container') return c.record ? [{ list: c.children, key: 'children' }, { list: c.not_found || [], key: 'not_found', label: `${c.name}: when the record is missing` }] : [{ list: c.children, key: 'children' }];
  if (c.type === 'list') return [{ list: c.item, key: 'item' }];
  if (c.type === 'conditional_view') return (c.branches || []).map((b) => ({ list: b.children, key: 'branch', branch: b }));
  return [];
}

export function locateComponent(components, id, ancestors = []) {
  for (let i = 0; i < components.length; i += 1) {
    const c = components[i];
    if (c.id === id) return { list: components, index: i, component: c, ancestors };
    for (const child of componentChildLists(c)) {
      const found = locateComponent(child.list || [], id, [...ancestors, c]);
      if (found) return found;
    }
  }
  return null;
}

export function* walkComponents(components) {
  for (const c of components || []) {
    yield c;
    for (const child of componentChildLists(c)) yield* walkComponents(child.list);
  }
}

export function moveInList(list, index, delta) {
  const target = index + delta;
  if (target < 0 || target >= list.length) return false;
  const [item] = list.splice(index, 1);
  list.splice(target, 0, item);
  return true;
}
