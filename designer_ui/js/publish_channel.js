// News between the designer's tabs of one project (same origin, any tab or window) over a
// BroadcastChannel: "a new version is live" (open previews reload) and "accounts changed"
// (a preview created a test account: the designer's "Run as" lists load them again).

const CHANNEL = 'minimomen-publish';

function post(message) {
  if (!('BroadcastChannel' in window)) return;
  const channel = new BroadcastChannel(CHANNEL);
  channel.postMessage(message);
  channel.close();
}

function listen(slug, kind, handler) {
  if (!('BroadcastChannel' in window)) return;
  new BroadcastChannel(CHANNEL).addEventListener('message', (e) => {
    if (e.data && e.data.slug === slug && (e.data.kind || 'publish') === kind) handler(e.data);
  });
}

export function announcePublish(slug, version) { post({ slug, kind: 'publish', version }); }

export function onPublish(slug, handler) { listen(slug, 'publish', (data) => handler(data.version)); }

export function announceAccounts(slug) { post({ slug, kind: 'accounts' }); }

export function onAccounts(slug, handler) { listen(slug, 'accounts', () => handler()); }
