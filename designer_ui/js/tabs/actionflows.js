// Actionflows tab: flow list, the node tree drawn as a flowchart, and a side panel
// (flow settings, node properties, add node, run, stress test).
import { button, field, h, input, toast } from '../dom.js';
import { newId } from '../ids.js';
import { flowById, locateNode, moveInList } from '../model.js';
import { addNodePanel, nodePanel, nodeSummary } from './flow_node_form.js';
import { makeDraggable, makeDropTarget, openMoveDialog } from './flow_move.js';
import { flowSettingsPanel, forgetAccounts, runPanel, stressPanel } from './flow_panels.js';

export function render(ctx) {
  const { def, ui } = ctx;
  if (!ui.flow || !flowById(def, ui.flow)) ui.flow = (def.actionflows[0] || {}).id || null;
  const flow = flowById(def, ui.flow);
  const pane = h('section', { class: 'main-pane chart-pane', 'aria-label': 'Flowchart', 'data-scroll': 'flowchart' });
  if (flow) {
    const drawing = chart(ctx, flow);
    pane.append(zoomTools(ctx, pane, drawing), drawing);
    enablePan(pane);
  } else pane.append(h('p', { class: 'muted' }, 'Create an actionflow to start.'));
  return h('div', { class: 'layout-3' },
    sidebar(ctx),
    pane,
    flow ? sidePanel(ctx, flow) : h('aside', { class: 'props' }));
}

function sidebar(ctx) {
  const { def, ui, store } = ctx;
  const name = input({ 'aria-label': 'New actionflow name', id: 'new-flow-name', 'data-keep': true, placeholder: 'Place Order' });
  const add = () => {
    if (!name.value.trim()) return;
    const id = newId(def, name.value, '', 'flow');
    store.change((d) => d.actionflows.push({ id, name: name.value.trim(), description: '', mode: 'sync', inputs: [], variables: [], nodes: [], output: {}, timeout_ms: 15000 }));
    Object.assign(ui, { flow: id, node: null, insert: null, panel: 'flow' });
    ctx.refresh();
  };
  name.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); add(); } });
  return h('aside', { class: 'sidebar', 'aria-label': 'Actionflows' }, h('h2', {}, 'Actionflows'),
    h('ul', { class: 'nav-list' }, def.actionflows.map((f) => h('li', {},
      button(f.name, () => { Object.assign(ui, { flow: f.id, node: null, insert: null, panel: 'flow' }); ctx.refresh(); }, { class: f.id === ui.flow ? 'nav-item active' : 'nav-item', 'aria-current': f.id === ui.flow ? 'true' : null })))),
    h('div', { class: 'add-box' }, field('New actionflow', name), button('Add actionflow', add, { class: 'small primary', id: 'add-flow' })));
}

// ------------------------------------------------------------ zoom, fit, pan

const ZOOMS = [0.4, 0.5, 0.6, 0.75, 0.9, 1, 1.25, 1.5];

// The chart's scale: "fit" (the default) shrinks a wide chart to the pane's width — never
// enlarges it — so a flow with nested conditions is whole at 1280 px; − / + step through
// fixed sizes and 100% shows it as drawn. The scale is the CSS zoom of the drawing, so
// scrolling (and dragging the background to pan) covers the whole zoomed chart.
function zoomTools(ctx, pane, drawing) {
  const { ui } = ctx;
  const mode = ui.zoom ?? 'fit';
  const label = h('span', { class: 'zoom-level', id: 'zoom-level', 'aria-live': 'polite' });
  const apply = (scale) => {
    drawing.style.zoom = String(scale);
    label.textContent = `${Math.round(scale * 100)}%`;
    drawing.dataset.zoom = String(scale);
  };
  const current = () => Number(drawing.dataset.zoom || 1);
  const set = (next) => { ui.zoom = next; if (next === 'fit') fit(); else apply(next); };
  const fit = () => {
    drawing.style.zoom = '1';
    const natural = drawing.scrollWidth;
    const room = pane.clientWidth - 32;
    let scale = natural > room && room > 0 ? Math.max(0.25, Math.floor((room / natural) * 100) / 100) : 1;
    apply(scale);
    // A scroll bar coming or going changes the room: shrink a little more until nothing sticks out.
    for (let i = 0; i < 6 && scale > 0.25 && pane.scrollWidth > pane.clientWidth; i += 1) { scale = Math.round((scale - 0.02) * 100) / 100; apply(scale); }
  };
  const step = (direction) => {
    const now = current();
    const next = direction > 0 ? ZOOMS.find((z) => z > now + 0.001) : [...ZOOMS].reverse().find((z) => z < now - 0.001);
    set(next ?? now);
  };
  // Measured once the drawing is in the page (rerender attaches it right after this returns).
  requestAnimationFrame(() => { if (drawing.isConnected) { if (mode === 'fit') fit(); else apply(mode); } });
  return h('div', { class: 'chart-tools', role: 'toolbar', 'aria-label': 'Flowchart zoom' },
    button('−', () => step(-1), { class: 'icon', 'aria-label': 'Zoom out', id: 'zoom-out' }),
    label,
    button('+', () => step(1), { class: 'icon', 'aria-label': 'Zoom in', id: 'zoom-in' }),
    button('Fit', () => set('fit'), { class: 'small', 'aria-label': 'Fit to the canvas', id: 'zoom-fit', 'aria-pressed': String(mode === 'fit') }),
    button('100%', () => set(1), { class: 'small', 'aria-label': 'Actual size', id: 'zoom-actual' }));
}

