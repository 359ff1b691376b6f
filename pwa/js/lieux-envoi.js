/**
 * Sends the lieux changed on this phone, one change at a time and in order, before the CRAs (a
 * CRA may name a lieu added offline). A change leaves `lieux_outbox` only with the server's
 * answer: a lost answer is sent again, and the server knows a replayed creation by its UUID.
 */
import { ApiError, call } from './api.js';
import { database, getMeta, setMeta } from './db.js';
import { isLieu, pendingLieux } from './lieux.js';

const NEVER_MADE = 'Ce lieu d\'activité n\'a pas pu être enregistré sur le serveur : choisissez-en un autre.';

/** Server ids of the lieux this phone added, by the UUID it gave them. @param {string} owner */
export async function lieuIds(owner) {
  return (await getMeta(`lieux-ids:${owner}`)) || {};
}

const refusalsKey = (owner) => `lieux-refus:${owner}`;

/** The changes the server refused, kept to be corrected or given up. @param {string} owner */
export async function lieuRefusals(owner) {
  return (await getMeta(refusalsKey(owner))) || [];
}

/** A refused change corrected (sent again) or given up. @param {string} owner @param {string} opId */
export async function forgetLieuRefusal(owner, opId) {
  await setMeta(refusalsKey(owner), (await lieuRefusals(owner)).filter((r) => r.op_id !== opId));
}

/**
 * A CRA operation as it is sent: a lieu named by this phone's UUID gets its server id (the server
 * then checks it as any other); null when that lieu was never made (its creation refused).
 */
export function withServerLieu(op, ids) {
  const ref = op.cra && op.cra.lieu_activite_id;
  if (typeof ref !== 'string') return op;
  return ids[ref] == null ? null : { ...op, cra: { ...op.cra, lieu_activite_id: ids[ref] } };
}

/** What a CRA operation naming a lieu never made gets instead of the server's answer. */
export function neverMade(op) {
  return { op_id: op.op_id, status: 'rejected', message: 'Compte rendu non envoyé : son lieu d\'activité a été refusé par le serveur.', errors: { lieu_activite_id: [NEVER_MADE] } };
}

/** The change sent; the lieu answered (null for a deletion, or a change of a lieu never made). */
async function send(op, ids) {
  if (op.type === 'create') return call('/lieux', { method: 'POST', body: { ...op.lieu, client_id: op.ref } });
  const id = typeof op.ref === 'number' ? op.ref : ids[op.ref];
  if (id == null) return null;
  if (op.type === 'update') return call(`/lieux/${id}`, { method: 'PUT', body: op.lieu });
  try {
    await call(`/lieux/${id}`, { method: 'DELETE' });
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error; // 404: already gone
  }
  return null;
}

/** The change acknowledged (or refused) in one transaction: its row, the ids, the server's copy. */
async function settle(row, lieu, refusal) {
  const { owner, op } = row;
  const tx = (await database()).transaction(['lieux_outbox', 'meta'], 'readwrite');
  const meta = tx.objectStore('meta');
  await tx.objectStore('lieux_outbox').delete(row.seq);
  if (op.type === 'create' && lieu) {
    const ids = (await meta.get(`lieux-ids:${owner}`)) || {};
    await meta.put({ ...ids, [op.ref]: lieu.id }, `lieux-ids:${owner}`);
  }
  const items = (await meta.get(`lieux:${owner}`)) || [];
  let next = items.filter((item) => !(op.type === 'delete' ? isLieu(item, op.ref) : lieu && item.id === lieu.id));
  if (lieu) next = [...next.map((item) => ({ ...item, principal: lieu.principal ? false : item.principal })), lieu];
  await meta.put(next, `lieux:${owner}`);
  let refusals = (await meta.get(refusalsKey(owner))) || [];
  if (refusal) refusals = [...refusals, { ...op, ...refusal }];
  if (!lieu && !refusal && op.type !== 'create' && typeof op.ref === 'string') {
    // A change of a lieu whose creation was refused (or a deletion): kept with that refusal, or
    // it goes with it.
    refusals = op.type === 'delete' ? refusals.filter((r) => r.ref !== op.ref)
      : refusals.map((r) => (r.ref === op.ref ? { ...r, lieu: op.lieu, ville: op.ville } : r));
  }
  await meta.put(refusals, refusalsKey(owner));
  await tx.done;
}

/** A refusal is the server's word on this change; anything else (network, 5xx, 401) is retried. */
function refused(error) {
  return error instanceof ApiError && error.status >= 400 && error.status < 500 && ![401, 408, 429].includes(error.status);
}

/**
 * Send this user's waiting lieux changes; throws (the rest kept) at the first one that could
 * not reach the server. @param {string} owner @returns {Promise<number>} changes settled
 */
export async function pushLieux(owner) {
  let settled = 0;
  for (let row = (await pendingLieux(owner))[0]; row; row = (await pendingLieux(owner))[0]) {
    let lieu = null;
    let refusal = null;
    try {
      lieu = await send(row.op, await lieuIds(owner));
    } catch (error) {
      if (!refused(error)) throw error;
      refusal = { message: error.message, errors: error.errors };
    }
    await settle(row, lieu, refusal);
    settled += 1;
  }
  return settled;
}
