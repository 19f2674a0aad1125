// Moving page components anywhere: into, out of and across lists, containers and
// conditional-view branches. Three ways in, one path: drag in the component tree, drag
// on the canvas, or the keyboard-usable "Move to…" dialog listing every place.
// A move that would break the page is refused before anything changes, with a message
// where the builder let go: into itself; a component showing `item.*` (its list's row)
// out of every list or into a list of another table (both checked here, with words
// about the component); anything else the server's validation finds newly wrong.
// An accepted move is one store change saved on its own, so one Undo brings it back.
import { api, projectUrl } from '../api.js';
import { openDialog } from '../dialog.js';
import { button, field, h, select, toast } from '../dom.js';
import { componentChildLists, locateComponent, pageById, tableById } from '../model.js';

export const DRAG_TYPE = 'application/x-minimomen-component';
const INDICATORS = ['drop-before', 'drop-after', 'drop-inside', 'drop-refused'];

// A place is {parent, branch, index}: parent null is the page itself; branch names the
// conditional-view branch when the parent has several child lists.

export const canHold = (c) => componentChildLists(c).length > 0;

function childList(c, branchId) {
  const lists = componentChildLists(c);
  const chosen = branchId ? lists.find((x) => x.branch && x.branch.id === branchId) : lists[0];
  return chosen ? chosen.list : null;
}

function listAt(page, place) {
  if (!place.parent) return page.components;
  const found = locateComponent(page.components, place.parent);
  return found ? childList(found.component, place.branch) : null;
}

// Where component `id` sits now, as a place.
export function placeOf(page, id) {
  const found = locateComponent(page.components, id);
  if (!found) return null;
  const parent = found.ancestors[found.ancestors.length - 1] || null;
  const branch = parent ? componentChildLists(parent).find((x) => x.list === found.list).branch : null;
  return { parent: parent ? parent.id : null, branch: branch ? branch.id : null, index: found.index };
}

// The place right before / after component `id`, or at the end of `c`'s (branch's) contents.
export const placeBefore = (page, id) => placeOf(page, id);
export function placeAfter(page, id) { const p = placeOf(page, id); return p && { ...p, index: p.index + 1 }; }
export function placeInside(c, branchId = null) {
  const branch = branchId || ((componentChildLists(c)[0] || {}).branch || {}).id || null;
  return { parent: c.id, branch, index: (childList(c, branch) || []).length };
}

// The name of a place's list: "Page", "Product List item", "Branch Logged in (of Session)".
function listName(page, place) {
  if (!place.parent) return 'Page';
  const owner = locateComponent(page.components, place.parent).component;
  if (place.branch) return `Branch ${owner.branches.find((b) => b.id === place.branch).name} (of ${owner.name})`;
  return owner.type === 'list' ? `${owner.name} item` : owner.name;
}

// Every place component `movingId` can go, labelled; nothing inside it, not where it already is.
export function destinations(page, movingId) {
  const out = [];
  const visit = (list, parent, branch) => {
    const place = { parent: parent ? parent.id : null, branch: branch ? branch.id : null };
    const name = listName(page, place);
    for (let i = 0; i <= list.length; i += 1) {
      const here = list[i - 1];
      const next = list[i];
      if ((here && here.id === movingId) || (next && next.id === movingId)) continue;
      out.push({ ...place, index: i, label: i === 0 ? `${name}: at the start` : `${name}: after ${here.name}` });
    }
    for (const c of list) {
      if (c.id === movingId) continue;
      for (const child of componentChildLists(c)) visit(child.list || [], c, child.branch || null);
    }
  };
  visit(page.components, null, null);
  return out;
}

// ------------------------------------------------------------ what a move would break

// `item.*` references a component (and what it holds) reads from the list around it.
// A list inside it opens its own item scope: only its source (filter) looks outward.
export function freeItemRefs(c) {
  const found = new Set();
  const inner = new Set(componentChildLists(c).map((x) => x.list));
  const scan = (value) => {
    if (Array.isArray(value)) { if (!inner.has(value)) value.forEach(scan); return; }
    if (!value || typeof value !== 'object') return;
    if (typeof value.ref === 'string' && (value.ref === 'item' || value.ref.startsWith('item.'))) found.add(value.ref);
    Object.values(value).forEach(scan);
  };
  scan(c);
  if (c.type !== 'list') for (const child of inner) for (const x of child || []) freeItemRefs(x).forEach((r) => found.add(r));
  return [...found];
}

function listsAround(page, place) {
  if (!place.parent) return [];
  const found = locateComponent(page.components, place.parent);
  return [...found.ancestors, found.component].filter((c) => c.type === 'list');
}

