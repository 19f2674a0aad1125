// Preview: the published app in a frame, with a "Simulate login" bar to see it as any test account.
import { api, projectUrl } from './api.js';
import { loadAccounts } from './accounts.js';
import { button, field, h, input, select, toast } from './dom.js';
import { onPublish } from './publish_channel.js';

const slug = new URLSearchParams(location.search).get('slug') || '';
const root = document.getElementById('preview');
const state = { accounts: [], as: null, page: '' };

async function main() {
  const { definition } = await api('GET', projectUrl(slug, '/definition'));
  const home = definition.pages.find((p) => p.id === definition.settings.home_page) || definition.pages[0];
  state.page = home ? home.path : '';
  document.title = `Preview — ${definition.name}`;
  const frame = h('iframe', { class: 'preview-frame', title: `App preview: ${definition.name}`, id: 'preview-frame' });
  const accountSelect = select([], { 'aria-label': 'Test account', id: 'sim-account' });
  const status = h('span', { class: 'sim-status', id: 'sim-status', role: 'status', 'aria-live': 'polite' }, 'Viewing as: anonymous visitor');
  const newName = input({ 'aria-label': 'New test account username', id: 'sim-new-username', placeholder: 'test_buyer', class: 'narrow' });
  const pageSelect = select(definition.pages.map((p) => ({ value: p.path, label: p.name })), { 'aria-label': 'Page', id: 'sim-page', value: state.page, onChange: (e) => { state.page = e.target.value; reload(); } });
  const published = h('span', { class: 'sim-status', id: 'sim-published', role: 'status', 'aria-live': 'polite' });
  const reload = () => { frame.src = `/p/${slug}/${state.page}`; };
  const fillAccounts = async () => {
    try { state.accounts = await loadAccounts(slug); } catch (e) { state.accounts = []; toast(`${e.message} — publish the app first.`, 'error'); }
    accountSelect.replaceChildren(...state.accounts.map((a) => h('option', { value: String(a.id) }, `${a.username} (#${a.id})`)));
  };
  const login = async (body) => {
    try {
      const { account } = await api('POST', projectUrl(slug, '/simulate-login'), body);
      status.textContent = `Viewing as: ${account.username} (#${account.id})`;
      await fillAccounts();
      accountSelect.value = String(account.id);
      reload();
    } catch (e) { toast(e.message, 'error'); }
  };
  const bar = h('header', { class: 'sim-bar', 'aria-label': 'Simulate login' },
    h('strong', {}, `Preview: ${definition.name}`),
    field('Page', pageSelect),
    h('span', { class: 'sim-group', role: 'group', 'aria-label': 'Simulate login' },
      field('Test account', accountSelect),
      button('Log in as', () => { if (accountSelect.value) login({ account_id: Number(accountSelect.value) }); else toast('No test account yet: create one.', 'error'); }, { id: 'sim-login', class: 'small primary' }),
      field('New test account', newName),
      button('Create and log in', () => login({ username: newName.value.trim() || null, create: true }), { id: 'sim-create', class: 'small' }),
      button('Log out', async () => {
        try { await api('POST', projectUrl(slug, '/simulate-logout')); status.textContent = 'Viewing as: anonymous visitor'; reload(); } catch (e) { toast(e.message, 'error'); }
      }, { id: 'sim-logout', class: 'small' })),
    status,
    published,
    button('Reload', reload, { class: 'small', id: 'sim-reload' }));
  root.replaceChildren(bar, frame);
  // A publish in the designer reloads this preview (same origin, any tab).
  onPublish(slug, (version) => { published.textContent = `Version ${version} published: reloaded.`; reload(); });
  await fillAccounts();
  reload();
}

main().catch((e) => { root.replaceChildren(h('p', { role: 'alert', class: 'card' }, e.message)); });
