/**
 * The CRAs on this device and the operations that change them. A save writes the CRA and its
 * frozen operation in one IndexedDB transaction; later edits are new operations (PROTOCOL.md).
 */
import { database, rowsOf } from './db.js';

/** The coordinators' reports' kind of object (objet), beside the CRAs' 'cra' (PROTOCOL.md). */
export const COORDINATION = 'cra_coordination';

/**
 * @typedef {object} LocalCra
 * @property {string} id
 * @property {object} cra          content as the form shows it
 * @property {string} owner        user id
 * @property {string|null} head    last operation this copy builds on (sent or not)
 * @property {number|null} version server version, once known
 * @property {'pending'|'synced'|'rejected'|'conflict'} state
 * @property {boolean} deleted
 * @property {string} changedAt    ISO time of the last local change
 * @property {string} [objet]      'cra' (absent on older rows) or 'cra_coordination'
 */

/**
 * One transaction: the operation queued, the CRA's local copy, and the draft it came from (a
 * `meta` key) deleted, so a saved CRA never comes back as a draft.
 */
async function write(owner, local, type, draft = null) {
  const db = await database();
  const op = {
    op_id: crypto.randomUUID(), type, cra_id: local.id, client_time: new Date().toISOString(),
    ...(local.objet && local.objet !== 'cra' ? { objet: local.objet } : {}),
    ...(type === 'create' ? {} : { base: local.head }),
    ...(type === 'delete' ? {} : { cra: local.cra }),
  };
  const next = { ...local, owner, head: op.op_id, state: 'pending', changedAt: op.client_time, errors: null, message: null, server: null, mine: null };
  const tx = db.transaction(draft ? ['outbox', 'cras', 'meta'] : ['outbox', 'cras'], 'readwrite');
  await Promise.all([tx.objectStore('outbox').add({ owner, op }), tx.objectStore('cras').put(next),
    draft && tx.objectStore('meta').delete(draft), tx.done]);
  return next;
}

/**
 * Save a new CRA (or coordination CRA): appears at once, waiting to be sent.
 * @param {string} owner @param {object} cra @param {string} [objet]
 * @param {{draft?: string}} [options] `meta` key of a draft to delete in the same transaction
 * @returns {Promise<LocalCra>}
 */
export function createCra(owner, cra, objet = 'cra', { draft = null } = {}) {
  return write(owner, { id: crypto.randomUUID(), objet, cra, head: null, version: null, deleted: false }, 'create', draft);
}

/**
 * Save changes to a CRA. A CRA the server refused at creation is created again; others are
 * updated on top of the copy the user edited.
 * @param {{draft?: string}} [options] as createCra's
 * @returns {Promise<LocalCra>}
 */
export function editCra(owner, local, cra, { draft = null } = {}) {
  const neverOnServer = local.state === 'rejected' && local.version == null;
  return write(owner, { ...local, cra, head: neverOnServer ? null : local.head }, neverOnServer ? 'create' : 'update', draft);
}

/** Delete a CRA (a tombstone until the server acknowledges it). */
export function deleteCra(owner, local) {
  return write(owner, { ...local, deleted: true }, 'delete');
}

/**
 * The user's CRAs (or coordination CRAs) on this device, deleted ones excluded.
 * @param {string} owner @param {string} [objet] @returns {Promise<LocalCra[]>}
 */
export async function listCras(owner, objet = 'cra') {
  const all = await (await database()).getAll('cras');
  // A CRA deleted here but in conflict stays listed: its card asks what to do.
  return all.filter((local) => local.owner === owner && (!local.deleted || local.state === 'conflict') && (local.objet || 'cra') === objet);
}

/** @returns {Promise<number>} operations of this user still waiting for the server */
export async function waitingCount(owner) {
  return (await rowsOf('outbox', owner)).length;
}

/** Keep the server's choice in a conflict: the local copy becomes the server's. */
export async function acceptServerCopy(local) {
  const server = local.server;
  const next = server.deleted
    ? { ...local, deleted: true, head: server.head, version: server.version, state: 'synced', server: null, message: null, mine: null }
    : { ...local, cra: contentOf(server), head: server.head, version: server.version, deleted: false, state: 'synced', server: null, message: null, mine: null };
  await (await database()).put('cras', next);
  return next;
}

const STAMPS = ['id', 'objet', 'head', 'version', 'deleted', 'received_at', 'updated_at'];

/** The form content of a server copy (stamps removed). */
export function contentOf(copy) {
  return Object.fromEntries(Object.entries(copy).filter(([key]) => !STAMPS.includes(key)));
}
