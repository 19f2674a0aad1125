// Runs graphql-http's server audits against a URL and prints one JSON line per audit:
// {id, name, status: "ok" | "warn" (SHOULD failed) | "notice" (MAY) | "error" (MUST failed), reason}.
// Usage: node audit.mjs <graphql url> [Authorization header value]
import { auditServer } from 'graphql-http';

const [url, authorization] = process.argv.slice(2);
const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers || {});
  if (authorization) headers.set('authorization', authorization);
  return fetch(input, { ...init, headers });
};
const results = await auditServer({ url, fetchFn });
for (const r of results) {
  console.log(JSON.stringify({ id: r.id, name: r.name, status: r.status, reason: r.status === 'ok' ? '' : r.reason }));
}
