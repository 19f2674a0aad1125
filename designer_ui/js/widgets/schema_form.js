// Forms generated from a type's JSON schema (served by /api/registry from the pydantic models).
// Scalars get inputs, enums selects, booleans checkboxes; properties with special meaning
// (tables, filters, values, references) get widgets through `overrides`.
import { field, h, select } from '../dom.js';
import { expressionEditor } from './expression.js';

export function resolveSchema(schema, root) {
  let s = schema || {};
  if (s.$ref) s = root.$defs[s.$ref.split('/').pop()] || {};
  if (s.anyOf) {
    const nonNull = s.anyOf.filter((x) => x.type !== 'null');
    if (nonNull.length === 1) return { ...resolveSchema(nonNull[0], root), nullable: true, title: s.title, description: s.description, default: s.default };
  }
  return s;
}

export const isAnySchema = (s) => !s.type && !s.enum && !s.const && !s.anyOf && !s.$ref && !s.properties && !s.items;

export function titleOf(prop, schema) {
  return schema.title || prop.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

export function scalarControl(prop, schema, value, set, { id, label, refs }) {
  if (schema.const !== undefined) return null;
  if (schema.enum) {
    return select(schema.enum.map(String), { value: value ?? schema.default ?? schema.enum[0], id, 'aria-label': label, onChange: (e) => set(e.target.value) });
  }
  if (schema.type === 'boolean') {
    return h('input', { type: 'checkbox', checked: Boolean(value ?? schema.default), id, 'aria-label': label, onChange: (e) => set(e.target.checked) });
  }
  if (schema.type === 'integer' || schema.type === 'number') {
    return h('input', {
      type: 'number', id, 'aria-label': label, step: schema.type === 'integer' ? '1' : 'any',
      min: schema.minimum, max: schema.maximum, value: value === null || value === undefined ? '' : String(value),
      onChange: (e) => set(e.target.value === '' ? (schema.nullable ? null : schema.default ?? 0) : Number(e.target.value)),
    });
  }
  if (schema.type === 'string') {
    return h('input', { type: 'text', id, 'aria-label': label, value: value ?? '', maxlength: schema.maxLength, onChange: (e) => set(e.target.value) });
  }
  if (isAnySchema(schema) && refs) return expressionEditor({ label, value, refs, onChange: set, id });
  const area = h('textarea', { id, 'aria-label': `${label} (JSON)`, rows: 3, spellcheck: 'false' });
  area.value = JSON.stringify(value ?? null, null, 1);
  area.addEventListener('change', () => {
    try { set(JSON.parse(area.value)); area.removeAttribute('aria-invalid'); } catch { area.setAttribute('aria-invalid', 'true'); }
  });
  return area;
}

// Render every property of `schema` not in `skip`; overrides[prop](ctx) renders a custom widget.
export function schemaForm({ schema, value, skip = [], overrides = {}, onChange, idBase, refs }) {
  const root = schema;
  const rows = [];
  for (const [prop, raw] of Object.entries(schema.properties || {})) {
    if (skip.includes(prop)) continue;
    const s = resolveSchema(raw, root);
    const label = titleOf(prop, s);
    const id = `${idBase}-${prop}`;
    const set = (v) => onChange(prop, v);
    if (overrides[prop]) {
      const el = overrides[prop]({ value: value[prop], set, label, id, schema: s });
      if (el) rows.push(el);
      continue;
    }
    const control = scalarControl(prop, s, value[prop], set, { id, label, refs });
    if (!control) continue;
    if (control.tagName === 'DIV') rows.push(h('div', { class: 'field' }, h('span', { class: 'field-label' }, label), control));
    else rows.push(field(label, control, s.description && s.description.length < 90 ? s.description : null));
  }
  return h('div', { class: 'schema-form' }, rows);
}
