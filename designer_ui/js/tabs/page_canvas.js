// The canvas: the page drawn from its definition (bindings shown as {item.stock}),
// click to select; or the running app in a frame ("Live app", after publishing).
import { button, h } from '../dom.js';
import { tableById } from '../model.js';
import { isRef } from '../widgets/expression.js';

const show = (value) => {
  if (value === null || value === undefined) return '';
  if (isRef(value)) return `{${value.ref}}`;
  if (typeof value === 'object') return '{formula}';
  return String(value);
};

function draw(ctx, c) {
  const { ui } = ctx;
  const select = (e) => { e.stopPropagation(); ui.component = c.id; ctx.refresh(); };
  const cls = `cv cv-${c.type}${ui.component === c.id ? ' cv-selected' : ''}${c.variant ? ` cv-${c.variant}` : ''}`;
  const style = {};
  for (const [k, v] of Object.entries(c.style || {})) style[k.replace(/-([a-z])/g, (_, x) => x.toUpperCase())] = v;
  let inner;
  switch (c.type) {
    case 'container':
      Object.assign(style, { display: 'flex', flexDirection: c.direction === 'row' ? 'row' : 'column', gap: `${c.gap ?? 12}px`, padding: `${c.padding ?? 0}px` });
      inner = c.children.length ? c.children.map((x) => draw(ctx, x)) : h('span', { class: 'cv-empty' }, 'Empty container');
      break;
    case 'list': {
      const table = tableById(ctx.store.def, c.source && c.source.table);
      inner = [h('div', { class: 'cv-caption' }, `List of ${table ? table.name : '?'} (${c.source && c.source.request})`),
        h('div', { class: 'cv-list-item' }, c.item.length ? c.item.map((x) => draw(ctx, x)) : h('span', { class: 'cv-empty' }, 'Add components to the list item'))];
      break;
    }
    case 'text': inner = h('span', { class: `cv-text-${c.variant || 'body'}` }, `${c.prefix || ''}${show(c.value)}${c.suffix || ''}`); break;
    case 'image': inner = h('span', { class: 'cv-image' }, `🖼 ${show(c.src) || 'image'}`); break;
    case 'text_input':
    case 'number_input': inner = h('span', { class: 'cv-input' }, h('span', { class: 'cv-label' }, c.label || c.name), h('span', { class: 'cv-box' }, c.placeholder || c.value_type)); break;
    case 'button': inner = h('span', { class: `cv-btn cv-btn-${c.variant || 'primary'}` }, show(c.label)); break;
    case 'conditional_view':
      inner = (c.branches || []).map((b) => h('div', { class: 'cv-branch' }, h('div', { class: 'cv-caption' }, `if ${b.condition === null || b.condition === undefined ? 'otherwise' : b.name}`), b.children.map((x) => draw(ctx, x))));
      break;
    default: inner = c.type;
  }
  return h('div', { class: cls, style, onClick: select, title: `${c.name} (${c.type})`, dataset: { component: c.id } }, inner);
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
  return h('div', { class: 'canvas-wrap' }, head,
    h('div', { class: 'canvas', onClick: () => { ui.component = null; ctx.refresh(); } },
      page.components.length ? page.components.map((c) => draw(ctx, c)) : h('p', { class: 'cv-empty' }, 'Add components from the palette on the left.')));
}
