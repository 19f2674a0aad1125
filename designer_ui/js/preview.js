// Preview: the published app in a frame, with a "Simulate login" bar to see it as any test account.
// The bar follows the app rather than its own memory: after every load of the frame it reads
// the page the app shows and who is logged in from the page's own spec (same origin), so a
// reload of this tab, a link followed inside the app or a login there never leave it stale.
// A publish reloads the definition too, so pages added since the bar opened are listed.
// A page with parameters gets a typed input for each (preview_params.js).
import { api, projectUrl } from './api.js';
import { loadAccounts } from './accounts.js';
import { button, field, h, input, select, toast } from './dom.js';
import { paramFields, paramsFromLocation, withParams } from './preview_params.js';
import { announceAccounts, onPublish } from './publish_channel.js';

const slug = new URLSearchParams(location.search).get('slug') || '';
const root = document.getElementById('preview');
const state = { accounts: [], pages: [], page: '', params: {} }; // params: page id -> {name: text}

const pageUrl = (page) => `/p/${slug}/${page ? page.path : ''}`;
const describe = (account) => (account ? `Viewing as: ${account.username} (#${account.id})` : 'Viewing as: anonymous visitor');

// What the frame shows: {page, account} from the app page's spec, or null (login page, error page).
function frameState(frame) {
  try {
    const doc = frame.contentDocument;
    const spec = doc && doc.getElementById('mm-page');
    if (!spec) return null;
    const data = JSON.parse(spec.textContent);
    return { page: data.page, account: (data.globals && data.globals.current_account) || null };
  } catch {
    return null; // not (yet) a page of the app
  }
}

async function main() {
  const { definition } = await api('GET', projectUrl(slug, '/definition'));
  state.pages = definition.pages;
  const home = definition.pages.find((p) => p.id === definition.settings.home_page) || definition.pages[0];
  state.page = home ? home.id : '';
  document.title = `Preview — ${definition.name}`;
  const frame = h('iframe', { class: 'preview-frame', title: `App preview: ${definition.name}`, id: 'preview-frame' });
  const accountSelect = select([], { 'aria-label': 'Test account', id: 'sim-account' });
  const status = h('span', { class: 'sim-status', id: 'sim-status', role: 'status', 'aria-live': 'polite' }, describe(null));
  const newName = input({ 'aria-label': 'New test account username', id: 'sim-new-username', placeholder: 'test_buyer', class: 'narrow' });
  const pageSelect = select([], { 'aria-label': 'Page', id: 'sim-page', onChange: (e) => { state.page = e.target.value; fillParams(); reload(); } });
  const params = h('span', { class: 'sim-group', role: 'group', 'aria-label': 'Parameters', id: 'sim-params' });
  const current = () => state.pages.find((p) => p.id === state.page);
  const fillParams = () => {
    const values = (state.params[state.page] ||= {});
    const fields = paramFields(current(), values, (name, text) => { values[name] = text; });
    params.replaceChildren(...fields, ...(fields.length ? [button('Open', () => reload(), { class: 'small', id: 'sim-open' })] : []));
  };
  const fillPages = () => {
    pageSelect.replaceChildren(...state.pages.map((p) => h('option', { value: p.id }, p.name)));
    pageSelect.value = state.page;
    fillParams();
  };
  const published = h('span', { class: 'sim-status', id: 'sim-published', role: 'status', 'aria-live': 'polite' });
  const reload = () => { frame.src = withParams(pageUrl(current()), current(), state.params[state.page] || {}); };
  const fillAccounts = async () => {
    try { state.accounts = await loadAccounts(slug); } catch (e) { state.accounts = []; toast(`${e.message} — publish the app first.`, 'error'); }
    const chosen = accountSelect.value;
    accountSelect.replaceChildren(...state.accounts.map((a) => h('option', { value: String(a.id) }, `${a.username} (#${a.id})`)));
    if (chosen) accountSelect.value = chosen;
  };
  frame.addEventListener('load', () => {
    const shown = frameState(frame);
    if (!shown) return;
    status.textContent = describe(shown.account);
    if (shown.account && state.accounts.some((a) => a.id === shown.account.id)) accountSelect.value = String(shown.account.id);
    if (shown.page && state.pages.some((p) => p.id === shown.page)) {
      state.page = shown.page;
      pageSelect.value = shown.page;
      let search = '';
      try { search = frame.contentWindow.location.search; } catch { /* not the app's origin */ }
      state.params[shown.page] = { ...(state.params[shown.page] || {}), ...paramsFromLocation(current(), search) };
      fillParams();
    }
  });
  const login = async (body) => {
    try {
      const { account } = await api('POST', projectUrl(slug, '/simulate-login'), body);
      status.textContent = describe(account);
      await fillAccounts();
      accountSelect.value = String(account.id);
      if (body.create) announceAccounts(slug);
      reload();
    } catch (e) { toast(e.message, 'error'); }
  };
  const bar = h('header', { class: 'sim-bar', 'aria-label': 'Simulate login' },
    h('strong', {}, `Preview: ${definition.name}`),
    field('Page', pageSelect),
    params,
    h('span', { class: 'sim-group', role: 'group', 'aria-label': 'Simulate login' },
      field('Test account', accountSelect),
      button('Log in as', () => { if (accountSelect.value) login({ account_id: Number(accountSelect.value) }); else toast('No test account yet: create one.', 'error'); }, { id: 'sim-login', class: 'small primary' }),
      field('New test account', newName),
      button('Create and log in', () => login({ username: newName.value.trim() || null, create: true }), { id: 'sim-create', class: 'small' }),
      button('Log out', async () => {
        try { await api('POST', projectUrl(slug, '/simulate-logout')); status.textContent = describe(null); reload(); } catch (e) { toast(e.message, 'error'); }
      }, { id: 'sim-logout', class: 'small' })),
    status,
    published,
    button('Reload', reload, { class: 'small', id: 'sim-reload' }));
  root.replaceChildren(bar, frame);
  fillPages();
  // A publish in the designer reloads this preview (same origin, any tab) with the new pages.
  onPublish(slug, async (version) => {
    try {
      const fresh = await api('GET', projectUrl(slug, '/definition'));
      state.pages = fresh.definition.pages;
      if (!state.pages.some((p) => p.id === state.page)) state.page = (state.pages[0] || {}).id || '';
      fillPages();
    } catch (e) { toast(e.message, 'error'); }
    published.textContent = `Version ${version} published: reloaded.`;
    reload();
  });
  await fillAccounts();
  reload();
}

main().catch((e) => { root.replaceChildren(h('p', { role: 'alert', class: 'card' }, e.message)); });
