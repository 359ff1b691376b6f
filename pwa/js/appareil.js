/** This device as the server knows it: an id made at install, a label, the app's version. */
import { getMeta, setMeta } from './db.js';

const KEY = 'appareil';

/** The label this device gives itself to the server with what it sends (« Android · Chrome »). */
export function deviceLabel() {
  const ua = navigator.userAgent;
  const find = (pairs) => (pairs.find(([, pattern]) => pattern.test(ua)) || [])[0];
  const system = find([['Android', /Android/], ['iPhone', /iPhone/], ['iPad', /iPad/], ['Windows', /Windows/],
    ['ChromeOS', /CrOS/], ['macOS', /Mac OS X/], ['Linux', /Linux/]]);
  const browser = find([['Edge', /Edg\//], ['Samsung Internet', /SamsungBrowser/], ['Firefox', /Firefox\//],
    ['Chrome', /Chrome\//], ['Safari', /Safari\//]]);
  return [system, browser].filter(Boolean).join(' · ') || 'Navigateur';
}

/**
 * This install's id, made the first time it is asked for and kept in IndexedDB beside the
 * outbox (whose life it shares: clearing the site's data makes a new device).
 * @returns {Promise<string>}
 */
export async function deviceId() {
  let id = await getMeta(KEY);
  if (!id) {
    id = crypto.randomUUID();
    await setMeta(KEY, id);
  }
  return id;
}

/** The version of the app this page runs (stamped in index.html by the server's build). */
export function appVersion() {
  const meta = document.querySelector('meta[name="app-version"]');
  return meta ? meta.content : 'dev';
}

/**
 * What the device tells of itself in a push (sync/PROTOCOL.md, « Devices »).
 * @param {number} waiting the operations its outbox holds besides those of this push
 */
export async function deviceReport(waiting) {
  return { appareil: deviceLabel(), appareil_id: await deviceId(), version: appVersion(), en_attente: waiting };
}
