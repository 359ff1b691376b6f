/** The CRA form's markup, in the order and with the labels of the original (cra.md). */
import { counter } from './counters.js';
import { esc } from './dom.js';

const errorSlot = (field) => `<p class="fr-error-text" data-error-for="${field}" hidden></p>`;

function radios(name, choices, legend, descriptions = {}) {
  const items = Object.entries(choices).map(([value, label], i) => `
    <div class="fr-fieldset__element"><div class="fr-radio-group">
      <input type="radio" id="${name}-${i}" name="${name}" value="${esc(value)}">
      <label class="fr-label" for="${name}-${i}">${esc(label)}${descriptions[value] ? `<span class="fr-hint-text">${esc(descriptions[value])}</span>` : ''}</label>
    </div></div>`).join('');
  return `<fieldset class="fr-fieldset" data-field-group="${name}"><legend class="fr-fieldset__legend">${legend}</legend>${items}${errorSlot(name)}</fieldset>`;
}

function themes(ref) {
  return Object.entries(ref.themes).map(([key, theme], i) => {
    const precisions = Object.entries(ref.sous_themes[key] || {}).map(([value, label], j) => `
      <div class="fr-checkbox-group fr-checkbox-group--sm"><input type="checkbox" id="st-${i}-${j}" name="sous_theme" value="${esc(key)}|${esc(value)}">
      <label class="fr-label" for="st-${i}-${j}">${esc(label)}</label></div>`).join('');
    return `<div class="fr-fieldset__element"><div class="fr-checkbox-group">
      <input type="checkbox" id="theme-${i}" name="themes" value="${esc(key)}"><label class="fr-label" for="theme-${i}">${esc(theme.label)}</label></div>
      ${precisions ? `<div class="app-precisions" data-precisions="${esc(key)}" hidden><p class="fr-hint-text">Optionnellement, précisez :</p>${precisions}</div>` : ''}</div>`;
  }).join('');
}

function breakdown(name, legend, labels) {
  return `<fieldset class="fr-fieldset" data-field-group="${name}"><legend class="fr-fieldset__legend">${legend}
      <span class="fr-hint-text" data-total="${name}" aria-live="polite"></span></legend>
    <div class="app-grid">${Object.entries(labels).map(([key, label]) => counter(`${name}.${key}`, label)).join('')}</div>${errorSlot(name)}</fieldset>`;
}

