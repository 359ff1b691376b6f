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

/** The filters' form, behind one « Filtrer » button; `ref` is /referentiel.json. */
export function filtersMarkup(ref) {
  const options = (choices) => Object.entries(choices).map(([k, v]) => `<option value="${esc(k)}">${esc(typeof v === 'string' ? v : v.label)}</option>`).join('');
  return `<div class="app-filter-bar">
    <button class="fr-btn fr-btn--sm fr-btn--secondary fr-btn--icon-left fr-icon-filter-line" type="button" data-action="filters" aria-expanded="false" aria-controls="filtres">Filtrer<span data-field="active-filters"></span></button>
    <p class="fr-text--sm fr-mb-0" data-field="total"></p></div>
  <form data-form="filtres" id="filtres" class="app-filters" hidden>
    <div class="fr-select-group"><label class="fr-label" for="f-theme">Thème</label><select class="fr-select" id="f-theme" name="theme"><option value="">Tous</option>${options(ref.themes)}</select></div>
    <div class="fr-select-group"><label class="fr-label" for="f-canal">Canal</label><select class="fr-select" id="f-canal" name="canal"><option value="">Tous</option>${options(ref.canaux)}</select></div>
    <div class="fr-select-group"><label class="fr-label" for="f-type">Type</label><select class="fr-select" id="f-type" name="activite"><option value="">Tous</option>${options(ref.activites)}</select></div>
    <div class="fr-input-group"><label class="fr-label" for="f-du">Du</label><input class="fr-input" type="date" id="f-du" name="du"></div>
    <div class="fr-input-group"><label class="fr-label" for="f-au">Au</label><input class="fr-input" type="date" id="f-au" name="au"></div>
    <div class="fr-input-group"><label class="fr-label" for="f-lieu">Code postal ou commune</label><input class="fr-input" id="f-lieu" name="lieu"></div>
    <p><button class="fr-btn fr-btn--sm fr-btn--tertiary" type="reset">Effacer les filtres</button></p>
  </form>`;
}

/**
 * One CRA's card: its title (date, type) first, the essentials on two lines, then « Modifier »,
 * the other actions in a menu and the state's badge. The same CRA in the same state gives the same
 * string (cards are redrawn only when it changes).
 * @param {import('./cras.js').LocalCra} local @param {object} ref
 */
export function cardMarkup(local, ref) {
  const { cra } = local;
  const id = esc(local.id);
  const [label, badge] = STATES[local.state] || STATES.pending;
  const themes = cra.themes.map((t) => (ref.themes[t] || { label: t }).label).join(', ');
  const conflict = local.state === 'conflict';
  const problem = conflict ? conflictMarkup(local, ref) : local.state === 'rejected'
    ? `<p class="fr-error-text">${esc(local.message || '')} ${esc(textsOf(local.errors).join(' '))}</p>` : '';
  const choice = conflict ? `<ul class="fr-btns-group fr-btns-group--inline-sm fr-btns-group--sm">${conflictChoices(local)}</ul>` : '';
  const title = `${frDate(cra.date)} – ${esc(ref.activites[cra.activite] || cra.activite)}`;
  const place = [ref.canaux[cra.canal] || '', `${cra.code_postal || ''} ${cra.nom_commune || ''}`.trim()].filter(Boolean).map(esc).join(' · ');
  return `<li class="app-cra" data-cra="${id}">
    <h2 class="app-cra__title">${title}</h2>
    <p class="app-cra__line">${place} · ${plural(cra.nb_participants, 'usager', 'usagers')}</p>
    <p class="app-cra__line">${esc(themes)}${cra.annotation ? ` · ${esc(cra.annotation)}` : ''}</p>${problem}${choice}
    <div class="app-cra__actions">
      <button class="fr-btn fr-btn--sm fr-btn--secondary" type="button" data-action="edit" data-id="${id}">${local.state === 'rejected' ? 'Corriger' : 'Modifier'}</button>
      <details class="app-menu"><summary class="fr-btn fr-btn--sm fr-btn--tertiary-no-outline">Autres actions<span class="fr-sr-only"> : ${title}</span></summary>
        <ul class="app-menu__list">
          <li><button class="fr-btn fr-btn--sm fr-btn--tertiary-no-outline" type="button" data-action="duplicate" data-id="${id}">Dupliquer</button></li>
          <li><button class="fr-btn fr-btn--sm fr-btn--tertiary-no-outline" type="button" data-action="operations" data-id="${id}" aria-expanded="false" aria-controls="operations-${id}">Historique des modifications</button></li>
          <li><button class="fr-btn fr-btn--sm fr-btn--tertiary-no-outline app-menu__danger" type="button" data-action="delete" data-id="${id}">Supprimer</button></li>
        </ul></details>
      <p class="fr-badge fr-badge--sm ${badge} app-cra__state" data-state="${esc(local.state)}">${label}</p>
    </div>
    <section class="app-cra__operations" id="operations-${id}" data-operations="${id}" hidden>
      <h3 class="app-cra__operations-title">Historique des modifications</h3><div data-field="operations" aria-live="polite"></div></section></li>`;
}
