/** Markup of the coordinators' CRA (coordinateur.md): identity, then repeatable sections. */
import { esc } from './dom.js';

let next = 0;
const uid = (prefix) => `${prefix}-${(next += 1)}`;
/** The parts of an identity line that are known, joined by « · » (never « identifiant – »). */
const identity = (parts) => parts.filter(Boolean).map(esc).join(' · ');
const errorSlot = (field) => `<p class="fr-error-text" data-error-for="${esc(field)}" hidden></p>`;

function select(name, label, choices, value) {
  const id = uid('sel');
  return `<div class="fr-select-group"><label class="fr-label" for="${id}">${esc(label)}</label>
    <select class="fr-select" id="${id}" data-name="${name}"><option value="">Choisissez</option>${Object.entries(choices).map(([k, v]) => `<option value="${esc(k)}"${k === value ? ' selected' : ''}>${esc(v)}</option>`).join('')}</select></div>`;
}

function text(name, label, value, type = 'text') {
  const id = uid('txt');
  return `<div class="fr-input-group"><label class="fr-label" for="${id}">${esc(label)}</label>
    <input class="fr-input" id="${id}" type="${type}" data-name="${name}" value="${esc(value || '')}"></div>`;
}

function checks(name, legend, choices, values = []) {
  const boxes = Object.entries(choices).map(([k, v]) => {
    const id = uid('chk');
    return `<div class="fr-fieldset__element fr-fieldset__element--inline"><div class="fr-checkbox-group">
      <input type="checkbox" id="${id}" data-name="${name}" value="${esc(k)}"${values.includes(k) ? ' checked' : ''}><label class="fr-label" for="${id}">${esc(v)}</label></div></div>`;
  }).join('');
  return `<fieldset class="fr-fieldset"><legend class="fr-fieldset__legend fr-text--regular">${esc(legend)}</legend>${boxes}</fieldset>`;
}

const ITEMS = {
  evenements: (ref, e = {}) => text('nom', "Nom de l'événement", e.nom)
    + checks('organisateurs', 'Structures organisatrices', ref.organisateurs, e.organisateurs)
    + select('type', "Type d'événement", ref.types_evenement, e.type)
    + text('date', "Date de l'événement", e.date, 'date'),
  partenariats: (ref, p = {}) => text('nom', 'Nom du partenaire', p.nom)
    + select('type_structure', 'Type de structure partenaire', ref.types_structure, p.type_structure)
    + checks('natures', 'Nature du partenariat', ref.natures_partenariat, p.natures),
  accompagnements: (ref, a = {}) => select('type', "Type d'accompagnement", ref.types_accompagnement, a.type)
    + `<div data-mediateur${a.type === 'mediateur' ? '' : ' hidden'}>${text('nom_mediateur', 'Nom du médiateur ou de la médiatrice', a.nom_mediateur)}</div>`
    + select('type_structure', 'Type de structure', ref.types_structure, a.type_structure)
    + text('nom_structure', 'Nom de la structure', a.nom_structure)
    + checks('problematiques', 'Problématiques abordées', ref.problematiques, a.problematiques)
    + checks('actions', 'Actions engagées', ref.actions, a.actions),
};
const SINGULAR = { evenements: 'un événement', partenariats: 'un partenariat', accompagnements: 'un accompagnement' };

/** One item of a section, with its remove button and error slot. */
export function itemMarkup(section, ref, value) {
  return `<div class="app-organisme" data-item="${section}">${ITEMS[section](ref, value)}${errorSlot(`${section}.item`)}
    <button type="button" class="fr-btn fr-btn--sm fr-btn--tertiary" data-action="remove-item">Retirer</button></div>`;
}

function section(key, title, nothing, some) {
  return `<fieldset class="fr-fieldset" data-section="${key}"><legend class="fr-fieldset__legend"><h2 class="fr-h5">${esc(title)}</h2></legend>
    <div class="fr-fieldset__element"><div class="fr-radio-group"><input type="radio" id="${key}-aucun" name="${key}-choix" value="aucun" checked><label class="fr-label" for="${key}-aucun">${esc(nothing)}</label></div></div>
    <div class="fr-fieldset__element"><div class="fr-radio-group"><input type="radio" id="${key}-ajout" name="${key}-choix" value="ajout"><label class="fr-label" for="${key}-ajout">${esc(some)}</label></div></div>
    <div data-items="${key}" hidden></div>
    <button type="button" class="fr-btn fr-btn--sm fr-btn--secondary" data-action="add-item" data-section="${key}" hidden>Ajouter ${SINGULAR[key]}</button>
    ${errorSlot(key)}</fieldset>`;
}

/** The whole form; identity is shown for checking, not edited here. */
export function coordinationMarkup(ref, user) {
  return `<h1 data-field="coordination-title">CRA de coordination</h1>
    <div class="fr-callout fr-mb-3w"><p class="fr-callout__text fr-text--sm">${identity([`${user.prenom || ''} ${user.nom || ''}`.trim(), user.conseiller_id != null && `identifiant ${user.conseiller_id}`, user.email])}<br>
      ${identity([user.structure || 'Structure non renseignée', user.structure_id != null && `identifiant ${user.structure_id}`])}</p>
      <p class="fr-text--xs fr-mb-0">Une erreur dans ces informations ? Contactez le support : elles viennent de votre compte.</p></div>
    <form data-form="coordination" novalidate>
      <div class="fr-input-group"><label class="fr-label" for="coord-date">Date du compte rendu</label><input class="fr-input" type="date" id="coord-date" name="date" required>${errorSlot('date')}</div>
      ${section('evenements', 'Événements', "Je n'ai pas d'événement à ajouter", 'Je souhaite ajouter au moins un événement')}
      ${section('partenariats', 'Partenariats', "Je n'ai pas de nouveau partenariat à ajouter", 'Je souhaite ajouter au moins un nouveau partenariat')}
      ${section('accompagnements', "Accompagnement d'une structure ou d'un(e) médiateur(rice)", "Je n'ai pas de nouvel accompagnement à ajouter", 'Je souhaite ajouter au moins un nouvel accompagnement')}
      <h2 class="fr-h5">Temps dédié à la communication</h2>
      <div class="fr-input-group"><label class="fr-label" for="coord-heures">Heures par semaine, en moyenne<span class="fr-hint-text">Webinaires, veille, réseaux sociaux, lettres d'information… (par demi-heure)</span></label>
        <input class="fr-input" type="number" id="coord-heures" name="communication_heures" min="0" max="${ref.heures_max}" step="0.5" value="0" inputmode="decimal">${errorSlot('communication_heures')}</div>
      <p class="fr-error-text" data-error-for="_form" tabindex="-1" hidden></p>
      <ul class="fr-btns-group fr-btns-group--inline-sm"><li><button class="fr-btn" type="submit">Valider</button></li>
        <li><button class="fr-btn fr-btn--secondary" type="button" data-action="new-coordination" hidden>Nouveau compte rendu</button></li></ul>
    </form>
    <h2 class="fr-h4 fr-mt-5w">Mes CRA de coordination</h2><ul class="app-cras" data-field="coordinations"></ul>`;
}
