// The canvas: the page drawn from its definition (bindings shown as {item.stock}),
// click to select, drag to move (page_move.js: the same moves and checks as the tree);
// or the running app in a frame ("Live app", after publishing).
import { button, h } from '../dom.js';
import { tableById } from '../model.js';
import { isRef } from '../widgets/expression.js';
import { canHold, makeDraggable, makeDropTarget, moveNotice, placeAfter, placeBefore, placeInside } from './page_move.js';

const show = (value) => {
  if (value === null || value === undefined) return '';
  if (isRef(value)) return `{${value.ref}}`;
  if (typeof value === 'object') return '{formula}';
  return String(value);
};

// A drop on a component lands before / after it along its parent's direction, or inside it.
function movable(ctx, page, el, c, axis) {
  makeDraggable(el, c);
  makeDropTarget(ctx, page, el, {
    where: 'canvas', holds: canHold(c), axis,
    placeFor: (zone) => (zone === 'inside' ? placeInside(c) : zone === 'after' ? placeAfter(page, c.id) : placeBefore(page, c.id)),
  });
  return el;
}

// A box that only takes drops into itself: a list's item template, a branch.
function intoBox(ctx, page, el, owner, branchId) {
  makeDropTarget(ctx, page, el, { where: 'canvas', zoneFor: () => 'inside', placeFor: () => placeInside(owner, branchId) });
  return el;
}

function draw(ctx, page, c, axis = 'y') {
  const { ui } = ctx;
  const select = (e) => { e.stopPropagation(); ui.component = c.id; ctx.refresh(); };
  const cls = `cv cv-${c.type}${ui.component === c.id ? ' cv-selected' : ''}${c.variant ? ` cv-${c.variant}` : ''}`;
  const style = {};
  for (const [k, v] of Object.entries(c.style || {})) style[k.replace(/-([a-z])/g, (_, x) => x.toUpperCase())] = v;
  let inner;
  switch (c.type) {
    case 'container':
      Object.assign(style, { display: 'flex', flexDirection: c.direction === 'row' ? 'row' : 'column', gap: `${c.gap ?? 12}px`, padding: `${c.padding ?? 0}px` });
      inner = c.children.length ? c.children.map((x) => draw(ctx, page, x, c.direction === 'row' ? 'x' : 'y')) : h('span', { class: 'cv-empty' }, 'Empty container');
      if (c.record) {
        const table = tableById(ctx.store.def, c.record.table);
        inner = [h('div', { class: 'cv-caption' }, `One ${table ? table.name : '?'} record (${c.record.request})`), inner,
          h('div', { class: 'cv-branch' }, h('div', { class: 'cv-caption' }, 'when the record is missing'), (c.not_found || []).map((x) => draw(ctx, page, x)))];
      }
      break;
    case 'list': {
      const table = tableById(ctx.store.def, c.source && c.source.table);
      inner = [h('div', { class: 'cv-caption' }, `List of ${table ? table.name : '?'} (${c.source && c.source.request})`),
        intoBox(ctx, page, h('div', { class: 'cv-list-item', style: c.direction === 'row' ? { flexDirection: 'row' } : null },
          c.item.length ? c.item.map((x) => draw(ctx, page, x, c.direction === 'row' ? 'x' : 'y')) : h('span', { class: 'cv-empty' }, 'Add components to the list item')), c)];
      break;
    }
    case 'text': inner = h('span', { class: `cv-text-${c.variant || 'body'}` }, `${c.prefix || ''}${show(c.value)}${c.suffix || ''}`); break;
    case 'image': inner = h('span', { class: 'cv-image' }, `🖼 ${show(c.src) || 'image'}`); break;
    case 'text_input':
    case 'number_input':
    case 'textarea':
    case 'date_input':
    case 'datetime_input':
    case 'select':
    case 'checkbox': {
      const hint = { textarea: 'multi-line text', date_input: 'YYYY-MM-DD', datetime_input: 'date and time', select: 'Choose…', checkbox: c.variant === 'switch' ? 'switch' : 'checkbox' }[c.type];
      inner = h('span', { class: 'cv-input' }, h('span', { class: 'cv-label' }, `${c.label || c.name}${c.required ? ' *' : ''}`), h('span', { class: 'cv-box' }, c.placeholder || hint || c.value_type));
      break;
    }
    case 'button': inner = h('span', { class: `cv-btn cv-btn-${c.variant || 'primary'}` }, show(c.label)); break;
    case 'conditional_view':
      inner = (c.branches || []).map((b) => intoBox(ctx, page, h('div', { class: 'cv-branch' }, h('div', { class: 'cv-caption' }, `if ${b.condition === null || b.condition === undefined ? 'otherwise' : b.name}`), b.children.map((x) => draw(ctx, page, x))), c, b.id));
      break;
    default: inner = c.type;
  }
  return movable(ctx, page, h('div', { class: cls, style, onClick: select, title: `${c.name} (${c.type})`, dataset: { component: c.id } }, inner), c, axis);
}

export function renderCanvas(ctx, page) {
  const { ui, store } = ctx;
  const head = h('div', { class: 'pane-head' }, h('h2', {}, page.name),
    h('div', { class: 'segmented', role: 'tablist', 'aria-label': 'Canvas mode' },
      button('Design', () => { ui.live = false; ctx.refresh(); }, { role: 'tab', 'aria-selected': String(!ui.live) }),
      button('Live app', () => { ui.live = true; ctx.refresh(); }, { role: 'tab', 'aria-selected': String(Boolean(ui.live)) })));
  if (ui.live) {
    // Redrawn (so reloaded) after every publish: ctx.view.published says which version.
    const published = ctx.view && ctx.view.published;
    return h('div', { class: 'canvas-wrap' }, head,
      h('p', { class: 'hint', id: 'live-version', role: 'status' }, published ? `Showing version ${published.version}, just published.` : 'The published app as visitors see it; it reloads after each publish.'),
      h('iframe', { class: 'live-frame', title: `Live app: ${page.name}`, id: 'live-frame', src: `/p/${store.slug}/${page.path || ''}` }));
  }
  // The page itself: a drop on its empty space lands at the end of the page.
  const canvas = h('div', { class: 'canvas', onClick: () => { ui.component = null; ctx.refresh(); } },
    page.components.length ? page.components.map((c) => draw(ctx, page, c)) : h('p', { class: 'cv-empty' }, 'Add components from the palette on the left.'));
  makeDropTarget(ctx, page, canvas, { where: 'canvas', zoneFor: () => 'inside', placeFor: () => ({ parent: null, branch: null, index: page.components.length }) });
  return h('div', { class: 'canvas-wrap' }, head, moveNotice(ctx, 'canvas'), canvas);
}
