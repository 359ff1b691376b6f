/**
 * Sends the lieux changed on this phone, then the outbox in batches, and pulls the server's
 * changes (sync/PROTOCOL.md). An operation leaves the outbox only once a 200 answer carries its
 * result.
 */
import { ApiError, call } from './api.js';
import { deviceReport } from './appareil.js';
import { contentOf } from './cras.js';
import { database, getMeta, rowsOf, setMeta } from './db.js';
import { refreshLieux } from './lieux.js';
import { lieuIds, neverMade, pushLieux, withServerLieu } from './lieux-envoi.js';

const BATCH = 50;
const MAX_DELAY = 5 * 60 * 1000;
let delay = 1000;
let timer = null;

/**
 * Fired: 'change' (outbox or CRAs changed), 'lieux' (the lieux sent or refreshed), 'expired' (log
 * in again), 'sending' (a push is in flight), 'result' (detail: counts, or {erreur: true,
 * retryIn: ms before the next attempt}, or {maintenance: the server's message, retryIn} while
 * the server refuses writes).
 */
export const syncEvents = new EventTarget();

// Other tabs of the app hear about outbox changes too (their counters stay right).
const tabs = typeof BroadcastChannel === 'function' ? new BroadcastChannel('coop-cra') : null;
if (tabs) tabs.onmessage = () => syncEvents.dispatchEvent(new CustomEvent('change'));

function emit(type, detail) {
  syncEvents.dispatchEvent(new CustomEvent(type, { detail }));
  if (type === 'change' && tabs) tabs.postMessage('change');
}

/** Tell this tab and the others that local CRAs or the outbox changed. */
export function announceChange() {
  emit('change');
}

async function applyResults(rows, results) {
  const db = await database();
  const tx = db.transaction(['outbox', 'cras'], 'readwrite');
  const outbox = tx.objectStore('outbox');
  const cras = tx.objectStore('cras');
  // `objets`: the kinds of report ('cra', 'cra_coordination') refused or in conflict, so the user is
  // told where to correct or decide (the history, or the coordination view).
  const counts = { envoyes: 0, refuses: 0, conflits: 0, objets: [] };
  const problem = (local) => { if (!counts.objets.includes(local.objet || 'cra')) counts.objets.push(local.objet || 'cra'); };
  for (const [index, row] of rows.entries()) {
    const result = results[index];
    const local = await cras.get(row.op.cra_id);
    await outbox.delete(row.seq);
    if (!local) continue;
    if (result.status === 'applied' || result.status === 'duplicate') {
      counts.envoyes += 1;
      if (local.head === row.op.op_id && result.cra) {
        const copy = result.cra;
        await cras.put({ ...local, cra: contentOf(copy), head: copy.head, version: copy.version, deleted: copy.deleted, state: 'synced' });
      }
    } else if (result.status === 'conflict') {
      counts.conflits += 1;
      problem(local);
      // `mine`: what this phone did (an edit or a deletion), for the conflict card's choices.
      await cras.put({ ...local, state: 'conflict', mine: row.op.type === 'delete' ? 'delete' : 'edit', server: result.cra || null, message: result.message });
    } else {
      counts.refuses += 1;
      problem(local);
      // A corrected CRA builds on what the server holds, not on the refused operation.
      const head = local.head === row.op.op_id ? (row.op.base || null) : local.head;
      await cras.put({ ...local, head, deleted: false, state: 'rejected', errors: result.errors || {}, message: result.message });
    }
  }
  await tx.done;
  return counts;
}

async function pushOnce(owner) {
  const outbox = await rowsOf('outbox', owner);
  const rows = outbox.slice(0, BATCH);
  if (!rows.length) return null;
  emit('sending');
  // A lieu added offline is named by its UUID until the server made it: its id is sent.
  const ids = await lieuIds(owner);
  const sent = rows.map((row) => withServerLieu(row.op, ids));
  const operations = sent.filter(Boolean);
  const answer = operations.length ? await call('/sync/push', {
    method: 'POST', body: { operations, ...(await deviceReport(outbox.length - rows.length)) },
  }) : { results: [] };
  // Only a well-formed answer acknowledges: a portal's page or a partial body does not.
  if (!answer || !Array.isArray(answer.results) || answer.results.length !== operations.length
      || answer.results.some((result, i) => result.op_id !== operations[i].op_id)) {
    throw new Error('Réponse inattendue du serveur');
  }
  const results = [...answer.results];
  return applyResults(rows, sent.map((op, i) => (op ? results.shift() : neverMade(rows[i].op))));
}

/** Pull the changes since the stored cursor; local unsent work is never overwritten. */
export async function pull(owner) {
  let cursor = await getMeta(`cursor:${owner}`);
  for (let page = 0; page < 1000; page += 1) {
    const query = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
    const { changes, cursor: next, more } = await call(`/sync/pull${query}`);
    const db = await database();
    const tx = db.transaction('cras', 'readwrite');
    for (const copy of changes) {
      const local = await tx.store.get(copy.id);
      if (local && local.state !== 'synced') continue;
      await tx.store.put({ id: copy.id, owner, objet: copy.objet || 'cra', cra: contentOf(copy), head: copy.head, version: copy.version, deleted: copy.deleted, state: 'synced', changedAt: copy.updated_at });
    }
    await tx.done;
    cursor = next;
    await setMeta(`cursor:${owner}`, cursor);
    if (!more) break;
  }
  emit('change');
}

async function pushAll(owner) {
  const total = { envoyes: 0, refuses: 0, conflits: 0, objets: [] };
  for (;;) {
    const counts = await pushOnce(owner);
    if (!counts) break;
    ['envoyes', 'refuses', 'conflits'].forEach((key) => { total[key] += counts[key]; });
    total.objets = [...new Set([...total.objets, ...counts.objets])];
    emit('change');
  }
  return total;
}

function withLock(work) {
  // Two tabs never send at once (the server would cope, but the user would see noise).
  return navigator.locks ? navigator.locks.request('coop-cra-envoi', work) : work();
}

/**
 * Send everything waiting now; on failure retry later with exponential backoff.
 * @param {string} owner @returns {Promise<object|null>} counts, or null when it failed
 */
export async function syncNow(owner) {
  clearTimeout(timer);
  try {
    const total = await withLock(async () => {
      // The lieux first: a CRA saved offline may name a lieu added offline.
      try {
        if (await pushLieux(owner)) emit('lieux');
      } finally {
        // What the form needs offline, kept fresh at each sync, whatever becomes of the push.
        refreshLieux(owner).then(() => emit('lieux'), () => {});
      }
      return pushAll(owner);
    });
    delay = 1000;
    emit('change');
    emit('result', total);
    // Then what other devices changed (another phone, a correction on the desktop): at each
    // sync, not only at login. Its failure is the next sync's to mend (the cursor stays).
    withLock(() => pull(owner)).catch(() => {});
    return total;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      emit('expired');
      return null;
    }
    if (error instanceof ApiError && error.status === 503 && error.retryAfter) {
      // Maintenance: the outbox stays, and is sent again when the server said to try.
      const retryIn = Math.min(error.retryAfter * 1000, MAX_DELAY);
      timer = setTimeout(() => syncNow(owner), retryIn);
      emit('result', { maintenance: error.message, retryIn });
      return null;
    }
    const retryIn = delay;
    timer = setTimeout(() => syncNow(owner), retryIn);
    delay = Math.min(delay * 2, MAX_DELAY);
    emit('result', { erreur: true, retryIn });
    return null;
  }
}
