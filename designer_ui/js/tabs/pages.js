// Pages tab: page list, component tree (drag and drop, up/down, Move to…), palette and presets,
// canvas in the middle, properties on the right (Design / Data / Action).
import { api } from '../api.js';
import { confirmDialog } from '../dialog.js';
import { button, field, h, input, toast } from '../dom.js';
import { collectIds, newId, slugify, uniqueId } from '../ids.js';
import { componentChildLists, locateComponent, moveInList, pageById } from '../model.js';
import { renderCanvas } from './page_canvas.js';
import { canHold, makeDraggable, makeDropTarget, moveNotice, openMoveDialog, placeAfter, placeBefore, placeInside } from './page_move.js';
import { propertiesPanel } from './page_props.js';

export function render(ctx) {
  const { def, ui } = ctx;
  if (!ui.page || !pageById(def, ui.page)) ui.page = (def.pages[0] || {}).id || null;
  const page = pageById(def, ui.page);
  if (page && ui.component && !locateComponent(page.components, ui.component)) ui.component = null;
  return h('div', { class: 'layout-3 pages-layout' },
    h('aside', { class: 'sidebar', 'aria-label': 'Pages and components', 'data-scroll': 'pages-side' }, pageList(ctx), page ? tree(ctx, page) : null, page ? palette(ctx, page) : null),
    h('section', { class: 'main-pane canvas-pane', 'aria-label': 'Canvas', 'data-scroll': 'canvas' }, page ? renderCanvas(ctx, page) : h('p', { class: 'muted' }, 'Create a page to start.')),
    page ? propertiesPanel(ctx, page) : h('aside', { class: 'props' }));
}

function pageList(ctx) {
  const { def, ui, store } = ctx;
  const name = input({ 'aria-label': 'New page name', id: 'new-page-name', 'data-keep': true, placeholder: 'Home' });
  const add = () => {
    if (!name.value.trim()) return;
    const slug = slugify(name.value, 'page');
    const id = newId(def, slug, slug.startsWith('page') ? '' : 'page_');
    const taken = new Set(def.pages.map((p) => p.path));
    const path = taken.has('') ? uniqueId(slug.replace(/_/g, '-').slice(0, 60), taken) : '';
    store.change((d) => {
      d.pages.push({ id, name: name.value.trim(), path, title: name.value.trim(), variables: [], components: [] });
      if (!d.settings.home_page) d.settings.home_page = id;
    });
    Object.assign(ui, { page: id, component: null });
    ctx.refresh();
  };
  name.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); add(); } });
  return h('section', { 'aria-label': 'Pages' }, h('h2', {}, 'Pages'),
    h('ul', { class: 'nav-list' }, def.pages.map((p) => h('li', {}, button(`${p.name}${p.path ? ` (/${p.path})` : ' (home)'}`, () => { Object.assign(ui, { page: p.id, component: null, moveNotice: null }); ctx.refresh(); }, { class: p.id === ui.page ? 'nav-item active' : 'nav-item', 'aria-current': p.id === ui.page ? 'true' : null })))),
    h('div', { class: 'add-box' }, field('New page', name), button('Add page', add, { class: 'small primary', id: 'add-page' })));
}

// ------------------------------------------------------------ tree

// A row takes drops before / after it, or inside when it holds components; a branch
// label takes drops into its branch. The indicator sits on the <li>, so "after" a
// container is drawn below everything it holds, where the component will land.
function tree(ctx, page) {
  const { ui, store } = ctx;
  const entry = (c, list, index) => {
    const selected = ui.component === c.id;
    const children = componentChildLists(c);
    const row = h('div', { class: `tree-row${selected ? ' selected' : ''}` },
      button(h('span', {}, c.name, h('small', { class: 'muted' }, ` ${c.type}`)), () => { ui.component = c.id; ctx.refresh(); }, { class: 'tree-select', id: `tree-${c.id}`, 'aria-label': `Select ${c.name}`, 'aria-pressed': String(selected) }),
      button('↑', () => store.change(() => moveInList(list, index, -1)), { class: 'icon', 'aria-label': `Move ${c.name} up`, disabled: index === 0 }),
      button('↓', () => store.change(() => moveInList(list, index, 1)), { class: 'icon', 'aria-label': `Move ${c.name} down`, disabled: index === list.length - 1 }),
      button('⇄', () => openMoveDialog(ctx, page, c), { class: 'icon', 'aria-label': `Move ${c.name} to…`, title: 'Move into or out of a list, container or branch' }),
      button('✕', async () => {
        if (children.some((x) => (x.list || []).length) && !await confirmDialog({ title: `Delete ${c.name}?`, message: 'Its children are deleted too.', confirmLabel: 'Delete', danger: true })) return;
        store.change(() => list.splice(index, 1));
      }, { class: 'icon danger', 'aria-label': `Delete ${c.name}` }));
    const item = h('li', { class: 'tree-item', dataset: { component: c.id } }, row,
      children.map((child) => h('ul', { class: 'tree', 'aria-label': child.branch ? `Branch ${child.branch.name}` : child.label || `${c.name} contents` },
        child.branch ? branchLabel(ctx, page, c, child.branch) : child.label ? h('li', { class: 'muted small-text' }, child.label) : null,
        (child.list || []).map((x, i) => entry(x, child.list, i)))));
    makeDraggable(row, c);
    makeDropTarget(ctx, page, row, {
      where: 'tree', mark: item, holds: canHold(c),
      placeFor: (zone) => (zone === 'inside' ? placeInside(c) : zone === 'after' ? placeAfter(page, c.id) : placeBefore(page, c.id)),
    });
    return item;
  };
  return h('section', { 'aria-label': 'Component tree' }, h('h2', {}, 'Components'),
    moveNotice(ctx, 'tree'),
    h('ul', { class: 'tree', role: 'list' }, page.components.map((c, i) => entry(c, page.components, i))),
    page.components.length ? h('p', { class: 'hint tree-hint' }, 'Drag a component onto another (before, after or inside), or use ⇄ to move it.') : null,
    ui.component ? button('Deselect (add at page level)', () => { ui.component = null; ctx.refresh(); }, { class: 'link small' }) : null);
}

