// Modal dialogs on <dialog>: focus is trapped by the browser, Escape cancels.
import { button, h } from './dom.js';

export function openDialog({ title, body, actions = [], onClose }) {
  const dialog = h('dialog', { class: 'dialog', 'aria-label': title });
  const close = (value) => { dialog.close(); dialog.remove(); if (onClose) onClose(value); };
  const footer = h('div', { class: 'dialog-actions' },
    actions.map((a) => button(a.label, () => a.onClick(close), { class: a.class || '', disabled: a.disabled, id: a.id })));
  dialog.append(h('h2', {}, title), h('div', { class: 'dialog-body' }, body), footer);
  dialog.addEventListener('cancel', (e) => { e.preventDefault(); close(null); });
  document.body.append(dialog);
  dialog.showModal();
  return { dialog, close, footer };
}

export function confirmDialog({ title, message, confirmLabel = 'OK', danger = false }) {
  return new Promise((resolve) => {
    openDialog({
      title,
      body: message instanceof Node ? message : h('p', {}, message),
      actions: [
        { label: 'Cancel', onClick: (close) => close(false) },
        { label: confirmLabel, class: danger ? 'danger' : 'primary', onClick: (close) => close(true) },
      ],
      onClose: (value) => resolve(Boolean(value)),
    });
  });
}
