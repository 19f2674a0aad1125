// Settings: app name, home page, login lifetime, accent colour; how pages show money,
// numbers and dates (currency, locale, time zone: the choices come from /api/registry,
// i.e. builder/display_formats.py); Connect Backend (GraphQL endpoints, admin token
// reveal / copy / rotate, GraphiQL, example request, the browser origins allowed to call
// the API (CORS) and Hasura's "stringify numeric types").
import { api, projectUrl } from '../api.js';
import { confirmDialog } from '../dialog.js';
import { button, field, h, input, select, toast } from '../dom.js';
import { integrations } from './settings_secrets.js';

export function render(ctx) {
  return h('div', { class: 'settings-page', 'data-scroll': 'settings' }, general(ctx), regional(ctx), integrations(ctx), connect(ctx));
}

function general(ctx) {
  const { def, store } = ctx;
  const name = input({ 'aria-label': 'App name', id: 'settings-name', value: def.name });
  name.addEventListener('change', () => store.change((d) => { d.name = name.value.trim() || d.name; }));
  const description = h('textarea', { 'aria-label': 'App description', id: 'settings-description', rows: 2 });
  description.value = def.description || '';
  description.addEventListener('change', () => store.change((d) => { d.description = description.value; }, { render: false }));
  const home = select([{ value: '', label: '(none)' }, ...def.pages.map((p) => ({ value: p.id, label: p.name }))], { 'aria-label': 'Home page', id: 'settings-home', value: def.settings.home_page || '', onChange: (e) => store.change((d) => { d.settings.home_page = e.target.value || null; }) });
  const ttl = h('input', { type: 'number', min: 1, 'aria-label': 'Login lasts (minutes)', id: 'settings-ttl', value: String(def.settings.token_ttl_minutes ?? 10080), onChange: (e) => store.change((d) => { d.settings.token_ttl_minutes = Number(e.target.value) || 10080; }) });
  const upload = h('input', { type: 'number', min: 1, max: 5120, 'aria-label': 'Largest upload (MB)', id: 'settings-upload', value: String(def.settings.max_upload_mb ?? 10), onChange: (e) => store.change((d) => { d.settings.max_upload_mb = Math.min(5120, Math.max(1, Number(e.target.value) || 10)); }) });
  const accent = h('input', { type: 'color', 'aria-label': 'Accent colour', id: 'settings-accent', value: def.settings.accent_color || '#4f46e5', onChange: (e) => store.change((d) => { d.settings.accent_color = e.target.value; }) });
  return h('section', { class: 'card', 'aria-label': 'General settings' }, h('h2', {}, 'Settings'),
    field('App name', name), field('Description', description),
    h('div', { class: 'form-row' }, field('Home page', home), field('Login lasts (minutes)', ttl), field('Largest upload (MB)', upload), field('Accent colour', accent)));
}

// The server's verdict on one setting (unknown code, misspelt zone), shown under its control.
function serverProblem(store, key) {
  const problem = ((store.report && store.report.problems) || []).find((p) => p.path === `settings.${key}`);
  return problem ? h('p', { class: 'problem problem-error', id: `settings-${key}-problem` }, problem.message) : null;
}

// Options of a select; a value the table does not know (a hand-edited app.json) stays visible as such.
function choices(options, current) {
  return options.some((o) => o.value === current) ? options : [{ value: current, label: `${current} (not supported)` }, ...options];
}