function isInside(c, id) {
  return componentChildLists(c).some((x) => (x.list || []).some((y) => y.id === id || isInside(y, id)));
}

// The sentence refusing the move, or null; checks needing no server.
export function localProblem(def, page, c, place) {
  if (place.parent === c.id || (place.parent && isInside(c, place.parent))) return `${c.name} cannot move into itself or into one of its own components.`;
  const refs = freeItemRefs(c);
  if (!refs.length) return null;
  const shown = refs.slice(0, 2).map((r) => `List ${r}`).join(', ');
  const fromList = listsAround(page, placeOf(page, c.id)).pop();
  const toList = listsAround(page, place).pop();
  const tableName = (list) => (tableById(def, list && list.source && list.source.table) || { name: '?' }).name;
  if (!toList) return `${c.name} cannot leave the list: it shows ${shown}, a field of the list's row, which exists only inside a list's item template. Move it into a list of ${tableName(fromList)}, or change its data first.`;
  if (fromList && toList.source.table !== fromList.source.table) return `${c.name} cannot move into ${toList.name}: it shows ${shown} of a ${tableName(fromList)} row, and ${toList.name} lists ${tableName(toList)} rows.`;
  return null;
}

function applyMove(page, id, place) {
  const from = locateComponent(page.components, id);
  const to = listAt(page, place);
  let index = Math.min(place.index, to.length);
  if (to === from.list && from.index < index) index -= 1;
  from.list.splice(from.index, 1);
  to.splice(index, 0, from.component);
}

// Errors the server finds in `candidate` that the current definition does not have.
async function newErrors(slug, current, candidate) {
  const url = projectUrl(slug, '/validate');
  const [was, would] = await Promise.all([api('POST', url, { definition: current }), api('POST', url, { definition: candidate })]);
  const seen = new Map();
  for (const p of was.problems || []) if (p.severity === 'error') seen.set(p.message, (seen.get(p.message) || 0) + 1);
  return (would.problems || []).filter((p) => {
    if (p.severity !== 'error') return false;
    const left = seen.get(p.message) || 0;
    seen.set(p.message, left - 1);
    return left <= 0;
  });
}

let checking = false;