// Drag the empty background of the chart to move around it (nodes and buttons keep their clicks and drags).
function enablePan(pane) {
  let start = null;
  pane.addEventListener('pointerdown', (e) => {
    if (e.button !== 0 || e.target.closest('button, .node, input, select, textarea, a, .chart-tools')) return;
    start = { x: e.clientX, y: e.clientY, left: pane.scrollLeft, top: pane.scrollTop };
    pane.setPointerCapture(e.pointerId);
    pane.classList.add('panning');
  });
  pane.addEventListener('pointermove', (e) => {
    if (!start) return;
    pane.scrollLeft = start.left - (e.clientX - start.x);
    pane.scrollTop = start.top - (e.clientY - start.y);
  });
  const stop = (e) => { if (start) { start = null; pane.classList.remove('panning'); if (pane.hasPointerCapture(e.pointerId)) pane.releasePointerCapture(e.pointerId); } };
  pane.addEventListener('pointerup', stop);
  pane.addEventListener('pointercancel', stop);
}

// ------------------------------------------------------------ the chart

function chart(ctx, flow) {
  const flowProblems = ctx.store.problemsFor((loc) => loc.actionflow === flow.id && !loc.node);
  return h('div', { class: 'flowchart' },
    h('div', { class: 'flow-start' }, h('strong', {}, flow.name), h('span', { class: 'muted' }, ` · inputs: ${(flow.inputs || []).map((i) => i.name).join(', ') || 'none'}`)),
    flowProblems.length ? h('ul', { class: 'inline-problems' }, flowProblems.map((p) => h('li', { class: `problem problem-${p.severity}` }, p.message))) : null,
    chain(ctx, flow, flow.nodes, { owner: null, branch: null }, 'flow'),
    h('div', { class: 'flow-end' }, h('span', {}, 'Output: '), h('code', {}, Object.keys(flow.output || {}).join(', ') || '—')));
}

// An insertion point: click to add a node there, or drop a dragged node on it to move it there.
function insertButton(ctx, flow, target, label, text) {
  const { ui } = ctx;
  const active = ui.insert && ui.insert.owner === target.owner && ui.insert.branch === target.branch && ui.insert.index === target.index;
  const el = button(text, () => { ui.insert = target; ui.node = null; ui.panel = 'add'; ctx.refresh(); },
    { class: active ? 'insert-point active' : 'insert-point', 'aria-label': label });
  makeDropTarget(ctx, flow, el, target);
  return el;
}

function chain(ctx, flow, nodes, where, chainLabel) {
  const items = [];
  (nodes || []).forEach((node, index) => {
    items.push(insertButton(ctx, flow, { ...where, index }, `Add node before ${node.name}`, '+'));
    items.push(nodeCard(ctx, flow, node, nodes, index));
  });
  items.push(insertButton(ctx, flow, { ...where, index: (nodes || []).length }, `Add node to ${chainLabel}`, '+ Add node'));
  return h('div', { class: 'chain' }, items);
}

