/* The service worker of coop-cra: the app shell offline, updates on the user's say-so.
 *
 * Served by Flask at /sw.js (server/pages/service_worker.py), which replaces VERSION with a hash
 * of every precached file and PRECACHE with {url: revision of its content} (URLs with a content
 * hash in their name included): any change to the app ships a new worker. It never touches IndexedDB: the outbox of unsent CRAs lives there and must
 * survive every update.
 */
const VERSION = 'dev';
const PRECACHE = {};

const CACHE_PREFIX = 'coop-cra-';
const CACHE = `${CACHE_PREFIX}${VERSION}`;
const REVISIONS = '/__precache__'; // what each cache holds, so the next version reuses it
const APP_SHELL = '/';
const STATIC_PREFIXES = ['/js/', '/css/', '/icons/', '/data/', '/dsfr/', '/vendor/'];
const SHELL_TIMEOUT_MS = 4000; // on a crawling network, open the cached app rather than wait
const SYNC_TAG = 'envoi-cra';

/** Fill this version's cache, copying unchanged files from the previous one (the commune index
 * and the fonts weigh on a phone plan) and fetching the rest through the HTTP cache: what the
 * page has just loaded is not downloaded again (hashed names are fresh there for ever, the
 * others are revalidated: a 304 without a body when unchanged). */
async function precache() {
  const cache = await caches.open(CACHE);
  const reusable = new Map();
  for (const name of await caches.keys()) {
    if (!name.startsWith(CACHE_PREFIX) || name === CACHE) continue;
    const old = await caches.open(name);
    const revisions = await old.match(REVISIONS);
    if (!revisions) continue;
    for (const [url, revision] of Object.entries(await revisions.json())) {
      if (PRECACHE[url] === revision) reusable.set(url, old);
    }
  }
  const missing = [];
  for (const url of Object.keys(PRECACHE)) {
    const copy = reusable.has(url) && (await reusable.get(url).match(url));
    if (copy) await cache.put(url, copy);
    else missing.push(url);
  }
  await cache.addAll(missing);
  await cache.put(REVISIONS, new Response(JSON.stringify(PRECACHE),
    { headers: { 'Content-Type': 'application/json' } }));
}

self.addEventListener('install', (event) => {
  // No skipWaiting(): the new version waits until the user chooses to reload (SKIP_WAITING).
  event.waitUntil(precache());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names
      .filter((name) => name.startsWith(CACHE_PREFIX) && name !== CACHE)
      .map((name) => caches.delete(name)));
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'SKIP_WAITING') self.skipWaiting();
});

const cachedShell = () => caches.match(APP_SHELL, { cacheName: CACHE });

/** The app's page: the network's, unless it fails, errs (a deployment's 502) or crawls; then the
 * cached one, which routes ?vue=… itself. */
async function appShell(request) {
  const network = fetch(request)
    .then(async (response) => (response.status >= 500 && (await cachedShell())) || response);
  const slow = new Promise((resolve) => { setTimeout(resolve, SHELL_TIMEOUT_MS); })
    .then(async () => (await cachedShell()) || network);
  return Promise.race([network, slow]).catch(async () => (await cachedShell()) || Response.error());
}

/** Other pages (an invitation link…): the network, else the cached app. */
async function otherPage(request) {
  return fetch(request).catch(async () => (await cachedShell()) || Response.error());
}

/** Files of the app: the cache of this version, else the network (and keep what came). */
async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.status === 200) await cache.put(request, response.clone());
  return response;
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  // The API is never intercepted nor cached: the outbox alone decides what was delivered.
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  const { pathname } = url;
  if (pathname.startsWith('/api/')) return;
  if (request.mode === 'navigate') {
    event.respondWith(pathname === APP_SHELL ? appShell(request) : otherPage(request));
  } else if (Object.hasOwn(PRECACHE, pathname) || STATIC_PREFIXES.some((p) => pathname.startsWith(p))) {
    event.respondWith(cacheFirst(request));
  }
});

self.addEventListener('sync', (event) => {
  if (event.tag !== SYNC_TAG) return;
  // The page owns the outbox and the session: ask it to send. With no page open, the app sends
  // at its next start.
  event.waitUntil(self.clients.matchAll({ type: 'window', includeUncontrolled: true })
    .then((windows) => windows.forEach((page) => page.postMessage({ type: 'SYNC_REQUESTED' }))));
});

// --- Reminders (Web Push) ---------------------------------------------------------------------
const NOTIFICATION_ICON = '/icons/icon-192.png';

/** Every push shows a notification: browsers demand it (iOS withdraws the permission otherwise). */
self.addEventListener('push', (event) => {
  let message;
  try {
    message = event.data ? event.data.json() : {};
  } catch {
    message = {}; // not JSON: still say something
  }
  event.waitUntil(self.registration.showNotification(message.titre || 'coop-cra', {
    body: message.corps || 'Pensez à saisir vos comptes rendus d\'activité.',
    icon: NOTIFICATION_ICON,
    badge: NOTIFICATION_ICON,
    lang: 'fr',
    tag: message.type === 'essai' ? 'rappel-essai' : 'rappel-cra',
    data: { url: message.url || '/?vue=saisie' },
  }));
});

/** A tap opens the view the reminder names: in the open app (which asks before leaving an
 * unsaved form), else in a new window. */
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  let url = new URL((event.notification.data && event.notification.data.url) || '/', self.location.origin);
  if (url.origin !== self.location.origin) url = new URL('/', self.location.origin);
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const open = windows.find((client) => new URL(client.url).origin === self.location.origin);
    if (!open) return self.clients.openWindow(url.href);
    open.postMessage({ type: 'OUVRIR_VUE', vue: url.searchParams.get('vue') });
    return open.focus();
  })());
});

/** The browser renewed the subscription: subscribe again, and when the old one is known, replace
 * it on the server (its auth secret is the proof: there is no session here). Otherwise the app
 * sends the new one at its next start. */
self.addEventListener('pushsubscriptionchange', (event) => {
  event.waitUntil((async () => {
    const old = event.oldSubscription;
    let key = old && old.options && old.options.applicationServerKey;
    if (!key) key = (await (await fetch('/api/rappels/cle-publique')).json()).cle_publique;
    if (!key) return;
    const fresh = event.newSubscription
      || await self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
    if (!old) return;
    await fetch('/api/rappels/abonnement/renouvellement', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ancien: { endpoint: old.endpoint, auth: old.toJSON().keys.auth }, nouveau: fresh.toJSON() }),
    });
  })());
});
