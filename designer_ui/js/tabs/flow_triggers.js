// The "starts when" sections of an actionflow besides the schedule: a database change
// (table, events, condition over new./old.) and a webhook (URL, verification, signing
// secret shown once when generated, rotatable).
import { api, projectUrl } from '../api.js';
import { confirmDialog } from '../dialog.js';
import { button, field, h, input, select, toast } from '../dom.js';
import { tableOptions } from '../model.js';

const EVENTS = ['insert', 'update', 'delete'];

function problemsOf(store, def, flow, key) {
  const index = def.actionflows.indexOf(flow);
  return ((store.report && store.report.problems) || []).filter((p) => p.path.startsWith(`actionflows[${index}].${key}`));
}

export function changeSection(ctx, flow) {
  const { store, def } = ctx;
  const t = flow.on_change;
  const title = h('h4', {}, 'Run when data changes');
  if (!t) {
    return h('section', { class: 'card', 'aria-label': 'Run when data changes' }, title,
      h('p', { class: 'muted' }, 'Runs once per changed row, after the change commits, as an async task (inputs event, new, old).'),
      button('Add a data-change trigger', () => store.change(() => {
        flow.on_change = { table: (tableOptions(def)[0] || {}).value || '', events: ['insert'], condition: null, enabled: true };
      }), { class: 'small', id: `change-add-${flow.id}` }));
  }
  const set = (key, value) => store.change(() => { t[key] = value; });
  const table = select(tableOptions(def), { 'aria-label': 'Trigger table', id: `change-table-${flow.id}`, value: t.table, onChange: (e) => set('table', e.target.value) });
  const events = EVENTS.map((e) => h('label', { class: 'check' }, h('input', {
    type: 'checkbox', id: `change-${e}-${flow.id}`, checked: t.events.includes(e),
    onChange: (ev) => set('events', EVENTS.filter((x) => (x === e ? ev.target.checked : t.events.includes(x)))),
  }), e));
  const condition = h('textarea', { 'aria-label': 'Trigger condition', id: `change-condition-${flow.id}`, rows: 2, spellcheck: 'false',
    placeholder: '{"new.stock": {"_lt": 5}}' }, t.condition ? JSON.stringify(t.condition) : '');
  condition.addEventListener('change', () => {
    const text = condition.value.trim();
    try { set('condition', text ? JSON.parse(text) : null); } catch { toast('The condition is not JSON.', 'error'); }
  });
  return h('section', { class: 'card', 'aria-label': 'Run when data changes' }, title,
    h('div', { class: 'form-row' }, field('Table', table), h('div', { class: 'form-row' }, events)),
    field('Only when (over new.<field> and old.<field>)', condition),
    h('p', { class: 'hint' }, 'Changes made by runs this trigger started count too; after 5 generations nothing more is started and the run log says so.'),
    problemsOf(store, def, flow, 'on_change').map((p) => h('p', { class: 'problem problem-error' }, p.message)),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', checked: t.enabled !== false, id: `change-enabled-${flow.id}`, onChange: (e) => set('enabled', e.target.checked) }), 'Enabled'),
    button('Remove trigger', () => store.change(() => { delete flow.on_change; }), { class: 'small danger' }));
}

export function webhookSection(ctx, flow) {
  const { store, def, ui } = ctx;
  const w = flow.webhook;
  const title = h('h4', {}, 'Run on a webhook');
  if (!w) {
    return h('section', { class: 'card', 'aria-label': 'Run on a webhook' }, title,
      h('p', { class: 'muted' }, 'A URL other services call (payments, shipping); the request is verified with a project secret, its JSON body is the input.'),
      button('Add a webhook', () => store.change(() => { flow.webhook = { auth: 'hmac', secret: `${flow.id}_key`.slice(0, 63), respond: 'sync', tolerance_seconds: 300, enabled: true }; }),
        { class: 'small', id: `webhook-add-${flow.id}` }));
  }
  const set = (key, value) => store.change(() => { w[key] = value; });
  const url = `${window.location.origin}/p/${encodeURIComponent(store.slug)}/webhooks/${encodeURIComponent(flow.id)}`;
  ui.webhookKeys = ui.webhookKeys || {};
  const shown = ui.webhookKeys[flow.id];
  const rotate = async () => {
    if (!await confirmDialog({ title: `New signing secret for ${flow.name}?`, message: 'The old secret stops working at once; give the new one to the sender.', confirmLabel: 'Generate secret' })) return;
    try {
      const r = await api('PUT', projectUrl(store.slug, `/secrets/${encodeURIComponent(w.secret)}`), {});
      ui.webhookKeys[flow.id] = r.value;
      ctx.refresh();
    } catch (e) { toast(e.message, 'error'); }
  };
  return h('section', { class: 'card', 'aria-label': 'Run on a webhook' }, title,
    field('URL', h('input', { readonly: true, value: url, id: `webhook-url-${flow.id}`, 'aria-label': 'Webhook URL' })),
    h('div', { class: 'form-row' },
      field('Verification', select([{ value: 'hmac', label: 'HMAC signature (timestamp + body)' }, { value: 'bearer', label: 'Bearer secret' }],
        { id: `webhook-auth-${flow.id}`, 'aria-label': 'Verification', value: w.auth, onChange: (e) => set('auth', e.target.value) })),
      field('Answer', select([{ value: 'sync', label: 'Wait: the flow\'s output' }, { value: 'async', label: '202 at once, run as a task' }],
        { id: `webhook-respond-${flow.id}`, 'aria-label': 'Answer', value: w.respond, onChange: (e) => set('respond', e.target.value) }))),
    h('p', { class: 'hint' }, w.auth === 'hmac'
      ? `Sender: header X-Webhook-Timestamp (unix seconds) and X-Webhook-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">; requests more than ${w.tolerance_seconds} s old and repeated deliveries are refused.`
      : 'Sender: header Authorization: Bearer <secret>.'),
    h('div', { class: 'form-row' },
      field('Signing secret (project secret name)', input({ id: `webhook-secret-name-${flow.id}`, value: w.secret, spellcheck: 'false',
        onChange: (e) => set('secret', e.target.value.trim()) })),
      field('Tolerance (seconds)', h('input', { type: 'number', min: 10, max: 3600, step: 1, id: `webhook-tolerance-${flow.id}`, value: String(w.tolerance_seconds),
        onChange: (e) => set('tolerance_seconds', Number(e.target.value) || 300) })),
      button('Generate new secret', rotate, { class: 'small', id: `webhook-rotate-${flow.id}` })),
    shown ? h('p', { class: 'notice', role: 'status', id: `webhook-secret-${flow.id}` }, 'Copy it now, it is not shown again: ', h('code', {}, shown)) : null,
    problemsOf(store, def, flow, 'webhook').map((p) => h('p', { class: 'problem problem-error' }, p.message)),
    button('Remove webhook', () => store.change(() => { delete flow.webhook; }), { class: 'small danger' }));
}
