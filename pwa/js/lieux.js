/** The conseiller's lieux d'activité, kept for offline use, most used first. */
import { call } from './api.js';
import { getMeta, setMeta } from './db.js';

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
 * The stored lieux (stored at login, refreshed at each sync and here in the background), so the
 * form is ready at once, online or not; fetched first only when none are stored. Sorted by use
 * in the local CRAs. @param {string} owner @param {Array} localCras
 */
export async function lieux(owner, localCras) {
  let items = await getMeta(`lieux:${owner}`);
  if (items) {
    refreshLieux(owner).catch(() => {}); // for the next form
  } else {
    try {
      items = await refreshLieux(owner);
    } catch { /* offline and none stored */ }
  }
  items ||= [];
  const uses = {};
  localCras.forEach((local) => {
    const id = local.cra.lieu_activite_id;
    if (id != null) uses[id] = (uses[id] || 0) + 1;
  });
  return [...items].sort((a, b) => (uses[b.id] || 0) - (uses[a.id] || 0) || Number(b.principal) - Number(a.principal));
}
