// The designer's REST client: JSON in and out, the CSRF header on every write.

let csrf = null;

async function csrfToken() {
  if (!csrf) {
    const response = await fetch('/api/session', { credentials: 'same-origin' });
    if (!response.ok) throw new Error('The designer session has ended: open the link printed by minimomen serve again.');
    csrf = (await response.json()).csrf;
  }
  return csrf;
}

export class ApiError extends Error {
  constructor(status, detail) {
    const message = Array.isArray(detail)
      ? detail.map((d) => `${(d.loc || []).slice(1).join('.')}: ${d.msg}`).join('; ')
      : (detail && detail.message) || `The server answered ${status}.`;
    super(message);
    this.status = status;
    this.code = detail && detail.code;
    this.problems = (detail && detail.problems) || [];
    this.detail = detail || {};
  }
}

export async function api(method, url, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['X-Designer-CSRF'] = await csrfToken();
  const response = await fetch(url, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  try { data = await response.json(); } catch { data = null; }
  if (!response.ok) throw new ApiError(response.status, data && data.detail);
  return data;
}

export const projectUrl = (slug, rest = '') => `/api/projects/${encodeURIComponent(slug)}${rest}`;