/** The whole form; `ref` is /referentiel.json. */
export function formMarkup(ref) {
  return `
  <h1 data-field="form-title">Nouveau compte rendu d'activité</h1>
  <p class="fr-alert fr-alert--info fr-alert--sm" data-field="form-notice" hidden></p>
  <form data-form="cra" novalidate>
    <div class="fr-alert fr-alert--error fr-alert--sm fr-mb-3w" data-field="error-summary" tabindex="-1" hidden></div>
    <fieldset class="fr-fieldset"><legend class="fr-fieldset__legend">Où et quand l'accompagnement a-t-il eu lieu ?</legend>
      <div class="fr-fieldset__element"><div class="fr-input-group">
        <label class="fr-label" for="cra-date">Date de l'accompagnement<span class="fr-hint-text">Vous avez la possibilité d'enregistrer un accompagnement en différé.</span></label>
        <input class="fr-input" type="date" id="cra-date" name="date" min="2020-01-01" required>${errorSlot('date')}</div></div>
    </fieldset>
    ${radios('canal', ref.canaux, 'Lieu de l\'accompagnement')}
    <div class="fr-select-group" data-show="lieu">
      <label class="fr-label" for="cra-lieu">Lieu d'activité</label>
      <select class="fr-select" id="cra-lieu" name="lieu_activite_id"></select>${errorSlot('lieu_activite_id')}
    </div>
    <div class="fr-input-group app-commune" data-show="commune">
      <label class="fr-label" for="cra-commune">Commune<span class="fr-hint-text">Tapez au moins 3 caractères puis choisissez dans la liste.</span></label>
      <input class="fr-input" id="cra-commune" name="commune" type="search" autocomplete="off" placeholder="Entrez le code postal ou la commune..."
        role="combobox" aria-expanded="false" aria-controls="cra-communes" aria-autocomplete="list">
      <ul class="app-suggestions" id="cra-communes" role="listbox" aria-label="Communes proposées" hidden></ul>
      <p class="fr-sr-only" data-field="commune-status" role="status" aria-live="polite"></p>
      <input type="hidden" name="code_commune"><input type="hidden" name="code_postal"><input type="hidden" name="nom_commune">
      ${errorSlot('code_commune')}${errorSlot('code_postal')}
    </div>
    ${radios('activite', ref.activites, 'Quel type d\'activité venez-vous de réaliser ?', ref.activites_aide)}
    <div data-show="participants">${counter('nb_participants', 'Nombre de participants', { min: 1, max: 100 })}${errorSlot('nb_participants')}</div>
    <div>${counter('nb_recurrents', 'Optionnel : récurrence des personnes', { hint: 'Personnes déjà accompagnées auparavant.' })}${errorSlot('nb_recurrents')}</div>
    ${breakdown('age', "Tranche d'âge des usagers", ref.ages)}
    ${breakdown('statut', 'Statut des usagers', ref.statuts)}
    <fieldset class="fr-fieldset" data-field-group="themes"><legend class="fr-fieldset__legend">Thématique(s) de l'accompagnement</legend>
      ${themes(ref)}${errorSlot('themes')}${errorSlot('sous_themes')}
    </fieldset>
    <div class="fr-input-group"><label class="fr-label" for="cra-annotation">Préciser la thématique cochée<span class="fr-hint-text">Optionnel, de 3 à 35 caractères.</span></label>
      <input class="fr-input" id="cra-annotation" name="annotation" maxlength="35">${errorSlot('annotation')}</div>
    ${radios('duree', ref.durees, 'Combien de temps a duré l\'accompagnement ?')}
    <div data-show="minutes">${counter('duree_minutes', 'Durée exacte (par pas de 15 minutes)', { min: 60, max: 480, step: 15 })}
      <p class="fr-hint-text" data-field="minutes-hhmm" aria-live="polite"></p>${errorSlot('duree_minutes')}</div>
    <fieldset class="fr-fieldset" data-field-group="suivi"><legend class="fr-fieldset__legend">L'accompagnement va-t-il être poursuivi ? (Optionnel)</legend>
      <div class="app-grid">${Object.entries(ref.suivis).map(([key, label]) => counter(`suivi.${key}`, label)).join('')}</div>${errorSlot('suivi')}
    </fieldset>
    <fieldset class="fr-fieldset" data-show="organismes"><legend class="fr-fieldset__legend">Vers quel(s) organisme(s) ?</legend>
      <datalist id="organismes">${ref.organismes.map((o) => `<option value="${esc(o)}"></option>`).join('')}</datalist>
      <div data-list="organismes"></div>
      <button class="fr-btn fr-btn--sm fr-btn--tertiary" type="button" data-action="add-organisme">Ajouter un organisme</button>${errorSlot('organismes')}
    </fieldset>
    <p class="fr-error-text" data-error-for="_form" role="alert" hidden></p>
    <ul class="fr-btns-group fr-btns-group--inline-sm">
      <li><button class="fr-btn" type="submit">Valider</button></li>
      <li><button class="fr-btn fr-btn--secondary" type="button" data-action="cancel-edit" hidden>Annuler la modification</button></li>
    </ul>
  </form>`;
}

/** One organisme row: a name (known list or free text) and a count. */
export function organismeRow(index, nom = '') {
  return `<div class="app-organisme" data-organisme>
    <div class="fr-input-group"><label class="fr-label" for="org-${index}">Organisme<span class="fr-hint-text">Choisissez dans la liste ou saisissez un autre nom.</span></label>
      <input class="fr-input" id="org-${index}" name="organisme.nom" list="organismes" maxlength="100" value="${esc(nom)}"></div>
    ${counter(`organisme.nombre.${index}`, 'Nombre de personnes', { min: 1 })}
    <button class="fr-btn fr-btn--sm fr-btn--tertiary-no-outline" type="button" data-action="remove-organisme">Retirer</button>
  </div>`;
}
