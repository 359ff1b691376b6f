/** Markup of « Mes lieux d'activité »: the view, a lieu's card, a refused change. */
import { esc, textsOf } from './dom.js';

/** A refusal's French words, by change. */
const REFUSED = { create: 'n\'a pas pu être ajouté', update: 'n\'a pas pu être modifié', delete: 'n\'a pas pu être supprimé' };

export const OFFLINE = 'Hors ligne : vos lieux sont affichés tels qu\'enregistrés sur ce téléphone. Vos ajouts, modifications et suppressions y sont gardés et seront envoyés au retour du réseau.';

/** A lieu's card; a change not yet sent says so. */
export function cardMarkup(lieu) {
  const id = esc(lieu.id);
  const name = `<span class="fr-sr-only"> : ${esc(lieu.nom)}</span>`;
  return `<li class="app-cra" data-lieu="${id}">
    <h2 class="app-cra__title">${esc(lieu.nom)}</h2>
    <p class="app-cra__line">${esc(lieu.adresse || '')}${lieu.adresse ? ' · ' : ''}${esc(lieu.code_postal)} ${esc(lieu.ville || '')}</p>
    ${lieu.pending ? '<p class="fr-badge fr-badge--sm fr-badge--new" data-field="lieu-en-attente">En attente d\'envoi</p>' : ''}
    <div class="app-cra__actions">
      <button class="fr-btn fr-btn--sm fr-btn--secondary" type="button" data-lieu-action="edit" data-id="${id}">Modifier${name}</button>
      ${lieu.principal ? '' : `<button class="fr-btn fr-btn--sm fr-btn--tertiary-no-outline" type="button" data-lieu-action="principal" data-id="${id}">Définir comme principal${name}</button>`}
      ${lieu.principal ? '<p class="fr-badge fr-badge--sm fr-badge--info app-cra__state">Principal</p>' : `<button class="fr-btn fr-btn--sm fr-btn--tertiary-no-outline app-menu__danger app-cra__state" type="button" data-lieu-action="delete" data-id="${id}">Supprimer${name}</button>`}
    </div></li>`;
}

/** The server's reasons for refusing a change, in one French sentence. */
export function refusalText(refusal) {
  const nom = (refusal.lieu && refusal.lieu.nom) || '';
  return `Le lieu « ${nom} » ${REFUSED[refusal.type]} : ${[refusal.message, ...textsOf(refusal.errors || {})].join(' ')}`;
}

/** A change the server refused, with what the user can do about it. */
export function refusalMarkup(refusal) {
  const id = esc(refusal.op_id);
  const name = `<span class="fr-sr-only"> : ${esc((refusal.lieu && refusal.lieu.nom) || '')}</span>`;
  return `<div class="fr-alert fr-alert--error fr-alert--sm fr-mb-2w" data-refus="${id}">
    <p>${esc(refusalText(refusal))}</p>
    <ul class="fr-btns-group fr-btns-group--inline-sm fr-btns-group--sm fr-mt-1w">
      ${refusal.type === 'delete' ? '' : `<li><button class="fr-btn fr-btn--sm" type="button" data-lieu-action="corriger" data-id="${id}">Corriger${name}</button></li>`}
      <li><button class="fr-btn fr-btn--sm fr-btn--secondary" type="button" data-lieu-action="abandonner" data-id="${id}">Abandonner${name}</button></li>
    </ul></div>`;
}

/** The view: list, refused changes, the form to add or edit a lieu. */
export const VIEW = `<h1 class="fr-mb-2w">Mes lieux d'activité</h1>
  <p class="fr-alert fr-alert--info fr-alert--sm fr-mb-2w" data-field="lieux-hors-ligne" hidden>${OFFLINE}</p>
  <p class="fr-badge fr-badge--new fr-mb-2w" data-field="lieux-attente" hidden></p>
  <div data-list="lieux-refus"></div>
  <p data-field="lieux-etat" role="status" aria-live="polite"></p>
  <ul class="app-cras" data-list="lieux"></ul>
  <button class="fr-btn fr-btn--sm fr-btn--icon-left fr-icon-add-line" type="button" data-action="lieu-ajouter">Ajouter un lieu</button>
  <form data-form="lieu" class="fr-mt-3w" novalidate hidden>
    <h2 class="fr-h5" data-field="lieu-form-titre"></h2>
    <div class="fr-input-group"><label class="fr-label" for="l-nom">Nom du lieu</label><input class="fr-input" id="l-nom" name="nom" required maxlength="200"></div>
    <div class="fr-input-group"><label class="fr-label" for="l-adresse">Adresse<span class="fr-hint-text">Optionnel</span></label><input class="fr-input" id="l-adresse" name="adresse" maxlength="250"></div>
    <div class="fr-input-group"><label class="fr-label" for="l-cp">Code postal</label><input class="fr-input" id="l-cp" name="code_postal" inputmode="numeric" maxlength="5" required></div>
    <div class="fr-select-group"><label class="fr-label" for="l-commune">Commune</label><select class="fr-select" id="l-commune" name="code_commune" required></select></div>
    <div class="fr-checkbox-group fr-mb-2w"><input type="checkbox" id="l-principal" name="principal"><label class="fr-label" for="l-principal">Lieu principal</label></div>
    <p class="fr-error-text" data-field="lieu-form-erreur" role="alert" hidden></p>
    <ul class="fr-btns-group fr-btns-group--inline-sm">
      <li><button class="fr-btn" type="submit">Enregistrer le lieu</button></li>
      <li><button class="fr-btn fr-btn--secondary" type="button" data-action="lieu-annuler">Annuler</button></li>
    </ul>
  </form>`;
