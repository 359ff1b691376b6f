/**
 * The conseiller's lieux d'activité on this phone: the server's copy (`meta` lieux:<owner>) with
 * the changes still waiting in `lieux_outbox` applied on top, so a change made offline shows at
 * once and a refresh from the server never hides it.
 */
import { call } from './api.js';
import { database, getMeta, rowsOf, setMeta } from './db.js';

/**
 * Fetch the lieux and store them for offline use: at login and at each sync, so that the form
 * works offline even when it was never opened online.
 * @param {string} owner @returns {Promise<Array>}
 */
export async function refreshLieux(owner) {
  const { items } = await call('/lieux');
  await setMeta(`lieux:${owner}`, items);
  return items;
}

/**
 * Is `lieu` the one named `ref`: its server id, or the UUID this phone gave it at its creation
 * (a lieu added offline has no server id yet; a CRA saved then names it so).
 */
export function isLieu(lieu, ref) {
  return ref != null && (String(lieu.id) === String(ref) || (lieu.client_id != null && lieu.client_id === ref));
}

/** The rows of `lieux_outbox` of this user, in order: {seq, owner, op: {op_id, type, ref, lieu?, ville?}}. */
export async function pendingLieux(owner) {
  return rowsOf('lieux_outbox', owner);
}

function byPrincipalThenName(a, b) {
  return Number(b.principal) - Number(a.principal) || a.nom.localeCompare(b.nom, 'fr');
}

/** The server's lieux with the waiting changes applied (the server's rules: one principal). */
export function withPending(items, rows) {
  let list = items.map((lieu) => ({ ...lieu }));
  rows.forEach(({ op }) => {
    const index = list.findIndex((lieu) => isLieu(lieu, op.ref));
    if (op.type === 'delete') {
      if (index < 0) return;
      const [gone] = list.splice(index, 1);
      if (gone.principal && list.length) [...list].sort(byPrincipalThenName)[0].principal = true;
      return;
    }
    if (op.type === 'create' && index >= 0) return; // already made (the answer came first)
    const base = index >= 0 ? list[index] : { id: op.ref, client_id: op.ref };
    const lieu = { ...base, ...op.lieu, ville: op.ville || base.ville, pending: true };
    list = index >= 0 ? list.map((other, i) => (i === index ? lieu : other)) : [...list, lieu];
    if (lieu.principal) list.forEach((other) => { if (other !== lieu) other.principal = false; });
    else if (!list.some((other) => other.principal)) lieu.principal = true;
  });
  return list.sort(byPrincipalThenName);
}

/** The lieux as this phone knows them now, waiting changes included. @param {string} owner */
export async function localLieux(owner) {
  const [items, rows] = await Promise.all([getMeta(`lieux:${owner}`), pendingLieux(owner)]);
  return withPending(items || [], rows);
}

/**
 * Queue a change of a lieu ({type: 'create'|'update'|'delete', ref, lieu?, ville?}); it is sent
 * at the next sync, before the CRAs. @returns {Promise<string>} the change's op_id
 */
export async function queueLieu(owner, change) {
  const op = { op_id: crypto.randomUUID(), ...change };
  await (await database()).add('lieux_outbox', { owner, op });
  return op.op_id;
}

/**
 * The stored lieux (stored at login and refreshed at each sync: at each save, when the app comes
 * back to the screen or the network comes back), so the form is ready at once, online or not;
 * fetched first only when none are stored. Sorted by use in the local CRAs.
 * @param {string} owner @param {Array} localCras
 */
export async function lieux(owner, localCras) {
  if (!(await getMeta(`lieux:${owner}`))) {
    try {
      await refreshLieux(owner);
    } catch { /* offline and none stored */ }
  }
  const items = await localLieux(owner);
  const uses = {};
  localCras.forEach((local) => {
    const lieu = items.find((l) => isLieu(l, local.cra.lieu_activite_id));
    if (lieu) uses[lieu.id] = (uses[lieu.id] || 0) + 1;
  });
  return [...items].sort((a, b) => (uses[b.id] || 0) - (uses[a.id] || 0) || Number(b.principal) - Number(a.principal));
}
