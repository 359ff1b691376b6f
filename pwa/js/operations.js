/**
 * « Historique des modifications » of a CRA: what the server did with each operation this user
 * sent for it (GET /api/cras/<id>/historique), read when its section is opened.
 */
import { ApiError, call } from './api.js';
import { esc, parisDateTime, textsOf } from './dom.js';

const FIELDS = {
  date: 'Date', canal: 'Lieu', lieu_activite_id: 'Lieu d\'activité', code_postal: 'Commune', code_commune: 'Commune',
  nom_commune: 'Commune', activite: 'Type d\'activité', nb_participants: 'Nombre de participants',
  nb_recurrents: 'Participants récurrents', age: 'Tranches d\'âge', statut: 'Statuts', themes: 'Thèmes',
  sous_themes: 'Sous-thèmes', annotation: 'Annotation', duree: 'Durée', duree_minutes: 'Durée', suivi: 'Suivi',
  organismes: 'Organismes',
};
const APPLIED = { create: 'Créé', update: 'Modifié', delete: 'Supprimé' };
const REFUSED = { rejected: 'Refusé', conflict: 'Conflit' };

function entryMarkup(entry) {
  let what = APPLIED[entry.type] || entry.type;
  if (entry.statut !== 'applied') {
    what = `${REFUSED[entry.statut] || entry.statut} : ${[entry.message, ...textsOf(entry.errors)].filter(Boolean).join(' ')}`;
  } else if (entry.champs && entry.champs.length) {
    what += ` : ${[...new Set(entry.champs.map((name) => FIELDS[name] || name))].join(', ')}`;
  }
  const device = entry.appareil ? ` · depuis ${esc(entry.appareil)}` : '';
  return `<li><span class="app-operations__date">${parisDateTime(entry.date).join(' ')}</span> ${esc(what)}${device}</li>`;
}

/**
 * Fill a CRA's « Historique des modifications » section from the server.
 * @param {HTMLElement} target @param {string} craId
 */
export async function showOperations(target, craId) {
  target.textContent = 'Chargement…';
  try {
    const { items } = await call(`/cras/${encodeURIComponent(craId)}/historique`);
    target.innerHTML = `<ol class="app-operations">${items.map(entryMarkup).join('')}</ol>`;
  } catch (error) {
    target.textContent = error instanceof ApiError && error.status === 404
      ? 'Le serveur n\'a encore reçu aucune opération pour ce compte rendu.'
      : 'Historique indisponible pour le moment : vérifiez votre réseau puis rouvrez cette section.';
  }
}
