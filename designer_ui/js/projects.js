// The project list: open, create (blank, from a sample, as a copy), delete with confirmation.
import { api, projectUrl } from './api.js';
import { confirmDialog } from './dialog.js';
import { button, field, h, input, select, toast } from './dom.js';
import { slugify } from './ids.js';

export async function renderProjectList(root) {
  const [{ projects }, { samples }] = await Promise.all([api('GET', '/api/projects'), api('GET', '/api/samples')]);
  const list = projects.length
    ? h('ul', { class: 'project-list' }, projects.map((p) => h('li', {},
      h('a', { href: `#/p/${p.slug}/data`, class: 'project-link' }, h('strong', {}, p.name), h('span', { class: 'muted' }, ` (${p.slug})`)),
      button('Delete', async () => {
        const ok = await confirmDialog({ title: `Delete ${p.name}?`, message: `This removes the project folder "${p.slug}" and its database, with all its data. It cannot be undone.`, confirmLabel: 'Delete project', danger: true });
        if (!ok) return;
        try { await api('DELETE', projectUrl(p.slug)); toast(`Deleted ${p.name}`); renderProjectList(root); } catch (e) { toast(e.message, 'error'); }
      }, { class: 'danger small', 'aria-label': `Delete project ${p.name}` }))))
    : h('p', { class: 'muted' }, 'No projects yet: create one below.');

  const name = input({ id: 'new-project-name', required: true, placeholder: 'My shop' });
  const slug = input({ id: 'new-project-slug', required: true, pattern: '[a-z][a-z0-9_]{0,40}', placeholder: 'my_shop' });
  let slugTouched = false;
  name.addEventListener('input', () => { if (!slugTouched) slug.value = slugify(name.value, 'app').slice(0, 40); });
  slug.addEventListener('input', () => { slugTouched = true; });
  const origin = select([
    { value: '', label: 'Blank project' },
    ...samples.map((s) => ({ value: `sample:${s.slug}`, label: `Sample: ${s.name}`, group: 'Samples' })),
    ...projects.map((p) => ({ value: `project:${p.slug}`, label: `Copy of ${p.name}`, group: 'Your projects' })),
  ], { id: 'new-project-origin' });
  const form = h('form', { class: 'card create-form', 'aria-label': 'Create a project' },
    h('h2', {}, 'New project'),
    field('Project name', name),
    field('Folder name (slug)', slug, 'lowercase letters, digits and _'),
    field('Start from', origin),
    h('button', { type: 'submit', class: 'primary' }, 'Create project'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { slug: slug.value.trim(), name: name.value.trim() };
    const [kind, from] = origin.value.split(':');
    if (kind === 'sample') body.sample = from;
    if (kind === 'project') body.source = from;
    try {
      await api('POST', '/api/projects', body);
      location.hash = `#/p/${body.slug}/data`;
    } catch (err) { toast(err.message, 'error'); }
  });
  root.replaceChildren(h('main', { id: 'main', class: 'projects-page' },
    h('header', { class: 'topbar' }, h('h1', {}, 'minimomen designer')),
    h('section', { class: 'card', 'aria-label': 'Projects' }, h('h2', {}, 'Projects'), list),
    form));
}
