/** This device's Web Push subscription: support, subscribing, resending at start, forgetting. */
import { call } from './api.js';

/**
 * What this browser allows. On iPhone and iPad, Web Push exists only in the app added to the
 * home screen (iOS 16.4 or later), never in a Safari tab.
 * @returns {{supported: boolean, needsHomeScreen: boolean}}
 */
export function pushSupport() {
  const ios = /iPad|iPhone|iPod/.test(navigator.userAgent)
    || (navigator.platform === 'MacIntel' && navigator.maxTouchPoints > 1);
  const standalone = window.matchMedia('(display-mode: standalone)').matches || navigator.standalone === true;
  const supported = 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
  return { supported, needsHomeScreen: ios && !standalone };
}

/**
 * The browser has no push service to subscribe to: a private window, a browser without Web
 * Push, or its push service unreachable. Not a network problem of coop-cra.
 */
export class PushUnavailable extends Error {
  constructor(cause) {
    super(cause && cause.message ? cause.message : 'push service unavailable');
    this.name = 'PushUnavailable';
    this.cause = cause;
  }
}

/** base64url → bytes, as pushManager.subscribe() takes the server's key. */
function keyBytes(base64url) {
  const base64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

/** Whether a subscription was made with this server key (a new key needs a new subscription). */
function madeWith(subscription, publicKey) {
  const used = subscription.options && subscription.options.applicationServerKey;
  if (!used) return true; // the browser does not say: trust it
  const wanted = keyBytes(publicKey);
  const bytes = new Uint8Array(used);
  return bytes.length === wanted.length && bytes.every((b, i) => b === wanted[i]);
}

/**
 * This device's subscription, or null.
 * @returns {Promise<PushSubscription | null>}
 */
export async function currentSubscription() {
  if (!pushSupport().supported) return null;
  const registration = await navigator.serviceWorker.getRegistration();
  return registration ? registration.pushManager.getSubscription() : null;
}

/**
 * Subscribe this device with the server's key (permission granted already) and store the
 * subscription on the server.
 * @param {string} publicKey the server's VAPID key, base64url
 * @returns {Promise<{appareils: number}>}
 */
export async function subscribeDevice(publicKey) {
  const registration = await navigator.serviceWorker.ready;
  let subscription = await registration.pushManager.getSubscription();
  if (subscription && !madeWith(subscription, publicKey)) {
    await subscription.unsubscribe();
    subscription = null;
  }
  if (!subscription) {
    try {
      subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true, applicationServerKey: keyBytes(publicKey),
      });
    } catch (error) {
      throw new PushUnavailable(error);
    }
  }
  return call('/rappels/abonnement', { method: 'PUT', body: subscription.toJSON() });
}

/**
 * At each start of the app: send this device's subscription again (the server may have
 * dropped it), and subscribe again if the server's key changed. Never rejects.
 */
export async function resendSubscription() {
  try {
    if (!pushSupport().supported || Notification.permission !== 'granted') return;
    const subscription = await currentSubscription();
    if (!subscription) return;
    const answer = await call('/rappels/abonnement', { method: 'PUT', body: subscription.toJSON() });
    if (answer.cle_publique && !madeWith(subscription, answer.cle_publique)) {
      await subscribeDevice(answer.cle_publique);
    }
  } catch {
    // offline or signed out: the next start tries again
  }
}

/** Turn reminders off on this device: tell the server (when reachable), then unsubscribe. */
export async function forgetDevice() {
  const subscription = await currentSubscription();
  if (!subscription) return;
  const query = `?endpoint=${encodeURIComponent(subscription.endpoint)}`;
  await call(`/rappels/abonnement${query}`, { method: 'DELETE' }).catch(() => {});
  await subscription.unsubscribe();
}

/**
 * Ask the server for a test notification to this device.
 * @returns {Promise<{envoye: boolean, message: string}>}
 */
export async function sendTest() {
  const subscription = await currentSubscription();
  return call('/rappels/essai', { method: 'POST', body: { endpoint: subscription ? subscription.endpoint : '' } });
}

/**
 * Call `callback(vue)` when a tap on a notification asks this open page to show a view
 * (sw.js posts {type: 'OUVRIR_VUE', vue}).
 * @param {(vue: string) => void} callback
 */
export function onNotificationOpened(callback) {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.addEventListener('message', (event) => {
    if (event.data && event.data.type === 'OUVRIR_VUE') callback(event.data.vue);
  });
}
