// Role assignment (Permissions tab): which accounts of the published app hold a custom
// role, give it to another account, take it away. Reads fz_account_roles and changes
// roles with fz_assign_role / fz_remove_role, all through the admin GraphQL endpoint.
import { api, projectUrl } from '../api.js';
import { loadAccounts } from '../accounts.js';
import { button, field, h, idFor, select, toast } from '../dom.js';

const HOLDERS = 'query Holders($role: String) { fz_account_roles(role: $role) { id username roles } }';
const CHANGE = (mutation) => `mutation Change($id: bigint!, $role: String!) { ${mutation}(account_id: $id, role: $role) { id username roles } }`;

async function gql(slug, query, variables) {
  const result = await api('POST', projectUrl(slug, '/graphql'), { query, variables });
  if (result.errors && result.errors.length) throw new Error(result.errors.map((e) => e.message).join('; '));
  return result.data;
}

async function load(ctx, role) {
  const { store, ui } = ctx;
  const state = ui.assignment;
  state.loading = role;
  try {
    const [accounts, data] = await Promise.all([loadAccounts(store.slug), gql(store.slug, HOLDERS, { role })]);
    Object.assign(state, { accounts, holders: data.fz_account_roles, role, error: null });
  } catch (e) {
    Object.assign(state, { accounts: [], holders: [], role, error: e.message });
  }
  state.loading = null;
  ctx.refresh();
}

async function change(ctx, role, mutation, account) {
  try {
    const data = await gql(ctx.store.slug, CHANGE(mutation), { id: account.id, role });
    const changed = data[mutation];
    toast(`${changed.username} now has roles: ${changed.roles.join(', ')}`, 'success');
  } catch (e) { toast(e.message, 'error'); }
  await load(ctx, role);
}

export function assignmentSection(ctx, role) {
  const { ui } = ctx;
  ui.assignment = ui.assignment || { role: null, loading: null };
  const state = ui.assignment;
  if (state.role !== role && state.loading !== role) load(ctx, role);
  const title = h('h3', {}, `Accounts with role ${role}`);
  if (state.role !== role) return h('section', { class: 'card', 'aria-label': 'Role assignment' }, title, h('p', { class: 'muted' }, 'Loading accounts…'));
  if (state.error) {
    return h('section', { class: 'card', 'aria-label': 'Role assignment' }, title,
      h('p', { class: 'muted', id: 'assignment-error' }, `${state.error} — publish the app (with this role) to assign it to accounts.`),
      button('Reload accounts', () => load(ctx, role), { class: 'small' }));
  }
  const holderIds = new Set(state.holders.map((a) => a.id));
  const others = state.accounts.filter((a) => !holderIds.has(a.id));
  const rows = state.holders.map((a) => h('tr', {},
    h('td', {}, `${a.username} (#${a.id})`),
    h('td', {}, a.roles.join(', ')),
    h('td', {}, button('Take away', () => change(ctx, role, 'fz_remove_role', a), { class: 'small', 'aria-label': `Take role ${role} away from ${a.username}` }))));
  const pick = select(others.map((a) => ({ value: String(a.id), label: `${a.username} (#${a.id})` })), { 'aria-label': `Account to give role ${role}`, id: idFor('assign', role), 'data-keep': true, disabled: !others.length });
  const give = () => {
    const account = others.find((a) => String(a.id) === pick.value);
    if (account) change(ctx, role, 'fz_assign_role', account);
  };
  return h('section', { class: 'card', 'aria-label': 'Role assignment' }, title,
    state.holders.length
      ? h('table', { class: 'grid compact', 'aria-label': `Accounts with role ${role}` },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Account'), h('th', { scope: 'col' }, 'All roles'), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))),
        h('tbody', {}, rows))
      : h('p', { class: 'muted', id: 'no-holders' }, `No account has the role ${role} yet.`),
    h('div', { class: 'form-row' },
      field('Give the role to', pick),
      button(`Give role ${role}`, give, { class: 'small primary', disabled: !others.length }),
      button('Reload accounts', () => load(ctx, role), { class: 'small' })),
    others.length ? null : h('p', { class: 'hint' }, 'Every account already has this role, or the app has no accounts yet (they sign up on its login page, or use Preview → Create and log in).'));
}
