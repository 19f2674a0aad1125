// Actionflow side panels: flow settings (inputs, variables, output), Run, Stress test.
import { api, projectUrl } from '../api.js';
import { loadAccounts, parseArg } from '../accounts.js';
import { confirmDialog } from '../dialog.js';
import { button, field, h, idFor, input, select, toast } from '../dom.js';
import { slugify } from '../ids.js';
import { flowRefsForOutput } from '../refs.js';
import { changeSection, webhookSection } from './flow_triggers.js';
import { mapEditor } from '../widgets/map_editor.js';

const VALUE_TYPES = ['text', 'bigint', 'decimal', 'boolean', 'timestamptz', 'date', 'jsonb'];

// Rewrite references "<prefix>.<old>" to "<prefix>.<new>" (values and condition keys) in a JSON tree.
export function renameRefs(value, from, to) {
  const swap = (path) => (path === from || path.startsWith(`${from}.`) ? to + path.slice(from.length) : path);
  if (Array.isArray(value)) return value.map((v) => renameRefs(v, from, to));
  if (value && typeof value === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === 'ref' && typeof v === 'string') out.ref = swap(v);
      else out[swap(k)] = renameRefs(v, from, to);
    }
    return out;
  }
  return value;
}

function renameInput(store, flow, kind, oldName, newName) {
  store.change((d) => {
    const f = d.actionflows.find((x) => x.id === flow.id);
    const prefix = kind === 'input' ? 'input' : 'var';
    f.nodes = renameRefs(f.nodes, `${prefix}.${oldName}`, `${prefix}.${newName}`);
    f.output = renameRefs(f.output, `${prefix}.${oldName}`, `${prefix}.${newName}`);
    if (kind === 'variable') {
      const rekey = (nodes) => nodes.forEach((n) => {
        if (n.type === 'set_variable' && oldName in n.assignments) n.assignments = Object.fromEntries(Object.entries(n.assignments).map(([k, v]) => [k === oldName ? newName : k, v]));
        (n.branches || []).forEach((b) => rekey(b.nodes)); if (n.nodes) rekey(n.nodes);
      });
      rekey(f.nodes);
    }
    const list = kind === 'input' ? f.inputs : f.variables;
    list.find((x) => x.name === oldName).name = newName;
  });
}

function typedList(ctx, flow, kind) {
  const { store } = ctx;
  const list = kind === 'input' ? flow.inputs : flow.variables;
  const title = kind === 'input' ? 'Inputs' : 'Variables';
  const rows = list.map((item) => {
    const name = input({ 'aria-label': `${kind} name ${item.name}`, id: idFor(kind, flow.id, item.name), value: item.name, class: 'narrow' });
    name.addEventListener('change', () => {
      const next = slugify(name.value, kind);
      if (next === item.name) return;
      if (list.some((x) => x.name === next)) { toast(`There is already an ${kind} ${next}.`, 'error'); name.value = item.name; return; }
      renameInput(store, flow, kind, item.name, next);
    });
    return h('tr', {},
      h('td', {}, name),
      h('td', {}, select(VALUE_TYPES, { 'aria-label': `${kind} type ${item.name}`, value: item.type, onChange: (e) => store.change(() => { item.type = e.target.value; }) })),
      kind === 'input' ? h('td', { class: 'center' }, h('input', { type: 'checkbox', checked: Boolean(item.required), 'aria-label': `Required input ${item.name}`, onChange: (e) => store.change(() => { item.required = e.target.checked; }) })) : null,
      h('td', { class: 'center' }, h('input', { type: 'checkbox', checked: Boolean(item.list), 'aria-label': `List ${kind} ${item.name}`, onChange: (e) => store.change(() => { item.list = e.target.checked; }) })),
      h('td', {}, button('✕', () => store.change(() => list.splice(list.indexOf(item), 1)), { class: 'icon danger', 'aria-label': `Delete ${kind} ${item.name}` })));
  });
  const name = input({ 'aria-label': `New ${kind} name`, id: `new-${kind}-name`, 'data-keep': true, class: 'narrow' });
  const type = select(VALUE_TYPES, { 'aria-label': `New ${kind} type`, id: `new-${kind}-type`, 'data-keep': true, value: kind === 'input' ? 'bigint' : 'text' });
  const required = kind === 'input' ? h('input', { type: 'checkbox', 'aria-label': `New ${kind} required`, id: `new-${kind}-required`, 'data-keep': true, checked: true }) : null;
  const add = () => {
    if (!name.value.trim()) return;
    const n = slugify(name.value, kind);
    if (list.some((x) => x.name === n)) { toast(`There is already an ${kind} ${n}.`, 'error'); return; }
    const item = kind === 'input' ? { name: n, type: type.value, required: required.checked, list: false, description: '' } : { name: n, type: type.value, list: false, default: null };
    store.change(() => list.push(item));
  };
  name.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); add(); } });
  return h('section', { class: 'card', 'aria-label': title }, h('h4', {}, title),
    list.length ? h('table', { class: 'grid compact' }, h('thead', {}, h('tr', {}, ['Name', 'Type', kind === 'input' ? 'Required' : null, 'List', ''].filter((x) => x !== null).map((t) => h('th', { scope: 'col' }, t)))), h('tbody', {}, rows)) : h('p', { class: 'muted' }, 'None yet.'),
    h('div', { class: 'form-row' }, field('Name', name), field('Type', type), required ? h('label', { class: 'check' }, required, 'Required') : null, button(`Add ${kind}`, add, { class: 'small primary', id: `add-${kind}` })));
}

