// Publish: save, validate, show the migration plan (dry run), apply. A change that
// destroys data — seen in the plan, or refused by the runtime because rows arrived
// since — is only applied after "Publish anyway (destroys data)" and a confirmation
// that names what will be lost. Afterwards the Pages canvas and open previews reload.
import { api, projectUrl } from './api.js';
import { confirmDialog, openDialog } from './dialog.js';
import { button, h, toast } from './dom.js';
import { problemList } from './problems.js';
import { announcePublish } from './publish_channel.js';

const BLOCKER = 'cannot apply: ';

function confirmLoss(losses) {
  return confirmDialog({
    title: 'Delete data and publish?',
    message: h('div', { id: 'loss-confirmation' },
      h('p', {}, 'Publishing now permanently deletes:'),
      h('ul', {}, losses.map((loss) => h('li', {}, loss))),
      h('p', {}, 'This cannot be undone: export or copy the data first if you may need it.')),
    confirmLabel: 'Delete the data and publish',
    danger: true,
  });
}

export async function openPublish(view) {
  const { store } = view;
  const body = h('div', { class: 'publish-body', role: 'status', 'aria-live': 'polite' }, h('p', {}, 'Checking the app…'));
  const { close, footer } = openDialog({
    title: 'Publish',
    body,
    actions: [
      { label: 'Cancel', onClick: (c) => c(false), id: 'publish-cancel' },
      { label: 'Publish now', class: 'primary', disabled: true, id: 'publish-confirm', onClick: () => apply(false) },
    ],
  });
  const confirm = footer.querySelector('#publish-confirm');
  const show = (...children) => body.replaceChildren(...children);

  // Offer the destructive publish: a danger button that asks again, naming the losses.
  const offerOverride = (losses) => {
    confirm.replaceWith(button('Publish anyway (destroys data)', async () => {
      if (await confirmLoss(losses)) apply(true);
    }, { class: 'primary danger', id: 'publish-anyway' }));
    footer.querySelector('#publish-anyway').focus();
  };

  const apply = async (allowDataLoss) => {
    for (const b of footer.querySelectorAll('#publish-confirm, #publish-anyway')) b.disabled = true;
    show(h('p', {}, 'Publishing: migrating the database and rebuilding the API…'));
    try {
      const result = await api('POST', projectUrl(store.slug, '/publish'), { dry_run: false, allow_data_loss: allowDataLoss });
      show(h('p', { class: 'success', id: 'publish-result' }, `Published version ${result.plan.version}.`), stepsList(result.plan));
      for (const b of footer.querySelectorAll('#publish-confirm, #publish-anyway')) b.remove();
      footer.querySelector('#publish-cancel').textContent = 'Close';
      toast(`Published version ${result.plan.version}`, 'success');
      view.published = { version: result.plan.version, at: Date.now() };
      announcePublish(store.slug, result.plan.version);
      view.renderTab();
    } catch (e) {
      if (e.code === 'MIGRATION_REFUSED' && e.detail.overridable) {
        // The data changed since the plan was made: say what the runtime said, offer to go ahead.
        const losses = e.detail.reasons || [e.message];
        show(h('div', { class: 'danger-box', role: 'alert' }, h('h3', {}, 'The runtime refused to publish'),
          h('p', { id: 'publish-refused' }, e.message), h('ul', {}, losses.map((r) => h('li', {}, r)))));
        offerOverride(losses);
      } else {
        show(errorView(view, e, close));
      }
    }
  };

  if (!await store.flush()) {
    show(h('p', { class: 'problem problem-error', role: 'alert' }, `The draft could not be saved: ${store.saveError ? store.saveError.message : ''}`),
      problemList(view, store.report.problems || [], () => close(false)));
    return;
  }
  try {
    const result = await api('POST', projectUrl(store.slug, '/publish'), { dry_run: true, allow_data_loss: false });
    const destructive = result.plan.destructive || [];
    const blockers = destructive.filter((d) => d.startsWith(BLOCKER)).map((d) => d.slice(BLOCKER.length));
    const losses = destructive.filter((d) => !d.startsWith(BLOCKER));
    const warnings = (result.report.problems || []).filter((p) => p.severity === 'warning');
    const parts = [h('h3', {}, result.plan.changed ? 'These changes will be applied' : 'The database is already up to date'), stepsList(result.plan)];
    if (warnings.length) parts.push(h('h3', {}, 'Warnings'), problemList(view, warnings, () => close(false)));
    if (blockers.length) {
      parts.push(h('div', { class: 'danger-box', role: 'alert', id: 'publish-blocked' }, h('h3', {}, 'This cannot be published with the data as it is'),
        h('ul', {}, blockers.map((d) => h('li', {}, d))), h('p', {}, 'Change the data (Data tab → Rows) or the definition, then publish again.')));
    } else if (losses.length) {
      parts.push(h('div', { class: 'danger-box', role: 'alert' }, h('h3', {}, 'This deletes data'), h('ul', {}, losses.map((d) => h('li', {}, d)))));
    }
    show(...parts);
    if (blockers.length) return;
    if (losses.length) offerOverride(losses);
    else { confirm.disabled = false; confirm.focus(); }
  } catch (e) {
    show(errorView(view, e, close));
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