function nodeCard(ctx, flow, node, list, index) {
  const { ui, store } = ctx;
  const problems = store.problemsFor((loc) => loc.actionflow === flow.id && loc.node === node.id);
  const errors = problems.filter((p) => p.severity === 'error').length;
  const entry = store.registry.node_types.find((t) => t.type === node.type) || { label: node.type };
  const selected = ui.node === node.id;
  const controls = h('div', { class: 'node-controls' },
    button('↑', () => store.change(() => moveInList(list, index, -1)), { class: 'icon', 'aria-label': `Move ${node.name} up`, disabled: index === 0 }),
    button('↓', () => store.change(() => moveInList(list, index, 1)), { class: 'icon', 'aria-label': `Move ${node.name} down`, disabled: index === list.length - 1 }),
    button('⇄', () => openMoveDialog(ctx, flow, node), { class: 'icon', 'aria-label': `Move ${node.name} to…`, title: 'Move to another branch, loop or place' }),
    button('✕', () => {
      store.change(() => list.splice(index, 1));
      if (ui.node === node.id) ui.node = null;
      toast(`Deleted ${node.name} (Undo brings it back)`);
    }, { class: 'icon danger', 'aria-label': `Delete ${node.name}` }));
  const head = h('div', { class: 'node-head' },
    button(h('span', {}, h('strong', {}, node.name), h('small', { class: 'node-type' }, entry.label)), () => { Object.assign(ui, { node: node.id, insert: null, panel: 'node' }); ctx.refresh(); },
      { class: 'node-select', 'aria-label': `Edit node ${node.name}`, 'aria-pressed': String(selected) }),
    controls);
  const body = [head, h('div', { class: 'node-summary' }, nodeSummary(ctx, node))];
  if (problems.length) body.push(h('ul', { class: 'node-problems', 'aria-label': `Problems of ${node.name}` }, problems.map((p) => h('li', { class: `problem problem-${p.severity}` }, p.message))));
  if (node.type === 'condition') {
    body.push(h('div', { class: 'branches' }, (node.branches || []).map((b) => h('div', { class: 'branch', role: 'group', 'aria-label': `Branch ${b.name}` },
      h('div', { class: 'branch-head' }, h('strong', {}, b.name), h('small', { class: 'muted' }, b.condition === null || b.condition === undefined ? ' otherwise' : '')),
      chain(ctx, flow, b.nodes, { owner: node.id, branch: b.id }, `branch ${b.name}`)))));
  } else if (node.type === 'loop') {
    body.push(h('div', { class: 'branches' }, h('div', { class: 'branch' }, chain(ctx, flow, node.nodes, { owner: node.id, branch: null }, `loop ${node.name}`))));
  }
  const card = h('div', { class: `node node-${node.type}${selected ? ' selected' : ''}${errors ? ' has-errors' : problems.length ? ' has-warnings' : ''}`, id: `node-${node.id}` }, body);
  makeDraggable(card, node);
  return card;
}

// The list a new node goes into.
export function targetList(flow, target) {
  if (!target.owner) return flow.nodes;
  const found = locateNode(flow.nodes, target.owner);
  if (!found) return null;
  if (found.node.type === 'loop') return found.node.nodes;
  const branch = (found.node.branches || []).find((b) => b.id === target.branch);
  return branch ? branch.nodes : null;
}

// ------------------------------------------------------------ side panel

const PANELS = [
  { id: 'flow', label: 'Flow' },
  { id: 'node', label: 'Node' },
  { id: 'run', label: 'Run' },
  { id: 'stress', label: 'Stress test' },
];

function sidePanel(ctx, flow) {
  const { ui } = ctx;
  let panel = ui.panel || 'flow';
  if (panel === 'node' && !ui.node) panel = 'flow';
  const tabs = h('div', { class: 'segmented', role: 'tablist', 'aria-label': 'Actionflow panels' }, PANELS.map((p) => button(p.label, () => {
    ui.panel = p.id;
    if (p.id !== 'add') ui.insert = null;
    if (p.id === 'run' || p.id === 'stress') forgetAccounts(ui); // opening the panel lists today's accounts
    ctx.refresh();
  },
    { role: 'tab', 'aria-selected': String(panel === p.id || (panel === 'add' && p.id === 'node')), id: `flow-panel-${p.id}`, disabled: p.id === 'node' && !ui.node && panel !== 'add' })));
  let content;
  if (panel === 'add' && ui.insert) content = addNodePanel(ctx, flow, ui.insert, targetList);
  else if (panel === 'node') content = nodePanel(ctx, flow, ui.node);
  else if (panel === 'run') content = runPanel(ctx, flow);
  else if (panel === 'stress') content = stressPanel(ctx, flow);
  else content = flowSettingsPanel(ctx, flow);
  return h('aside', { class: 'props', 'aria-label': 'Actionflow properties', 'data-scroll': 'flow-props' }, tabs, content);
}