function regional(ctx) {
  const { def, store, ui } = ctx;
  const display = store.registry.display;
  const settings = def.settings;
  const currency = settings.currency || display.defaults.currency;
  const locale = settings.locale || display.defaults.locale;
  const zones = new Map(display.time_zones.map((z) => [z.toLowerCase(), z]));
  const pick = select(choices(display.currencies, currency), { 'aria-label': 'Currency', id: 'settings-currency', value: currency, onChange: (e) => store.change((d) => { d.settings.currency = e.target.value; }) });
  const order = select(choices(display.locales, locale), { 'aria-label': 'Locale', id: 'settings-locale', value: locale, onChange: (e) => store.change((d) => { d.settings.locale = e.target.value; }) });
  const zoneList = h('datalist', { id: 'settings-time-zones' }, display.time_zones.map((z) => h('option', { value: z })));
  const zone = input({ 'aria-label': 'Time zone', id: 'settings-time-zone', list: 'settings-time-zones', autocomplete: 'off', spellcheck: 'false', value: ui.zoneDraft ?? (settings.time_zone || display.defaults.time_zone), 'aria-invalid': ui.zoneError ? 'true' : null, 'aria-describedby': ui.zoneError ? 'settings-time-zone-error' : null });
  zone.addEventListener('change', () => {
    const typed = zone.value.trim();
    const known = zones.get(typed.toLowerCase());  // "europe/berlin" means Europe/Berlin
    if (!known) {
      // Not saved: an unknown zone would only come back as a publish error.
      ui.zoneDraft = zone.value;
      ui.zoneError = `“${typed}” is not a time zone name. Pick one from the list, such as Europe/Berlin, America/New_York or UTC.`;
      ctx.refresh();
      return;
    }
    ui.zoneDraft = null;
    ui.zoneError = null;
    store.change((d) => { d.settings.time_zone = known; });
  });
  return h('section', { class: 'card', 'aria-label': 'Money, numbers and dates' }, h('h2', {}, 'Money, numbers and dates'),
    h('p', { class: 'hint' }, 'How pages show text bound with the number, currency, date and date-and-time formats. Dates and times are shown in the time zone chosen here.'),
    h('div', { class: 'form-row' },
      field('Currency', pick), field('Locale', order), field('Time zone', zone), zoneList),
    ui.zoneError ? h('p', { class: 'problem problem-error', id: 'settings-time-zone-error', role: 'alert' }, ui.zoneError) : null,
    serverProblem(store, 'currency'), serverProblem(store, 'locale'), serverProblem(store, 'time_zone'));
}

function copy(text) {
  if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(() => toast('Copied', 'success'), () => toast('Copy failed: select the text and copy it.', 'error'));
  else toast('Select the text and press Ctrl+C to copy it.');
}

function connect(ctx) {
  const { store, ui } = ctx;
  const box = h('section', { class: 'card connect', 'aria-label': 'Connect Backend' }, h('h2', {}, 'Connect Backend'));
  if (!ui.connection) {
    ui.connection = 'loading';
    api('GET', projectUrl(store.slug, '/connection')).then((c) => { ui.connection = c; ctx.refresh(); }).catch((e) => { ui.connection = { error: e.message }; ctx.refresh(); });
  }
  const c = ui.connection;
  if (c === 'loading') { box.append(h('p', { class: 'muted' }, 'Loading…')); return box; }
  if (c.error) { box.append(h('p', { class: 'problem problem-error' }, c.error)); return box; }
  const token = ui.token;
  const tokenText = token ? token : '•'.repeat(24);
  const reveal = async () => {
    try { ui.token = ui.token ? null : (await api('GET', projectUrl(store.slug, '/admin-token'))).token; ctx.refresh(); } catch (e) { toast(e.message, 'error'); }
  };
  const rotate = async () => {
    if (!await confirmDialog({ title: 'Rotate the admin token?', message: 'The current admin token stops working at once; clients that use it need the new one.', confirmLabel: 'Rotate token', danger: true })) return;
    try { ui.token = (await api('POST', projectUrl(store.slug, '/admin-token/rotate'))).token; toast('Admin token rotated', 'success'); ctx.refresh(); } catch (e) { toast(e.message, 'error'); }
  };
  const flow = store.def.actionflows[0];
  const example = flow
    ? `curl -X POST ${c.http_url} \\\n  -H 'Authorization: Bearer ${token || '<admin token>'}' \\\n  -H 'Content-Type: application/json' \\\n  -d '${JSON.stringify({ query: 'mutation($args: JSON!) { fz_invoke_action_flow(actionFlowId: "' + flow.id + '", versionId: 1, args: $args) }', variables: { args: Object.fromEntries(flow.inputs.map((i) => [i.name, i.type === 'bigint' ? 1 : ''])) } })}'`
    : `curl -X POST ${c.http_url} \\\n  -H 'Authorization: Bearer ${token || '<admin token>'}' \\\n  -H 'Content-Type: application/json' \\\n  -d '{"query": "{ __typename }"}'`;
  box.append(
    h('dl', { class: 'connect-list' },
      h('dt', {}, 'GraphQL over HTTP'), h('dd', {}, h('code', { id: 'connect-http' }, c.http_url), ' ', button('Copy', () => copy(c.http_url), { class: 'small', 'aria-label': 'Copy HTTP endpoint' })),
      h('dt', {}, 'GraphQL over WebSocket (subscriptions)'), h('dd', {}, h('code', { id: 'connect-ws' }, c.ws_url), ' ', button('Copy', () => copy(c.ws_url), { class: 'small', 'aria-label': 'Copy WebSocket endpoint' })),
      h('dt', {}, 'Momen-compatible endpoints'), h('dd', {}, h('code', {}, c.momen_http_url), h('br'), h('code', {}, c.momen_ws_url)),
      h('dt', {}, 'Admin token'), h('dd', {}, h('code', { id: 'admin-token', class: 'token' }, tokenText), ' ',
        button(token ? 'Hide' : 'Reveal', reveal, { class: 'small', id: 'reveal-token' }),
        button('Copy', async () => { const t = ui.token || (await api('GET', projectUrl(store.slug, '/admin-token'))).token; copy(t); }, { class: 'small', 'aria-label': 'Copy admin token' }),
        button('Rotate', rotate, { class: 'small danger', id: 'rotate-token' })),
      h('dt', {}, 'GraphiQL'), h('dd', {}, h('a', { href: c.graphiql_url, target: '_blank', rel: 'noopener' }, 'Open GraphiQL'))),
    h('p', { class: 'hint' }, 'The admin token bypasses every permission: keep it on servers, never ship it to browsers or apps.'),
    origins(ctx),
    h('h3', {}, 'Example request'),
    h('pre', { class: 'code', id: 'connect-example' }, example));
  return box;
}

