/** The service worker from the page's side: registration, updates, Background Sync. */

/** The Background Sync tag that asks the page to send the outbox (see sw.js). */
export const SYNC_TAG = 'envoi-cra';

let updating = false;

/** Activate the waiting version, then reload once (and only once) it controls the page. */
function applyUpdate(registration) {
  if (!registration.waiting) {
    window.location.reload(); // another tab already activated it
    return;
  }
  if (!updating) {
    updating = true;
    navigator.serviceWorker.addEventListener('controllerchange', () => window.location.reload(),
      { once: true });
  }
  registration.waiting.postMessage({ type: 'SKIP_WAITING' });
}

/**
 * Register /sw.js once the page has loaded. When a new version is installed and waiting, call
 * `onUpdateReady(applyUpdate)`: the page tells the user, and calls `applyUpdate()` on their click (the page reloads). Never
 * rejects: without a service worker the app still works online.
 * @param {(applyUpdate: () => void) => void} onUpdateReady
 * @returns {Promise<ServiceWorkerRegistration | null>}
 */
export async function registerServiceWorker(onUpdateReady) {
  if (!('serviceWorker' in navigator)) return null;
  // After the page's load: the precache must not compete with the first screen on a slow line.
  if (document.readyState !== 'complete') {
    await new Promise((resolve) => { window.addEventListener('load', resolve, { once: true }); });
  }
  let registration;
  try {
    registration = await navigator.serviceWorker.register('/sw.js', { scope: '/' });
  } catch (error) {
    console.warn('Service worker non enregistré :', error);
    return null;
  }
  const offer = () => {
    // With no controller this is the first install, which activates by itself.
    if (registration.waiting && navigator.serviceWorker.controller) {
      onUpdateReady(() => applyUpdate(registration));
    }
  };
  registration.addEventListener('updatefound', () => {
    const worker = registration.installing;
    if (worker) worker.addEventListener('statechange', () => { if (worker.state === 'installed') offer(); });
  });
  offer();
  // An installed app stays open for days: look for a new version whenever it comes back.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') registration.update().catch(() => {});
  });
  return registration;
}

/**
 * Ask the browser to wake the app when the network is back (Chromium only; elsewhere the app
 * sends on start, on `online` and from its button). Call it after queuing a CRA.
 * @returns {Promise<boolean>} true when a Background Sync was registered
 */
export async function requestBackgroundSync() {
  if (!('serviceWorker' in navigator)) return false;
  const registration = await navigator.serviceWorker.getRegistration();
  if (!registration || !registration.active || !('sync' in registration)) return false;
  try {
    await registration.sync.register(SYNC_TAG);
    return true;
  } catch {
    return false; // e.g. permission denied: the other triggers still send
  }
}

/**
 * Call `callback` when the service worker asks the page to send the outbox ({type: 'SYNC_REQUESTED'}).
 * @param {() => void} callback
 */
export function onSyncRequested(callback) {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.addEventListener('message', (event) => {
    if (event.data && event.data.type === 'SYNC_REQUESTED') callback();
  });
  navigator.serviceWorker.startMessages();
}
