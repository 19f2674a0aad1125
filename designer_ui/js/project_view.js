// One open project: header (tabs, save status, undo, preview, publish) and the current tab.
import { openDialog } from './dialog.js';
import { button, h, rerender, toast } from './dom.js';
import { problemList } from './problems.js';
import { openPublish } from './publish.js';
import { onAccounts, onPublish } from './publish_channel.js';
import { forgetAccounts } from './tabs/flow_panels.js';
import { ProjectStore } from './store.js';
import * as actionflows from './tabs/actionflows.js';
import * as data from './tabs/data.js';
import * as pages from './tabs/pages.js';
import * as permissions from './tabs/permissions.js';
import * as settings from './tabs/settings.js';

export const TABS = [
  { id: 'data', label: 'Data', module: data },
  { id: 'actionflows', label: 'Actionflows', module: actionflows },
  { id: 'pages', label: 'Pages', module: pages },
  { id: 'permissions', label: 'Permissions', module: permissions },
  { id: 'settings', label: 'Settings', module: settings },
];

const STATUS_TEXT = { saved: 'All changes saved', saving: 'Saving…', unsaved: 'Unsaved changes', error: 'Not saved' };

export class ProjectView {
  constructor(root, slug) {
    this.root = root;
    this.slug = slug;
    this.store = new ProjectStore(slug);
    this.tab = 'data';
    this.ui = Object.fromEntries(TABS.map((t) => [t.id, {}]));
    this.content = h('div', { class: 'tab-content' });
    this.statusEl = h('span', { class: 'save-status', role: 'status', 'aria-live': 'polite', id: 'save-status' });
    this.problemsEl = h('span', { class: 'problem-count' });
    this.tabButtons = {};
    this.redoButton = button('Redo', () => this.redo(), { id: 'redo-button', title: 'Go forward again to the version Undo left', disabled: true });
  }

  async mount(tab) {
    this.tab = tab || 'data';
    await this.store.load();
    this.root.replaceChildren(this.shell());
    this.store.onChange(() => this.renderTab());
    this.store.onStatus(() => this.renderStatus());
    window.addEventListener('beforeunload', (e) => {
      if (this.store.dirty || this.store.saving) { e.preventDefault(); e.returnValue = ''; }
    });
    // New accounts (a preview's test account, a publish) show in the "Run as" lists at once.
    const accountsChanged = () => { forgetAccounts(this.ui.actionflows); if (this.tab === 'actionflows') this.renderTab(); };
    onAccounts(this.slug, accountsChanged);
    onPublish(this.slug, accountsChanged);
    this.renderTab();
    this.renderStatus();
    this.store.watch();
  }

  shell() {
    const tabs = h('nav', { class: 'tabs', role: 'tablist', 'aria-label': 'Project sections' }, TABS.map((t) => {
      const b = h('button', {
        type: 'button', role: 'tab', id: `tab-${t.id}`, 'aria-controls': 'tab-panel',
        onClick: () => this.show(t.id),
        onKeydown: (e) => this.tabKeys(e, t.id),
      }, t.label);
      this.tabButtons[t.id] = b;
      return b;
    }));
    const header = h('header', { class: 'topbar' },
      h('a', { href: '#/', class: 'home-link', 'aria-label': 'All projects' }, 'minimomen'),
      h('h1', { class: 'project-name' }, this.store.def.name),
      tabs,
      h('div', { class: 'topbar-actions' },
        this.problemsEl,
        this.statusEl,
        button('Undo', () => this.undo(), { id: 'undo-button', title: 'Go back to the previous saved version' }),
        this.redoButton,
        button('Preview', () => this.preview(), { id: 'preview-button' }),
        button('Publish', () => openPublish(this), { class: 'primary', id: 'publish-button' })));
    const panel = h('div', { id: 'tab-panel', role: 'tabpanel', class: 'tab-panel' }, this.content);
    return h('div', { class: 'project-shell' }, header, h('main', { id: 'main' }, panel));
  }

  tabKeys(e, id) {
    const index = TABS.findIndex((t) => t.id === id);
    let next = null;
    if (e.key === 'ArrowRight') next = TABS[(index + 1) % TABS.length];
    if (e.key === 'ArrowLeft') next = TABS[(index + TABS.length - 1) % TABS.length];
    if (next) { e.preventDefault(); this.show(next.id); this.tabButtons[next.id].focus(); }
  }

  show(tab) {
    this.tab = tab;
    history.replaceState(null, '', `#/p/${this.slug}/${tab}`);
    this.renderTab();
  }

  renderTab() {
    for (const [id, b] of Object.entries(this.tabButtons)) {
      b.setAttribute('aria-selected', String(id === this.tab));
      b.tabIndex = id === this.tab ? 0 : -1;
    }
    const tab = TABS.find((t) => t.id === this.tab) || TABS[0];
    const ctx = { store: this.store, def: this.store.def, ui: this.ui[tab.id], view: this, refresh: () => this.renderTab() };
    rerender(this.content, () => tab.module.render(ctx));
    const title = this.root.querySelector('.project-name');
    if (title) title.textContent = this.store.def.name;
  }

  renderStatus() {
    const s = this.store;
    this.statusEl.textContent = s.status === 'error' ? `Not saved: ${s.saveError ? s.saveError.message : ''}` : STATUS_TEXT[s.status];
    this.statusEl.className = `save-status status-${s.status}`;
    // Redo is there while what was undone can come back: a new change ends it.
    this.redoButton.disabled = !s.redoable || s.dirty || s.status === 'unsaved';
    const problems = s.report.problems || [];
    const errors = problems.filter((p) => p.severity === 'error').length;
    const warnings = problems.length - errors;
    this.problemsEl.replaceChildren(problems.length
      ? button(`${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`, () => openProblems(this), { class: errors ? 'problems has-errors small' : 'problems small', id: 'problems-button' })
      : h('span', { class: 'ok-badge' }, 'No problems'));
  }

  async undo() {
    try { await this.store.undo(); toast('Went back to the previous version'); } catch (e) { toast(e.message, 'error'); }
  }

  async redo() {
    try { await this.store.redo(); toast('Went forward again'); } catch (e) { toast(e.message, 'error'); }
  }

  async preview() {
    await this.store.flush();
    window.open(`/designer/preview.html?slug=${encodeURIComponent(this.slug)}`, `preview-${this.slug}`);
  }

  // Jump to where a validation problem is.
  goTo(location) {
    const loc = location || {};
    if (loc.actionflow) {
      Object.assign(this.ui.actionflows, { flow: loc.actionflow, node: loc.node || null, panel: 'node', insert: null });
      this.show('actionflows');
    } else if (loc.page) {
      Object.assign(this.ui.pages, { page: loc.page, component: loc.component || null });
      this.show('pages');
    } else if (loc.permission || loc.role || loc.actionflow_rights) {
      if (loc.permission) this.ui.permissions.role = loc.permission.split(':')[0];
      this.show('permissions');
    } else if (loc.settings !== undefined) {
      this.show('settings');
    } else {
      if (loc.table) this.ui.data.table = loc.table;
      this.show('data');
    }
  }
}

function openProblems(view) {
  const body = h('div');
  const { close } = openDialog({ title: 'Problems', body, actions: [{ label: 'Close', onClick: (c) => c() }] });
  body.append(problemList(view, view.store.report.problems || [], () => close()));
}