export function flowSettingsPanel(ctx, flow) {
  const { store, ui } = ctx;
  const name = input({ 'aria-label': 'Actionflow name', id: idFor('flow', flow.id, 'name'), value: flow.name });
  name.addEventListener('change', () => store.change(() => { flow.name = name.value.trim() || flow.name; }));
  const description = input({ 'aria-label': 'Actionflow description', id: idFor('flow', flow.id, 'desc'), value: flow.description || '' });
  description.addEventListener('change', () => store.change(() => { flow.description = description.value; }, { render: false }));
  const mode = select([{ value: 'sync', label: 'synchronous (one transaction)' }, { value: 'async', label: 'asynchronous (task)' }], { 'aria-label': 'Mode', value: flow.mode || 'sync', onChange: (e) => store.change(() => { flow.mode = e.target.value; }) });
  const timeout = h('input', { type: 'number', min: 100, max: 600000, 'aria-label': 'Timeout (ms)', value: String(flow.timeout_ms || 15000), onChange: (e) => store.change(() => { flow.timeout_ms = Number(e.target.value) || 15000; }) });
  return h('div', { class: 'panel-body' }, h('h3', {}, 'Actionflow'),
    field('Name', name), field('Description', description), h('div', { class: 'form-row' }, field('Mode', mode), field('Timeout (ms)', timeout)),
    h('p', { class: 'muted small-text' }, `id: ${flow.id}`),
    typedList(ctx, flow, 'input'),
    typedList(ctx, flow, 'variable'),
    scheduleSection(ctx, flow),
    changeSection(ctx, flow),
    webhookSection(ctx, flow),
    h('section', { class: 'card', 'aria-label': 'Output' }, mapEditor({ label: 'Output', value: flow.output, refs: flowRefsForOutput(store.def, store.registry, flow), freeKeys: true, id: idFor('flow', flow.id, 'out'), onChange: (v) => store.change(() => { flow.output = v; }) })),
    button('Delete actionflow', async () => {
      if (!await confirmDialog({ title: `Delete ${flow.name}?`, message: 'Pages and permissions that use it will show problems until you change them.', confirmLabel: 'Delete actionflow', danger: true })) return;
      store.change((d) => { d.actionflows = d.actionflows.filter((f) => f.id !== flow.id); });
      ui.flow = null;
    }, { class: 'danger small' }));
}