function branchLabel(ctx, page, owner, branch) {
  const label = h('li', { class: 'muted branch-label' }, `branch: ${branch.name}`);
  makeDropTarget(ctx, page, label, { where: 'tree', zoneFor: () => 'inside', placeFor: () => placeInside(owner, branch.id) });
  return label;
}

// ------------------------------------------------------------ palette

function firstTable(def) {
  return (def.tables.find((t) => t.name !== 'account') || def.tables[0] || {}).id || '';
}

export function newComponent(def, type, name) {
  const id = newId(def, name, '', 'component');
  const base = { id, name, type, style: {}, events: {} };
  const bid = (suffix) => newId(def, `${id}_${suffix}`, '', 'branch');
  switch (type) {
    case 'container': return { ...base, direction: 'column', gap: 12, padding: 0, variant: 'plain', children: [] };
    case 'list': return { ...base, source: { table: firstTable(def), request: 'query', filter: {}, order_by: [], limit: null }, direction: 'column', gap: 12, empty_text: 'Nothing here yet.', item: [] };
    case 'text': return { ...base, value: name, prefix: '', suffix: '', format: 'plain', variant: 'body' };
    case 'image': return { ...base, src: '', alt: '' };
    case 'text_input': return { ...base, label: name, value_type: 'text', placeholder: '', default: null, min: null, max: null, required: false };
    case 'textarea': case 'date_input': case 'datetime_input': case 'checkbox': return { ...base, label: name, default: null, required: false };
    case 'select': return { ...base, label: name, value_type: 'text', default: null, required: false, options: [] };
    case 'number_input': return { ...base, label: name, value_type: 'bigint', placeholder: '', default: null, min: null, max: null, step: null, required: false };
    case 'button': return { ...base, label: name, variant: 'primary' };
    case 'conditional_view': return { ...base, branches: [{ id: bid('branch_1'), name: 'Branch 1', condition: {}, children: [] }, { id: bid('otherwise'), name: 'Otherwise', condition: null, children: [] }] };
    default: return base;
  }
}

// Where the palette inserts: into the selected container / list item / first branch, else after the selection.
function insertionList(page, selectedId) {
  const found = selectedId ? locateComponent(page.components, selectedId) : null;
  if (!found) return { list: page.components, index: page.components.length };
  const inner = componentChildLists(found.component)[0];
  if (inner) return { list: inner.list, index: inner.list.length };
  return { list: found.list, index: found.index + 1 };
}

// Give every component (and branch) of a preset fresh ids so it can be inserted many times.
function freshIds(def, tree) {
  const taken = collectIds(def);
  const copy = JSON.parse(JSON.stringify(tree));
  const visit = (value) => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      if (typeof value.id === 'string') value.id = uniqueId(value.id, taken);
      Object.values(value).forEach(visit);
    }
  };
  visit(copy);
  return copy;
}

function palette(ctx, page) {
  const { def, ui, store } = ctx;
  const name = input({ 'aria-label': 'New component name', id: 'new-component-name', 'data-keep': true, placeholder: 'optional, e.g. Quantity Input' });
  const add = (type, label) => {
    const component = newComponent(def, type, name.value.trim() || label);
    const where = insertionList(page, ui.component);
    store.change(() => where.list.splice(where.index, 0, component));
    ui.component = component.id;
    ui.propsTab = 'design';
    ctx.refresh();
  };
  ui.presets = ui.presets || null;
  if (ui.presets === null) {
    ui.presets = [];
    api('GET', '/api/presets').then((r) => { ui.presets = r.presets; ctx.refresh(); }).catch(() => { ui.presets = []; });
  }
  const insertPreset = async (preset) => {
    try {
      const { preset: full } = await api('GET', `/api/presets/${encodeURIComponent(preset.id)}`);
      const components = Array.isArray(full) ? full : (full.components || (full.component ? [full.component] : [full]));
      const fresh = freshIds(def, components);
      const where = insertionList(page, ui.component);
      store.change(() => where.list.splice(where.index, 0, ...fresh));
      if (fresh[0]) ui.component = fresh[0].id;
      toast(`Inserted preset ${preset.name || preset.id}`, 'success');
    } catch (e) { toast(e.message, 'error'); }
  };
  return h('section', { 'aria-label': 'Palette' }, h('h2', {}, 'Add'),
    field('Name', name),
    h('div', { class: 'palette' }, store.registry.component_types.map((t) => button(t.label, () => add(t.type, t.label), { class: 'small', 'aria-label': `Add ${t.label}`, title: t.description }))),
    ui.presets.length ? h('div', {}, h('h3', {}, 'Common UI Presets'), h('div', { class: 'palette' }, ui.presets.map((p) => button(p.name || p.id, () => insertPreset(p), { class: 'small', 'aria-label': `Insert preset ${p.name || p.id}`, title: p.description || '' })))) : null);
}
