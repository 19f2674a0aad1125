// Entry point: hash routes "#/" (project list) and "#/p/<slug>/<tab>" (a project).
import { h } from './dom.js';
import { renderProjectList } from './projects.js';
import { ProjectView } from './project_view.js';

const root = document.getElementById('app');
let current = null;

async function route() {
  const match = location.hash.match(/^#\/p\/([a-z][a-z0-9_]*)(?:\/([a-z]+))?/);
  try {
    if (match) {
      if (current && current.slug === match[1]) { if (match[2] && match[2] !== current.tab) current.show(match[2]); return; }
      if (current && (current.store.dirty || current.store.saving)) await current.store.flush();
      if (current) current.store.unwatch();
      current = new ProjectView(root, match[1]);
      await current.mount(match[2]);
    } else {
      if (current) { await current.store.flush(); current.store.unwatch(); }
      current = null;
      await renderProjectList(root);
    }
  } catch (error) {
    root.replaceChildren(h('main', { id: 'main', class: 'card' }, h('h1', {}, 'Something went wrong'), h('p', { role: 'alert' }, error.message), h('a', { href: '#/' }, 'Back to the projects')));
  }
}

window.addEventListener('hashchange', route);
route();