// "Run on a schedule": cron, time zone, start / end, enabled. The server computes the next run times.
function scheduleSection(ctx, flow) {
  const { store, def } = ctx;
  const s = flow.schedule;
  const title = h('h4', {}, 'Run on a schedule');
  if (!s) {
    return h('section', { class: 'card', 'aria-label': 'Run on a schedule' }, title, h('p', { class: 'muted' }, 'Runs as admin, with no inputs.'),
      button('Add a schedule', () => store.change(() => { flow.schedule = { cron: '0 9 * * *', time_zone: null, start_at: null, end_at: null, enabled: true }; }), { class: 'small', id: `schedule-add-${flow.id}` }));
  }
  const set = (key, value) => store.change(() => { s[key] = value; });
  const projectZone = def.settings.time_zone || 'UTC';
  const hint = h('p', { class: 'muted small-text', id: `schedule-next-${flow.id}`, 'aria-live': 'polite' }, '…');
  const preview = () => api('GET', `/api/schedule-preview?cron=${encodeURIComponent(cron.value)}&time_zone=${encodeURIComponent(zone.value.trim() || projectZone)}`)
    .then((r) => { hint.textContent = r.problem || `Next runs: ${r.next.join(', ')}`; }, () => { hint.textContent = ''; });
  const cron = input({ 'aria-label': 'Cron', id: `schedule-cron-${flow.id}`, value: s.cron, spellcheck: 'false', onInput: preview, onChange: () => set('cron', cron.value.trim()) });
  const zoneList = h('datalist', { id: `schedule-zones-${flow.id}` }, store.registry.display.time_zones.map((z) => h('option', { value: z })));
  const zone = input({ 'aria-label': 'Schedule time zone', id: `schedule-zone-${flow.id}`, list: zoneList.id, value: s.time_zone || '', placeholder: `project's (${projectZone})`, onChange: () => set('time_zone', zone.value.trim() || null) });
  const when = (key, label) => field(label, h('input', { type: 'datetime-local', 'aria-label': `Schedule ${label.toLowerCase()}`, id: `schedule-${key}-${flow.id}`, value: (s[key] || '').slice(0, 16), onChange: (e) => set(key, e.target.value || null) }));
  const enabled = h('input', { type: 'checkbox', id: `schedule-enabled-${flow.id}`, checked: s.enabled !== false, onChange: (e) => set('enabled', e.target.checked) });
  const index = def.actionflows.indexOf(flow);
  const problems = ((store.report && store.report.problems) || []).filter((p) => p.path.startsWith(`actionflows[${index}].schedule`) || p.path === `actionflows[${index}].inputs`);
  preview();
  return h('section', { class: 'card', 'aria-label': 'Run on a schedule' }, title,
    h('div', { class: 'form-row' }, field('Cron', cron, 'minute hour day month weekday, e.g. 0 9 * * 1-5; a 6th leading field is seconds'), field('Time zone', zone), zoneList),
    hint,
    h('div', { class: 'form-row' }, when('start_at', 'Start'), when('end_at', 'End'), h('label', { class: 'check' }, enabled, 'Enabled')),
    problems.map((p) => h('p', { class: 'problem problem-error' }, p.message)),
    button('Remove schedule', () => store.change(() => { delete flow.schedule; }), { class: 'small danger' }));
}

// ------------------------------------------------------------ run & stress

function argsForm(flow, state) {
  state.args = state.args || {};
  return flow.inputs.map((i) => {
    const el = input({ 'aria-label': `Argument ${i.name}`, value: state.args[i.name] ?? '', class: 'narrow', id: `arg-${flow.id}-${i.name}`, 'data-keep': true });
    el.addEventListener('change', () => { state.args[i.name] = el.value; });
    return field(`${i.name} (${i.type})`, el);
  });
}

function collectArgs(flow, state) {
  return Object.fromEntries(flow.inputs.filter((i) => (state.args[i.name] ?? '') !== '').map((i) => [i.name, parseArg(i.type, state.args[i.name])]));
}

