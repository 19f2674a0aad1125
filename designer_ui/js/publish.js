// Publish: save, validate, show the migration plan (dry run), ask before data loss, apply.
import { api, projectUrl } from './api.js';
import { openDialog } from './dialog.js';
import { h, toast } from './dom.js';
import { problemList } from './project_view.js';

export async function openPublish(view) {
  const { store } = view;
  const body = h('div', { class: 'publish-body', role: 'status', 'aria-live': 'polite' }, h('p', {}, 'Checking the app…'));
  const state = { allow: false, plan: null };
  const { close, footer } = openDialog({
    title: 'Publish',
    body,
    actions: [
      { label: 'Cancel', onClick: (c) => c(false), id: 'publish-cancel' },
      { label: 'Publish now', class: 'primary', disabled: true, id: 'publish-confirm', onClick: () => apply() },
    ],
  });
  const confirm = footer.querySelector('#publish-confirm');
  const show = (...children) => body.replaceChildren(...children);

  const apply = async () => {
    confirm.disabled = true;
    show(h('p', {}, 'Publishing: migrating the database and rebuilding the API…'));
    try {
      const result = await api('POST', projectUrl(store.slug, '/publish'), { dry_run: false, allow_data_loss: state.allow });
      show(h('p', { class: 'success', id: 'publish-result' }, `Published version ${result.plan.version}.`), stepsList(result.plan));
      confirm.remove();
      footer.querySelector('#publish-cancel').textContent = 'Close';
      toast(`Published version ${result.plan.version}`, 'success');
      view.published = Date.now();
      view.renderTab();
    } catch (e) {
      show(errorView(view, e, close));
    }
  };

  if (!await store.flush()) {
    show(h('p', { class: 'problem problem-error', role: 'alert' }, `The draft could not be saved: ${store.saveError ? store.saveError.message : ''}`),
      problemList(view, store.report.problems || [], () => close(false)));
    return;
  }
  try {
    const result = await api('POST', projectUrl(store.slug, '/publish'), { dry_run: true, allow_data_loss: false });
    state.plan = result.plan;
    const destructive = result.plan.destructive || [];
    const warnings = (result.report.problems || []).filter((p) => p.severity === 'warning');
    const parts = [h('h3', {}, result.plan.changed ? 'These changes will be applied' : 'The database is already up to date'), stepsList(result.plan)];
    if (warnings.length) parts.push(h('h3', {}, 'Warnings'), problemList(view, warnings, () => close(false)));
    if (destructive.length) {
      const box = h('input', { type: 'checkbox', id: 'allow-data-loss', onChange: (e) => { state.allow = e.target.checked; confirm.disabled = !e.target.checked; } });
      parts.push(h('div', { class: 'danger-box', role: 'alert' }, h('h3', {}, 'This deletes data'),
        h('ul', {}, destructive.map((d) => h('li', {}, d))),
        h('label', { class: 'check' }, box, 'I understand: delete this data and publish')));
    } else confirm.disabled = false;
    show(...parts);
    confirm.focus();
  } catch (e) {
    if (e.code === 'MIGRATION_REFUSED' && e.detail.overridable) {
      const box = h('input', { type: 'checkbox', id: 'allow-data-loss', onChange: (ev) => { state.allow = ev.target.checked; confirm.disabled = !ev.target.checked; } });
      show(h('div', { class: 'danger-box', role: 'alert' }, h('h3', {}, 'This deletes data'), h('ul', {}, (e.detail.reasons || [e.message]).map((r) => h('li', {}, r))),
        h('label', { class: 'check' }, box, 'I understand: delete this data and publish')));
    } else show(errorView(view, e, close));
  }
}

function stepsList(plan) {
  const steps = plan.steps || [];
  if (!steps.length) return h('p', { class: 'muted' }, 'No change to the database structure.');
  return h('ol', { class: 'plan-steps', id: 'plan-steps' }, steps.map((s) => h('li', {}, s)));
}

function errorView(view, e, close) {
  return h('div', { role: 'alert', class: 'publish-error' },
    h('p', { class: 'problem problem-error', id: 'publish-error' }, e.message),
    e.problems && e.problems.length ? problemList(view, e.problems, () => close(false)) : null);
}

