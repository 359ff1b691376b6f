/** The app's IndexedDB: one cached open-database promise, explicit schema upgrades. */
import { openDB } from '/vendor/idb/index.js';

const NAME = 'coop-cra';
const VERSION = 3;
let opening;

/**
 * Stores: `outbox` (one row per operation waiting for the server's answer, in order),
 * `cras` (the conseiller's CRAs as this device knows them), `meta` (cursor, draft, session...),
 * `documents` (ressourcerie PDFs kept for offline reading, since version 2), `lieux_outbox` (one
 * row per change of a lieu d'activité waiting for the server, in order, since version 3).
 * @returns {Promise<import('/vendor/idb/index.js').IDBPDatabase>}
 */
export function database() {
  opening ||= openDB(NAME, VERSION, {
    upgrade(db, oldVersion) {
      if (oldVersion < 1) {
        db.createObjectStore('outbox', { keyPath: 'seq', autoIncrement: true });
        db.createObjectStore('cras', { keyPath: 'id' });
        db.createObjectStore('meta');
      }
      if (oldVersion < 2) db.createObjectStore('documents', { keyPath: 'id' });
      if (oldVersion < 3) db.createObjectStore('lieux_outbox', { keyPath: 'seq', autoIncrement: true });
    },
  });
  return opening;
}

/**
 * The rows of a store that belong to this user, in key order (an outbox: in the order queued).
 * @param {string} store @param {string} owner
 */
export async function rowsOf(store, owner) {
  return (await (await database()).getAll(store)).filter((row) => row.owner === owner);
}

/** @param {string} key */
export async function getMeta(key) {
  return (await database()).get('meta', key);
}

/** @param {string} key @param {any} value */
export async function setMeta(key, value) {
  return (await database()).put('meta', value, key);
}

/** @param {string} key */
export async function deleteMeta(key) {
  return (await database()).delete('meta', key);
}

/** A quota error, explained to the user in French. */
export function storageMessage(error) {
  if (error && error.name === 'QuotaExceededError') {
    return "L'espace de stockage de votre téléphone est plein : libérez de la place pour enregistrer ce compte rendu.";
  }
  return "Enregistrement impossible sur cet appareil : " + (error && error.message ? error.message : 'erreur inconnue');
}

/** Ask the browser to keep our data (outbox) even when space runs low. */
export async function requestPersistentStorage() {
  if (navigator.storage && navigator.storage.persist) {
    try { return await navigator.storage.persist(); } catch { return false; }
  }
  return false;
}
