// "A new version is live": the designer tells open previews of the project (same origin,
// any tab or window) over a BroadcastChannel, and they reload.

const CHANNEL = 'minimomen-publish';

export function announcePublish(slug, version) {
  if (!('BroadcastChannel' in window)) return;
  const channel = new BroadcastChannel(CHANNEL);
  channel.postMessage({ slug, version });
  channel.close();
}

export function onPublish(slug, handler) {
  if (!('BroadcastChannel' in window)) return;
  new BroadcastChannel(CHANNEL).addEventListener('message', (e) => {
    if (e.data && e.data.slug === slug) handler(e.data.version);
  });
}
