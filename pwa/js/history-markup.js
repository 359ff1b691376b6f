/** The history's markup: its filters and one card per CRA. */
import { conflictChoices, conflictMarkup } from './conflict-markup.js';
import { esc, frDate, plural, textsOf } from './dom.js';

const STATES = {
  pending: ['En attente d\'envoi', 'fr-badge--info'], synced: ['Envoyé', 'fr-badge--success'],
  rejected: ['Refusé', 'fr-badge--error'], conflict: ['Conflit', 'fr-badge--warning'],
};

/** A local CRA's state as the user reads it: « En attente d'envoi »… */
export function stateLabel(local) {
  return (STATES[local.state] || STATES.pending)[0];
}

/** The filters' form; `ref` is /referentiel.json. */
export function filtersMarkup(ref) {
  const options = (choices) => Object.entries(choices).map(([k, v]) => `<option value="${esc(k)}">${esc(typeof v === 'string' ? v : v.label)}</option>`).join('');
  return `<form data-form="filtres" class="app-filters">
    <div class="fr-select-group"><label class="fr-label" for="f-theme">Thème</label><select class="fr-select" id="f-theme" name="theme"><option value="">Tous</option>${options(ref.themes)}</select></div>
    <div class="fr-select-group"><label class="fr-label" for="f-canal">Canal</label><select class="fr-select" id="f-canal" name="canal"><option value="">Tous</option>${options(ref.canaux)}</select></div>
    <div class="fr-select-group"><label class="fr-label" for="f-type">Type</label><select class="fr-select" id="f-type" name="activite"><option value="">Tous</option>${options(ref.activites)}</select></div>
    <div class="fr-input-group"><label class="fr-label" for="f-du">Du</label><input class="fr-input" type="date" id="f-du" name="du"></div>
    <div class="fr-input-group"><label class="fr-label" for="f-au">Au</label><input class="fr-input" type="date" id="f-au" name="au"></div>
    <div class="fr-input-group"><label class="fr-label" for="f-lieu">Code postal ou commune</label><input class="fr-input" id="f-lieu" name="lieu"></div>
  </form>`;
}

/**
 * One CRA's card; the same CRA in the same state gives the same string (cards are redrawn only
 * when it changes). @param {import('./cras.js').LocalCra} local @param {object} ref
 */
export function cardMarkup(local, ref) {
  const { cra } = local;
  const [label, badge] = STATES[local.state] || STATES.pending;
  const themes = cra.themes.map((t) => (ref.themes[t] || { label: t }).label).join(', ');
  const conflict = local.state === 'conflict';
  const problem = conflict ? conflictMarkup(local, ref) : local.state === 'rejected'
    ? `<p class="fr-error-text">${esc(local.message || '')} ${esc(textsOf(local.errors).join(' '))}</p>` : '';
  const choice = conflict ? conflictChoices(local) : '';
  return `<li class="fr-card fr-card--sm app-cra" data-cra="${esc(local.id)}"><div class="fr-card__body"><div class="fr-card__content">
    <h2 class="fr-card__title">${frDate(cra.date)} – ${esc(ref.activites[cra.activite] || cra.activite)}</h2>
    <p class="fr-badge fr-badge--sm ${badge}" data-state="${esc(local.state)}">${label}</p>
    <p class="fr-card__desc">${esc(ref.canaux[cra.canal] || '')} · ${esc(cra.code_postal || '')} ${esc(cra.nom_commune || '')} · ${plural(cra.nb_participants, 'usager', 'usagers')}<br>
      ${esc(themes)}${cra.annotation ? ` · ${esc(cra.annotation)}` : ''}<br>Modifié le ${frDate(local.changedAt)}</p>${problem}
    <ul class="fr-btns-group fr-btns-group--inline-sm fr-btns-group--sm">${choice}
      <li><button class="fr-btn fr-btn--sm fr-btn--tertiary" type="button" data-action="edit" data-id="${esc(local.id)}">${local.state === 'rejected' ? 'Corriger' : 'Modifier'}</button></li>
      <li><button class="fr-btn fr-btn--sm fr-btn--tertiary" type="button" data-action="duplicate" data-id="${esc(local.id)}">Dupliquer</button></li>
      <li><button class="fr-btn fr-btn--sm fr-btn--tertiary" type="button" data-action="delete" data-id="${esc(local.id)}">Supprimer</button></li>
    </ul></div></div></li>`;
}
