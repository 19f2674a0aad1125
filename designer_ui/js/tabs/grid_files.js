// Image and file columns of the rows grid: a thumbnail or a link, and an upload that stores the file
// (the project's multipart upload endpoint, as admin) and puts its id into the row.
import { api, projectUrl } from '../api.js';
import { h, toast } from '../dom.js';

export const isAsset = (column) => column.type === 'image' || column.type === 'file';

// The GraphQL selection of a column: asset columns read as objects with signed URLs.
export const selectionOf = (column) => (column.type === 'image'
  ? `${column.name} { id url filename thumb: url(width: 64, height: 64, fit: "cover") }`
  : column.type === 'file' ? `${column.name} { id url filename }` : column.name);

async function uploadAsAdmin(slug, kind, file) {
  const { token } = await api('GET', projectUrl(slug, '/admin-token'));
  const form = new FormData();
  form.append('kind', kind);
  form.append('file', file, file.name);
  const response = await fetch(`/p/${encodeURIComponent(slug)}/files/upload`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: form });
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new Error((data && data.error && data.error.message) || `upload failed (${response.status})`);
  return data;
}

// One cell: what is stored, and an upload control; ``save(id)`` writes the new asset id into the row.
export function assetCell(slug, column, value, rowId, save) {
  const label = `${column.name} of row ${rowId}`;
  const shown = !value ? h('span', { class: 'muted' }, 'none')
    : column.type === 'image'
      ? h('a', { href: value.url, target: '_blank', rel: 'noopener' }, h('img', { src: value.thumb, alt: value.filename, class: 'grid-thumb', width: 40, height: 40 }))
      : h('a', { href: value.url, target: '_blank', rel: 'noopener' }, value.filename);
  const picker = h('input', { type: 'file', 'aria-label': `Upload ${label}`, class: 'grid-upload', accept: column.type === 'image' ? 'image/png,image/jpeg,image/gif,image/webp' : undefined });
  picker.addEventListener('change', async () => {
    const file = picker.files && picker.files[0];
    if (!file) return;
    try {
      const stored = await uploadAsAdmin(slug, column.type, file);
      await save(stored.id);
      toast(`${file.name} uploaded`, 'success');
    } catch (e) { toast(e.message, 'error'); }
  });
  return h('span', { class: 'grid-asset' }, shown, picker);
}