// Move component `id` of page `pageId` to `place`: {ok} or {ok: false, message}. Never a partial change.
export async function moveComponent(ctx, pageId, id, place) {
  const { store, ui } = ctx;
  const page = pageById(store.def, pageId);
  const found = page && locateComponent(page.components, id);
  const to = page && listAt(page, place);
  if (!found || !to) return { ok: false, message: 'That place no longer exists.' };
  const c = found.component;
  const local = localProblem(store.def, page, c, place);
  if (local) return { ok: false, message: local };
  if (to === found.list && (place.index === found.index || place.index === found.index + 1)) return { ok: true, unchanged: true };
  if (checking) return { ok: false, message: 'Another move is still being checked; try again in a moment.' };
  checking = true;
  store.holdStatus();
  try {
    await store.flush(); // earlier edits become their own version: Undo takes back the move alone
    store.holdStatus();
    const before = JSON.stringify(store.def);
    const candidate = JSON.parse(before);
    applyMove(pageById(candidate, pageId), id, place);
    const errors = await newErrors(store.slug, JSON.parse(before), candidate);
    if (errors.length) {
      const more = errors.length > 1 ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? 's' : ''})` : '';
      return { ok: false, message: `${c.name} cannot move there: ${errors[0].message}${more}` };
    }
    if (JSON.stringify(store.def) !== before) return { ok: false, message: 'The page changed while the move was being checked; try again.' };
    const target = listName(page, place);
    Object.assign(ui, { component: id, moveNotice: null });
    store.change((def) => applyMove(pageById(def, pageId), id, place));
    store.flush();
    toast(`Moved ${c.name} to ${target}.`);
    return { ok: true };
  } catch (e) {
    return { ok: false, message: `The move could not be checked: ${e.message}` };
  } finally {
    checking = false;
    store.releaseStatus();
  }
}

// Tree and canvas: run the move; a refusal stays on screen where it happened until dismissed.
async function moveFrom(where, ctx, pageId, id, place) {
  const result = await moveComponent(ctx, pageId, id, place);
  if (!result.ok) { ctx.ui.moveNotice = { where, text: result.message }; ctx.refresh(); }
  return result;
}

export function moveNotice(ctx, where) {
  const notice = ctx.ui.moveNotice;
  if (!notice || notice.where !== where) return null;
  return h('div', { class: 'move-notice problem problem-error', role: 'alert', id: `move-notice-${where}` },
    h('span', {}, notice.text), ' ',
    button('Dismiss', () => { ctx.ui.moveNotice = null; ctx.refresh(); }, { class: 'link small', 'aria-label': 'Dismiss the move message' }));
}

// ------------------------------------------------------------ the keyboard way

export function openMoveDialog(ctx, page, c) {
  const places = destinations(page, c.id);
  const choice = select(places.map((p, i) => ({ value: String(i), label: p.label })), { id: 'component-move-destination', 'aria-label': 'Destination' });
  const message = h('p', { class: 'problem problem-error', role: 'alert', id: 'component-move-error', hidden: true });
  const focusRow = () => { const el = document.getElementById(`tree-${c.id}`); if (el) el.focus(); };
  openDialog({
    title: `Move ${c.name} to…`,
    body: h('div', {}, h('p', { class: 'hint' }, 'The component moves with everything inside it. A move that would break the page is refused and nothing changes.'), field('Destination', choice), message),
    actions: [
      { label: 'Cancel', onClick: (close) => { close(null); focusRow(); } },
      { label: 'Move', class: 'primary', id: 'component-move-confirm', onClick: async (close) => {
        const result = await moveComponent(ctx, page.id, c.id, places[Number(choice.value)]);
        if (!result.ok) { message.textContent = result.message; message.hidden = false; choice.focus(); return; }
        close(true);
        focusRow();
      } },
    ],
  });
  choice.focus();
}

// ------------------------------------------------------------ drag and drop

let dragging = null; // the id being dragged: dragover cannot read the data, only its types

export function makeDraggable(el, c) {
  el.setAttribute('draggable', 'true');
  el.addEventListener('dragstart', (e) => {
    e.stopPropagation();
    dragging = c.id;
    e.dataTransfer.setData(DRAG_TYPE, c.id); // no text/plain: a drop on a text field must not type the id
    e.dataTransfer.effectAllowed = 'move';
    el.classList.add('dragging');
  });
  el.addEventListener('dragend', () => { dragging = null; el.classList.remove('dragging'); clearIndicators(); });
}

function clearIndicators() {
  for (const el of document.querySelectorAll(INDICATORS.map((c) => `.${c}`).join(','))) el.classList.remove(...INDICATORS);
}

// Where in `box` the pointer is: before / inside / after (the middle half means inside for containers).
export function zoneOf(e, box, holds, axis = 'y') {
  const r = box.getBoundingClientRect();
  const at = axis === 'x' ? (e.clientX - r.left) / (r.width || 1) : (e.clientY - r.top) / (r.height || 1);
  if (holds) return at < 0.25 ? 'before' : at > 0.75 ? 'after' : 'inside';
  return at < 0.55 ? 'before' : 'after'; // the exact middle counts as before
}

// `el` takes drops. The zone under the pointer (`zoneFor`, by default before / after /
// inside of `box`) picks the place (`placeFor(zone)`); `mark` shows it while dragging.
export function makeDropTarget(ctx, page, el, { where, placeFor, mark = el, box = el, holds = false, axis = 'y', zoneFor = null }) {
  const aim = (e) => {
    const zone = zoneFor ? zoneFor(e) : zoneOf(e, box, holds, axis);
    return { zone, place: placeFor(zone) };
  };
  if (axis === 'x') mark.dataset.axis = 'x'; // the indicator is drawn left / right, not above / below
  // Entering shows the place at once (Chromium sends the first dragover only on the next move).
  const hover = (e) => {
    if (![...e.dataTransfer.types].includes(DRAG_TYPE)) return;
    e.preventDefault();
    e.stopPropagation();
    e.dataTransfer.dropEffect = 'move';
    const { zone, place } = aim(e);
    const moving = dragging && locateComponent(page.components, dragging);
    // Dropping there is refused (with a message); say so already while hovering.
    const refused = moving && place.parent && (place.parent === dragging || isInside(moving.component, place.parent));
    clearIndicators();
    mark.classList.add(`drop-${zone}`, ...(refused ? ['drop-refused'] : []));
  };
  el.addEventListener('dragenter', hover);
  el.addEventListener('dragover', hover);
  el.addEventListener('dragleave', (e) => {
    if (!(e.relatedTarget && el.contains(e.relatedTarget))) mark.classList.remove(...INDICATORS);
  });
  el.addEventListener('drop', (e) => {
    const id = e.dataTransfer.getData(DRAG_TYPE);
    if (!id) return;
    e.preventDefault();
    e.stopPropagation();
    clearIndicators();
    moveFrom(where, ctx, page.id, id, aim(e).place);
  });
}