function accountPicker(ctx, state, id, noneLabel) {
  const { store } = ctx;
  const load = () => {
    if (state.loadingAccounts) return;
    state.loadingAccounts = true;
    loadAccounts(store.slug).then((a) => { state.accounts = a; state.accountError = null; }).catch((e) => { state.accounts = []; state.accountError = e.message; }).finally(() => { state.loadingAccounts = false; ctx.refresh(); });
  };
  if (!state.accounts) load();
  const options = [{ value: '', label: noneLabel }, ...((state.accounts || []).map((a) => ({ value: String(a.id), label: `${a.username} (#${a.id})` })))];
  // Accounts appear while the designer is open (sign-ups in the app, test accounts of a
  // preview, a publish): forgetAccounts makes the next draw ask again.
  return h('div', {}, field('Run as', select(options, { id, 'aria-label': 'Run as', value: state.account ?? '', onChange: (e) => { state.account = e.target.value; } })),
    state.accountError ? h('small', { class: 'hint' }, 'Publish the app to list its accounts.') : null);
}

// Forget the loaded "Run as" accounts so the next draw asks again (accounts changed elsewhere).
export function forgetAccounts(ui) {
  for (const states of [ui.run, ui.stress]) for (const state of Object.values(states || {})) delete state.accounts;
}

const pretty = (v) => JSON.stringify(v, null, 2);

// Run reaches real endpoints: the builder sees which and agrees first.
function confirmCalls(calls) {
  const list = h('ul', {}, calls.map((c) => h('li', {}, `${c.node}: ${c.method} ${c.url} (${c.mode === 'inline' ? 'inline' : 'after commit'})`)));
  return confirmDialog({ title: 'Call real APIs?', message: h('div', {}, h('p', {}, 'This run sends these requests to their real endpoints:'), list), confirmLabel: 'Run and call them' });
}

// The run log's outbound calls: method, host, status, time (never headers or bodies).
function callsOf(log) {
  const calls = (log || []).flatMap((entry) => entry.calls || []);
  if (!calls.length) return null;
  return h('table', { class: 'grid compact', 'aria-label': 'Outbound calls' },
    h('thead', {}, h('tr', {}, ['Node', 'Mode', 'Method', 'Host', 'Status', 'Time'].map((t) => h('th', {}, t)))),
    h('tbody', {}, calls.map((c) => h('tr', {}, h('td', {}, c.node), h('td', {}, c.mode === 'inline' ? 'inline' : 'after commit'), h('td', {}, c.method),
      h('td', {}, c.host), h('td', {}, c.status ? String(c.status) : (c.error || 'queued')), h('td', {}, c.ms !== undefined ? `${c.ms} ms` : '')))));
}

export function runPanel(ctx, flow) {
  const { store, ui } = ctx;
  ui.run = ui.run || {};
  const state = ui.run[flow.id] || (ui.run[flow.id] = {});
  const run = async () => {
    state.running = true; ctx.refresh();
    const body = { args: collectArgs(flow, state), account_id: state.account ? Number(state.account) : null };
    try {
      state.result = await api('POST', projectUrl(store.slug, `/actionflows/${flow.id}/run`), body);
    } catch (e) {
      state.result = { ok: false, error: { message: e.message, code: e.code } };
      if (e.code === 'CONFIRM_CALLS' && await confirmCalls(e.detail.calls || [])) {
        try {
          state.result = await api('POST', projectUrl(store.slug, `/actionflows/${flow.id}/run`), { ...body, confirm_calls: true });
        } catch (again) { state.result = { ok: false, error: { message: again.message, code: again.code } }; }
      }
    }
    state.running = false; ctx.refresh();
  };
  const r = state.result;
  return h('div', { class: 'panel-body' }, h('h3', {}, `Run ${flow.name}`), h('p', { class: 'hint' }, 'Runs the published version with these inputs, for real (its writes are kept).'),
    argsForm(flow, state), accountPicker(ctx, state, 'run-as', 'Anonymous visitor'),
    button(state.running ? 'Running…' : 'Run', run, { class: 'primary', id: 'run-flow', disabled: state.running }),
    r ? h('section', { class: 'card run-result', 'aria-label': 'Run result', role: 'status' },
      h('h4', {}, r.ok ? 'Output' : 'Failed'),
      h('pre', { class: 'code' }, r.ok ? pretty(r.output) : `${(r.error && r.error.code) || ''} ${(r.error && r.error.message) || ''}`),
      r.log ? callsOf(r.log) : null,
      r.log ? h('details', { open: true }, h('summary', {}, 'Run log'), h('pre', { class: 'code' }, pretty(r.log))) : null) : null);
}

