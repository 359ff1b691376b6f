/**
 * « Mes appareils » (in the Rappels view): the devices the server knows for this user, with
 * their last sync, waiting operations, version (by its date) and last error; each may be forgotten.
 */
import { ApiError, call } from './api.js';
import { deviceId } from './appareil.js';
import { esc, parisDateTime, plural } from './dom.js';

let region = null;

function say(text) { region.querySelector('[data-field="appareils-etat"]').textContent = text; }

/**
 * A device's version as people read it: the one the server serves by the date of its sources,
 * any other as older, by the start of its digest (the digest is what identifies a version).
 */
function versionText(version, servie) {
  if (!version) return '';
  if (version !== servie.version) return ` · ancienne version (${esc(version.slice(0, 7))})`;
  return servie.date ? ` · version du ${parisDateTime(servie.date).join(' ')}` : ' · version à jour';
}

function itemMarkup(appareil, mine, servie) {
  const [day, time] = appareil.derniere_synchro ? parisDateTime(appareil.derniere_synchro) : [];
  const synced = day ? `Dernier envoi réussi : ${day} ${time}` : 'Aucun envoi réussi';
  const name = `${esc(appareil.libelle || 'Appareil sans nom')}${mine ? ' (cet appareil)' : ''}`;
  // Every button reads « Oublier cet appareil »: its accessible name goes on with the device
  // it forgets (the visible text first, RGAA 11.9), two phones of one kind by their last send.
  const which = `${name}, ${day ? `dernier envoi réussi le ${day} à ${time}` : 'aucun envoi réussi'}`;
  const waiting = appareil.en_attente == null ? '' : ` · ${plural(appareil.en_attente, 'opération', 'opérations')} en attente`;
  const error = appareil.en_erreur && appareil.derniere_erreur
    ? `<p class="fr-error-text fr-mt-0">Dernière erreur (${parisDateTime(appareil.derniere_erreur_at).join(' ')}) : ${esc(appareil.derniere_erreur)}</p>` : '';
  return `<li class="fr-mb-2w" data-appareil="${esc(appareil.id)}">
    <p class="fr-text--bold fr-mb-0">${name}</p>
    <p class="fr-text--sm fr-mb-1v">${synced}${waiting}${versionText(appareil.version, servie)}</p>${error}
    <button class="fr-btn fr-btn--sm fr-btn--tertiary" type="button" data-action="oublier-appareil">Oublier cet appareil<span class="fr-sr-only"> : ${which}</span></button></li>`;
}

async function render() {
  const [{ items, version_servie: servie }, mine] = await Promise.all([call('/appareils'), deviceId()]);
  region.querySelector('[data-list="appareils"]').innerHTML = items.map((item) => itemMarkup(item, item.id === mine, servie)).join('');
  return items.length;
}

async function onForget(event) {
  const button = event.target.closest('[data-action="oublier-appareil"]');
  if (!button) return;
  const item = button.closest('[data-appareil]');
  button.disabled = true;
  try {
    await call(`/appareils/${encodeURIComponent(item.dataset.appareil)}`, { method: 'DELETE' });
    const mine = item.dataset.appareil === await deviceId();
    await render();
    say(mine ? 'Appareil oublié : il réapparaîtra à son prochain envoi.' : 'Appareil oublié.');
  } catch (error) {
    button.disabled = false;
    say(error instanceof ApiError ? error.message : 'Connexion impossible : vérifiez votre réseau puis réessayez.');
  }
}

/** The section's markup, placed once in its view. */
export const APPAREILS_MARKUP = `<section class="fr-mt-6w" data-region="appareils">
  <h2>Mes appareils</h2>
  <p>Les téléphones et ordinateurs d'où vous avez envoyé des comptes rendus, tels que le serveur les connaît (heure de Paris).</p>
  <p data-field="appareils-etat" role="status" aria-live="polite"></p>
  <ul class="fr-raw-list" data-list="appareils"></ul>
</section>`;

/**
 * Fill « Mes appareils » from the server (online only). @param {HTMLElement} target
 */
export async function showAppareils(target) {
  if (region !== target) {
    region = target;
    region.addEventListener('click', onForget);
  }
  say('');
  try {
    if (!await render()) say('Aucun appareil pour le moment : il apparaîtra après votre premier envoi.');
  } catch {
    say('La liste de vos appareils demande une connexion : réessayez au retour du réseau.');
  }
}
