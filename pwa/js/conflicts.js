/**
 * What each choice of a conflict card does (conflict-markup.js draws the card), the same for a
 * CRA and a coordination CRA (sync/PROTOCOL.md, « What the app does with a conflict »).
 */
import { acceptServerCopy, createCra, deleteCra, editCra } from './cras.js';

/** The actions a conflict card's buttons carry. */
export const CONFLICT_ACTIONS = ['keep-server', 'keep-mine', 'delete-anyway', 'restore-mine'];

/**
 * Carry out the user's choice on a CRA in conflict.
 * @param {string} owner @param {import('./cras.js').LocalCra} local @param {string} action
 * @returns {Promise<boolean>} true when an operation was queued (it is to be sent)
 */
export async function resolveConflict(owner, local, action) {
  const head = local.server ? local.server.head : local.head;
  if (action === 'keep-server') {
    await acceptServerCopy(local);
    return false;
  }
  if (action === 'keep-mine') {
    // A new update on the server's head: the server's version is seen, then replaced.
    await editCra(owner, { ...local, deleted: false, head }, local.cra);
    return true;
  }
  if (action === 'delete-anyway') {
    await deleteCra(owner, { ...local, head });
    return true;
  }
  if (action === 'restore-mine') {
    // The server keeps a deleted record deleted: the user's version comes back as a new one.
    await acceptServerCopy(local);
    await createCra(owner, local.cra, local.objet || 'cra');
    return true;
  }
  return false;
}