export function stressPanel(ctx, flow) {
  const { store, ui } = ctx;
  ui.stress = ui.stress || {};
  const state = ui.stress[flow.id] || (ui.stress[flow.id] = { n: 100, concurrency: 20, successKey: Object.keys(flow.output || {})[0] || '', successValue: '' });
  const n = h('input', { type: 'number', min: 1, max: 20000, value: String(state.n), 'aria-label': 'Invocations', id: 'stress-n', 'data-keep': true, onChange: (e) => { state.n = Number(e.target.value); } });
  const conc = h('input', { type: 'number', min: 1, max: 200, value: String(state.concurrency), 'aria-label': 'Concurrent workers', id: 'stress-concurrency', 'data-keep': true, onChange: (e) => { state.concurrency = Number(e.target.value); } });
  const successKey = select([{ value: '', label: '(no error is a success)' }, ...Object.keys(flow.output || {}).map((k) => ({ value: k, label: k }))], { 'aria-label': 'Success when output', id: 'stress-success-key', 'data-keep': true, value: state.successKey, onChange: (e) => { state.successKey = e.target.value; } });
  const successValue = input({ 'aria-label': 'equals', id: 'stress-success-value', 'data-keep': true, value: state.successValue, class: 'narrow', onChange: (e) => { state.successValue = e.target.value; } });
  const start = async () => {
    state.running = true; state.result = null; ctx.refresh();
    try {
      state.result = await api('POST', projectUrl(store.slug, `/actionflows/${flow.id}/stress`), { args: collectArgs(flow, state), n: state.n, concurrency: state.concurrency, account_id: state.account ? Number(state.account) : null });
    } catch (e) { state.result = { error: e.message }; }
    state.running = false; ctx.refresh();
  };
  return h('div', { class: 'panel-body' }, h('h3', {}, 'Stress test'),
    h('p', { class: 'hint' }, 'Fires many invocations at once against a throwaway copy of the published app and its data; your data is not touched.'),
    argsForm(flow, state), accountPicker(ctx, state, 'stress-as', 'Admin (no account)'),
    h('div', { class: 'form-row' }, field('Invocations', n), field('Concurrent workers', conc)),
    h('div', { class: 'form-row' }, field('Success when output', successKey), field('equals', successValue)),
    button(state.running ? 'Running…' : 'Start stress test', start, { class: 'primary', id: 'stress-start', disabled: state.running }),
    state.result ? stressResult(state) : null);
}

function stressResult(state) {
  const r = state.result;
  if (r.error) return h('p', { class: 'problem problem-error', role: 'alert' }, r.error);
  const outcomes = r.outcomes || [];
  let successes = r.succeeded;
  if (state.successKey) {
    successes = outcomes.filter((o) => o.output && String(o.output[state.successKey]) === state.successValue).reduce((sum, o) => sum + o.count, 0);
  }
  return h('section', { class: 'card stress-result', 'aria-label': 'Stress test result', role: 'status' },
    h('dl', { class: 'stats' },
      h('dt', {}, 'Successes'), h('dd', { id: 'stress-successes' }, String(successes)),
      h('dt', {}, 'Failures'), h('dd', { id: 'stress-failures' }, String(r.n - successes)),
      h('dt', {}, 'Errors'), h('dd', {}, String(r.failed)),
      h('dt', {}, 'Time'), h('dd', {}, `${r.seconds}s (${r.per_second}/s)`)),
    h('h4', {}, 'Outcomes'),
    h('table', { class: 'grid compact' }, h('thead', {}, h('tr', {}, h('th', {}, 'Result'), h('th', {}, 'Count'))),
      h('tbody', {}, outcomes.map((o) => h('tr', {}, h('td', {}, h('code', {}, o.error ? `error: ${o.error}` : JSON.stringify(o.output))), h('td', {}, String(o.count)))))),
    h('h4', {}, 'Final state'),
    h('pre', { class: 'code final-state' }, JSON.stringify(r.final_state, null, 1)));
}
