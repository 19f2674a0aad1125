// Moving actionflow nodes anywhere in the tree: across branches, into and out of
// loops and condition branches. Two ways in: drag a node onto an insertion point of
// the flowchart, or the keyboard-usable "Move to…" dialog listing every place.
// After a move the draft is saved and validated again, so references that no longer
// hold (a node now running before the node it uses) show up on the node at once.
import { openDialog } from '../dialog.js';
import { field, h, select, toast } from '../dom.js';
import { childLists, locateNode } from '../model.js';

const DRAG_TYPE = 'application/x-minimomen-node';

function chainName(owner, branch) {
  if (!owner) return 'Flow';
  return branch ? `Branch ${branch.name} (of ${owner.name})` : `Loop ${owner.name}`;
}

// Every place a node can go, as {owner, branch, index, label}; nothing inside `movingId` itself.
export function destinations(flow, movingId) {
  const out = [];
  const visit = (nodes, owner, branch) => {
    const chain = chainName(owner, branch);
    const list = nodes || [];
    for (let i = 0; i <= list.length; i += 1) {
      const here = list[i - 1];
      const next = list[i];
      // Right before or after the node itself is where it already is.
      if ((here && here.id === movingId) || (next && next.id === movingId)) continue;
      out.push({ owner: owner ? owner.id : null, branch: branch ? branch.id : null, index: i, label: i === 0 ? `${chain}: at the start` : `${chain}: after ${here.name}` });
    }
    for (const node of list) {
      if (node.id === movingId) continue;
      for (const child of childLists(node)) visit(child.list, node, child.branch);
    }
  };
  visit(flow.nodes, null, null);
  return out;
}

function listAt(flow, target) {
  if (!target.owner) return flow.nodes;
  const found = locateNode(flow.nodes, target.owner);
  if (!found) return null;
  if (found.node.type === 'loop') return found.node.nodes;
  const branch = (found.node.branches || []).find((b) => b.id === target.branch);
  return branch ? branch.nodes : null;
}

// Move node `nodeId` to `target` ({owner, branch, index}); false (and a toast) when it cannot go there.
export function moveNode(ctx, flow, nodeId, target) {
  const { store, ui } = ctx;
  const from = locateNode(flow.nodes, nodeId);
  if (!from) return false;
  if (target.owner && (target.owner === nodeId || locateNode(childNodes(from.node), target.owner))) {
    toast(`${from.node.name} cannot move into itself.`, 'error');
    return false;
  }
  const to = listAt(flow, target);
  if (!to) { toast('That place no longer exists.', 'error'); return false; }
  let index = Math.min(target.index, to.length);
  if (to === from.list && from.index < index) index -= 1;
  if (to === from.list && from.index === index) return false;
  store.change(() => {
    from.list.splice(from.index, 1);
    to.splice(index, 0, from.node);
  });
  Object.assign(ui, { node: nodeId, insert: null, panel: 'node' });
  ctx.refresh();
  const owner = target.owner ? locateNode(flow.nodes, target.owner).node : null;
  const branch = owner && target.branch ? (owner.branches || []).find((b) => b.id === target.branch) : null;
  toast(`Moved ${from.node.name} to ${chainName(owner, branch)}.`);
  focusNode(nodeId);
  return true;
}

function childNodes(node) {
  return childLists(node).flatMap((c) => c.list || []);
}

function focusNode(nodeId) {
  const button = document.querySelector(`#node-${CSS.escape(nodeId)} .node-select`);
  if (button) button.focus();
}

// The keyboard way: a dialog with every destination in one select.
export function openMoveDialog(ctx, flow, node) {
  const places = destinations(flow, node.id);
  const choice = select(places.map((p, i) => ({ value: String(i), label: p.label })), { id: 'move-destination', 'aria-label': 'Destination' });
  openDialog({
    title: `Move ${node.name} to…`,
    body: h('div', {}, h('p', { class: 'hint' }, 'The node and everything inside it moves; later nodes can use its results only where it runs before them.'), field('Destination', choice)),
    actions: [
      { label: 'Cancel', onClick: (close) => { close(null); focusNode(node.id); } },
      { label: 'Move', class: 'primary', id: 'move-confirm', onClick: (close) => { close(true); moveNode(ctx, flow, node.id, places[Number(choice.value)]); } },
    ],
  });
  choice.focus();
}

// Drag and drop: node cards are drag sources, insertion points drop targets.
export function makeDraggable(card, node) {
  card.setAttribute('draggable', 'true');
  card.addEventListener('dragstart', (e) => {
    e.stopPropagation();
    e.dataTransfer.setData(DRAG_TYPE, node.id);
    e.dataTransfer.setData('text/plain', node.id);
    e.dataTransfer.effectAllowed = 'move';
    card.classList.add('dragging');
  });
  card.addEventListener('dragend', () => card.classList.remove('dragging'));
}

export function makeDropTarget(ctx, flow, el, target) {
  el.addEventListener('dragover', (e) => {
    if (![...e.dataTransfer.types].includes(DRAG_TYPE)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'move';
    el.classList.add('drop-target');
  });
  el.addEventListener('dragleave', () => el.classList.remove('drop-target'));
  el.addEventListener('drop', (e) => {
    const nodeId = e.dataTransfer.getData(DRAG_TYPE);
    if (!nodeId) return;
    e.preventDefault();
    e.stopPropagation();
    el.classList.remove('drop-target');
    moveNode(ctx, flow, nodeId, target);
  });
}
