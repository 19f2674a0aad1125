// Settings → Integrations: the hosts Call API nodes may reach, and the project's secrets.
// Secrets live in the project database, not in app.json; the server only ever answers
// their names and last two characters. A value typed here is sent once and cleared.
import { api, projectUrl } from '../api.js';
import { confirmDialog } from '../dialog.js';
import { button, field, h, input, toast } from '../dom.js';

export function integrations(ctx) {
  const { def, store, ui } = ctx;
  const hosts = h('textarea', { 'aria-label': 'Outbound hosts', id: 'settings-outbound-hosts', rows: 3, spellcheck: 'false',
    placeholder: 'api.stripe.com\n*.example.com' });
  hosts.value = (def.settings.outbound_hosts || []).join('\n');
  hosts.addEventListener('change', () => store.change((d) => {
    d.settings.outbound_hosts = hosts.value.split('\n').map((x) => x.trim()).filter(Boolean);
  }));
  ui.secrets = ui.secrets || { list: null, loading: false, error: null };
  const state = ui.secrets;
  const load = () => {
    state.loading = true;
    api('GET', projectUrl(store.slug, '/secrets')).then((r) => { state.list = r.secrets; state.error = null; }, (e) => { state.list = []; state.error = e.message; })
      .finally(() => { state.loading = false; ctx.refresh(); });
  };
  if (state.list === null && !state.loading) load();
  const name = input({ 'aria-label': 'Secret name', id: 'secret-name', placeholder: 'stripe_key', 'data-keep': true, class: 'narrow' });
  const value = h('input', { type: 'password', autocomplete: 'off', 'aria-label': 'Secret value', id: 'secret-value', 'data-keep': true });
  const save = async () => {
    try {
      await api('PUT', projectUrl(store.slug, `/secrets/${encodeURIComponent(name.value.trim())}`), { value: value.value });
      value.value = '';
      toast(`Secret ${name.value.trim()} saved.`);
      load();
    } catch (e) { toast(e.message, 'error'); }
  };
  const remove = async (secret) => {
    if (!await confirmDialog({ title: `Delete secret ${secret}?`, message: 'Nodes and webhooks that name it fail until it is set again.', confirmLabel: 'Delete secret', danger: true })) return;
    try { await api('DELETE', projectUrl(store.slug, `/secrets/${encodeURIComponent(secret)}`)); load(); } catch (e) { toast(e.message, 'error'); }
  };
  return h('section', { class: 'card', 'aria-label': 'Integrations' }, h('h2', {}, 'Integrations'),
    field('Outbound hosts (one per line)', hosts, 'Call API nodes reach only these; loopback and private addresses only when listed exactly.'),
    h('h3', {}, 'Secrets'),
    h('p', { class: 'hint' }, 'Use one in a Call API value as {{secret:name}}. Values are stored in the app\'s database, never in app.json, and never shown again.'),
    state.error ? h('p', { class: 'muted' }, 'Publish the app to keep secrets.') : null,
    h('table', { class: 'grid compact', 'aria-label': 'Secrets' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Value'), h('th', {}, 'Changed'), h('th', {}, ''))),
      h('tbody', {}, (state.list || []).map((s) => h('tr', {}, h('td', {}, h('code', {}, s.name)), h('td', {}, s.hint), h('td', {}, s.updated_at.slice(0, 16).replace('T', ' ')),
        h('td', {}, button('Delete', () => remove(s.name), { class: 'small danger', 'aria-label': `Delete secret ${s.name}` })))))),
    h('div', { class: 'form-row' }, field('Name', name), field('Value', value), button('Save secret', save, { class: 'primary', id: 'secret-save' })));
}
