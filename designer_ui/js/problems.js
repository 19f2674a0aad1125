// The list of validation problems with a "Go there" link each, shared by the
// Problems dialog (project_view.js) and the Publish dialog (publish.js).
import { button, h } from './dom.js';

export function problemList(view, problems, close) {
  return h('ul', { class: 'problem-list' }, problems.map((p) => h('li', { class: `problem problem-${p.severity}` },
    h('span', { class: 'sev' }, p.severity === 'error' ? 'Error' : 'Warning'), ' ',
    h('span', { class: 'msg' }, p.message), ' ',
    button('Go there', () => { if (close) close(); view.goTo(p.location); }, { class: 'link small', 'aria-label': `Go to: ${p.message}` }))));
}