// One origin per line: scheme://host[:port], or * (any origin, only without cookies).
const ORIGIN = /^(\*|https?:\/\/[^/\s?#]+)$/;

function origins(ctx) {
  const { def, store, ui } = ctx;
  const list = h('textarea', { id: 'settings-origins', 'aria-label': 'Allowed origins', rows: 3, spellcheck: 'false', placeholder: 'https://shop.example.com',
    'aria-invalid': ui.originsError ? 'true' : null, 'aria-describedby': ui.originsError ? 'settings-origins-error' : null });
  list.value = ui.originsDraft ?? (def.settings.allowed_origins || []).join('\n');
  list.addEventListener('change', () => {
    const lines = list.value.split('\n').map((l) => l.trim().replace(/\/+$/, '')).filter(Boolean);
    const wrong = lines.find((l) => !ORIGIN.test(l));
    if (wrong) {
      // Not saved: a path or a typo would only come back as a publish error.
      ui.originsDraft = list.value;
      ui.originsError = `“${wrong}” is not an origin. Write scheme://host[:port] such as https://shop.example.com (no path), or * for any origin without cookies.`;
      ctx.refresh();
      return;
    }
    ui.originsDraft = null;
    ui.originsError = null;
    store.change((d) => { d.settings.allowed_origins = [...new Set(lines)]; });
  });
  const stringify = h('input', { type: 'checkbox', id: 'settings-stringify', 'aria-label': 'Stringify numeric types', checked: !!def.settings.stringify_numeric_types,
    onChange: (e) => store.change((d) => { d.settings.stringify_numeric_types = e.target.checked; }) });
  return h('div', { class: 'connect-origins' },
    h('h3', {}, 'Frontends on other origins'),
    h('p', { class: 'hint' }, 'Browser apps served from these origins may call the API (CORS and WebSocket). The app’s own pages always may. A listed origin may send cookies; * lets any origin in, without cookies.'),
    field('Allowed origins (one per line)', list),
    ui.originsError ? h('p', { class: 'problem problem-error', id: 'settings-origins-error', role: 'alert' }, ui.originsError) : null,
    serverProblem(store, 'allowed_origins'),
    h('label', { class: 'checkbox' }, stringify, ' Stringify numeric types (bigint and numeric as strings in results, for JavaScript clients)'));
}
