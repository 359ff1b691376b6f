/** The CRA form's behaviour: defaults, live feedback, reading, validating, saving. */
import { bindCounters, readCounter, writeCounter } from './counters.js';
import { $, $$, esc, hoursMinutes, textsOf, today } from './dom.js';
import { organismeRow } from './form-markup.js';
import { breakdownTotals, validateCra } from './rules.js';

const GROUPS = { age: 'ages', statut: 'statuts', suivi: 'suivis' };

/** Read the form into the wire shape of a CRA (sync/PROTOCOL.md). */
export function readForm(form, ref) {
  const value = (name) => { const field = form.elements.namedItem(name); return field ? field.value : ''; };
  const checked = (name) => $$(`input[name="${name}"]:checked`, form).map((input) => input.value);
  const canal = checked('canal')[0] || null;
  const activite = checked('activite')[0] || null;
  const duree = checked('duree')[0] || null;
  const lieu = value('lieu_activite_id');
  const cra = {
    date: value('date') || null, canal, activite, duree,
    // A lieu added offline is named by its UUID until the server made it (see lieux.js).
    lieu_activite_id: ['rattachement', 'distance'].includes(canal) && lieu ? (/^\d+$/.test(lieu) ? Number(lieu) : lieu) : null,
    code_postal: value('code_postal') || null, code_commune: value('code_commune') || null,
    nom_commune: value('nom_commune') || null,
    nb_participants: activite === 'collectif' ? readCounter(form, 'nb_participants') : 1,
    nb_recurrents: readCounter(form, 'nb_recurrents'),
    themes: checked('themes'), sous_themes: {},
    annotation: value('annotation').trim() || null,
    duree_minutes: duree === '60+' ? readCounter(form, 'duree_minutes') : null,
    organismes: [],
  };
  Object.entries(GROUPS).forEach(([group, key]) => {
    cra[group] = Object.fromEntries(Object.keys(ref[key]).map((k) => [k, readCounter(form, `${group}.${k}`)]));
  });
  checked('sous_theme').forEach((pair) => {
    const [theme, precision] = pair.split('|');
    if (cra.themes.includes(theme)) (cra.sous_themes[theme] ||= []).push(precision);
  });
  if (cra.suivi.redirection > 0) {
    cra.organismes = $$('[data-organisme]', form).map((row) => ({
      nom: $('input[name="organisme.nom"]', row).value.trim(),
      nombre: Math.trunc(Number($('input[type="number"]', row).value || 0)),
    }));
  }
  return cra;
}

/** Fill the form from a CRA (edit, duplicate, draft). */
export function writeForm(form, cra, ref) {
  form.reset();
  const set = (name, v) => { const field = form.elements.namedItem(name); if (field) field.value = v ?? ''; };
  ['date', 'lieu_activite_id', 'code_postal', 'code_commune', 'nom_commune', 'annotation'].forEach((name) => set(name, cra[name]));
  set('commune', cra.nom_commune ? `${cra.code_postal} ${cra.nom_commune}` : '');
  ['canal', 'activite', 'duree'].forEach((name) => {
    $$(`input[name="${name}"]`, form).forEach((input) => { input.checked = input.value === cra[name]; });
  });
  writeCounter(form, 'nb_participants', cra.nb_participants || 1);
  writeCounter(form, 'nb_recurrents', cra.nb_recurrents || 0);
  writeCounter(form, 'duree_minutes', cra.duree_minutes || 60);
  Object.entries(GROUPS).forEach(([group, key]) => {
    Object.keys(ref[key]).forEach((k) => writeCounter(form, `${group}.${k}`, (cra[group] || {})[k] || 0));
  });
  $$('input[name="themes"]', form).forEach((input) => { input.checked = (cra.themes || []).includes(input.value); });
  $$('input[name="sous_theme"]', form).forEach((input) => {
    const [theme, precision] = input.value.split('|');
    input.checked = ((cra.sous_themes || {})[theme] || []).includes(precision);
  });
  const list = $('[data-list="organismes"]', form);
  list.innerHTML = '';
  (cra.organismes || []).forEach((organisme) => addOrganisme(form, organisme.nom, organisme.nombre));
  refresh(form, ref);
}

/** Add an organisme row to the follow-up section. */
export function addOrganisme(form, nom = '', nombre = 1) {
  const list = $('[data-list="organismes"]', form);
  const index = list.children.length + Date.now() % 100000;
  list.insertAdjacentHTML('beforeend', organismeRow(index, nom));
  writeCounter(form, `organisme.nombre.${index}`, nombre);
}

/** Show what applies to the current choices and the live totals of the breakdowns. */
export function refresh(form, ref) {
  const cra = readForm(form, ref);
  const show = (name, visible) => $$(`[data-show="${name}"]`, form).forEach((el) => { el.hidden = !visible; });
  show('lieu', ['rattachement', 'distance'].includes(cra.canal));
  show('commune', cra.canal && cra.canal !== 'rattachement');
  show('participants', cra.activite === 'collectif');
  show('minutes', cra.duree === '60+');
  show('organismes', cra.suivi.redirection > 0);
  $$('[data-precisions]', form).forEach((el) => { el.hidden = !cra.themes.includes(el.dataset.precisions); });
  $('[data-field="minutes-hhmm"]', form).textContent = hoursMinutes(readCounter(form, 'duree_minutes'));
  const totals = breakdownTotals(cra);
  ['age', 'statut'].forEach((group) => {
    const ok = totals[group] === cra.nb_participants;
    const el = $(`[data-total="${group}"]`, form);
    el.textContent = `Total : ${totals[group]} sur ${cra.nb_participants} participant${cra.nb_participants > 1 ? 's' : ''}${ok ? ' ✓' : ''}`;
    el.classList.toggle('app-total--ok', ok);
  });
  return cra;
}

/** Set a slot's text, showing it when not empty; untouched when unchanged (no style work). */
function setSlot(slot, text) {
  if (slot.textContent !== text) slot.textContent = text;
  if (slot.hidden !== !text) slot.hidden = !text;
}

/**
 * The messages about a field: under its own key and under its items' paths, as the server
 * keys them ("organismes.0.nom", sync/PROTOCOL.md); only text, whatever the shape.
 * @param {object} errors @param {string} field @returns {string[]}
 */
export function messagesFor(errors, field) {
  return Object.entries(errors || {})
    .filter(([key]) => key === field || key.startsWith(`${field}.`))
    .flatMap(([, value]) => textsOf(value));
}

/**
 * Each error key: the words naming its field in the summary and the controls it is about
 * (the first one shown gets the focus).
 */
const FIELDS = {
  date: ["Date de l'accompagnement", '#cra-date'],
  canal: ["Lieu de l'accompagnement", 'input[name="canal"]'],
  lieu_activite_id: ["Lieu d'activité", '#cra-lieu'],
  code_commune: ['Commune', '#cra-commune'],
  code_postal: ['Commune', '#cra-commune'],
  activite: ["Type d'activité", 'input[name="activite"]'],
  nb_participants: ['Nombre de participants', '[name="nb_participants"]'],
  nb_recurrents: ['Récurrence des personnes', '[name="nb_recurrents"]'],
  age: ["Tranches d'âge", '[data-field-group="age"] input'],
  statut: ['Statut des usagers', '[data-field-group="statut"] input'],
  themes: ['Thématiques', 'input[name="themes"]'],
  sous_themes: ['Précisions des thématiques', 'input[name="sous_theme"]'],
  annotation: ['Précision de la thématique', '#cra-annotation'],
  duree: ["Durée de l'accompagnement", 'input[name="duree"]'],
  duree_minutes: ['Durée exacte', '[name="duree_minutes"]'],
  suivi: ["Poursuite de l'accompagnement", '[data-field-group="suivi"] input'],
  organismes: ['Organismes', '[data-organisme] input, [data-action="add-organisme"]'],
};

const shown = (el) => !el.closest('[hidden]');

/** Tie a control to its error messages (slot ids; none: untie): aria-invalid, aria-describedby, DSFR state. */
function markControl(control, slotIds) {
  const ids = (control.getAttribute('aria-describedby') || '').split(' ').filter((id) => id && !id.startsWith('erreur-'));
  ids.push(...slotIds);
  if (ids.length) control.setAttribute('aria-describedby', ids.join(' '));
  else control.removeAttribute('aria-describedby');
  const invalid = slotIds.length > 0;
  if (invalid) control.setAttribute('aria-invalid', 'true');
  else control.removeAttribute('aria-invalid');
  if (control.classList.contains('fr-input')) control.classList.toggle('fr-input--error', invalid);
  if (control.classList.contains('fr-select')) control.classList.toggle('fr-select--error', invalid);
}

/** The block to scroll to for a control: its fieldset, group or counter, with its label. */
function blockOf(control) {
  return control.closest('[data-field-group]') || control.closest('.fr-input-group, .fr-select-group, .app-counter, .fr-fieldset') || control;
}

/** Give the focus to a control and show it with its label (its block's top in view). */
export function goTo(control) {
  const target = control.type === 'radio' ? ($(`input[name="${control.name}"]:checked`, control.form) || control) : control;
  target.focus({ preventScroll: true });
  // Its block's top (legend or label) 16 px under the screen's top; computed, as Chromium's
  // scrollIntoView on a fieldset or legend stops a legend's height too low.
  window.scrollTo(0, Math.max(0, blockOf(target).getBoundingClientRect().top + window.scrollY - 16));
}

function summaryMarkup(lines) {
  const title = lines.length > 1 ? `Le formulaire contient ${lines.length} erreurs` : 'Le formulaire contient 1 erreur';
  return `<h2 class="fr-alert__title">${title}</h2><ul class="app-error-summary">${lines.map(({ id, label, text }) => `<li><a href="#${id}" data-goto="${id}">${esc(label)} : ${esc(text)}</a></li>`).join('')}</ul>`;
}

/**
 * Show field errors under their fields, each tied to its controls (aria-invalid,
 * aria-describedby), and the summary at the top of the form whose lines lead to the fields.
 * Returns the first control in error shown (for the focus), null when none, true when no error.
 */
export function showErrors(form, errors) {
  const lines = [];
  const invalid = new Map(); // control -> [slot ids]
  $$('[data-error-for]', form).forEach((slot) => {
    const field = slot.dataset.errorFor;
    const messages = messagesFor(errors, field);
    setSlot(slot, messages.join(' '));
    if (field === '_form') return;
    slot.id ||= `erreur-${field}`;
    const [label, selector] = FIELDS[field] || [field, null];
    const controls = selector ? $$(selector, form) : [];
    controls.forEach((control) => {
      if (!invalid.has(control)) invalid.set(control, []);
      if (messages.length) invalid.get(control).push(slot.id);
    });
    const target = controls.find(shown);
    if (messages.length) lines.push({ id: target ? target.id : slot.id, label, text: messages.join(' '), target: target || null });
  });
  invalid.forEach((slotIds, control) => markControl(control, slotIds));
  $$('[data-field-group]', form).forEach((group) => group.classList.toggle('fr-fieldset--error',
    $$('[aria-invalid="true"]', group).length > 0 && group.matches('fieldset')));
  const summary = $('[data-field="error-summary"]', form);
  const others = messagesFor(errors, '_form');
  const count = Object.keys(errors).length;
  if (summary) {
    summary.innerHTML = lines.length ? summaryMarkup(lines) : '';
    summary.hidden = !lines.length;
  }
  // Errors of no field of the form (a server's key this version does not know) are said here.
  const unplaced = lines.length || others.length ? [] : textsOf(errors);
  setSlot($('[data-error-for="_form"]', form), others.join(' ') || unplaced.join(' ') || (lines.length
    ? `${lines.length > 1 ? `${lines.length} erreurs à corriger` : '1 erreur à corriger'} : voir le récapitulatif en haut du formulaire.` : ''));
  if (!count) return true;
  const first = lines.find((line) => line.target);
  return first ? first.target : null;
}

/** The summary's links give the focus to their field (not a jump that changes the address). */
export function bindSummary(form) {
  form.addEventListener('click', (event) => {
    const link = event.target.closest('[data-goto]');
    if (!link) return;
    event.preventDefault();
    const control = document.getElementById(link.dataset.goto);
    if (control) goTo(control);
  });
}

/** Validate like the server; `context` carries lieux and the commune index. */
export function check(form, ref, context) {
  const cra = readForm(form, ref);
  return { cra, errors: validateCra(cra, { today: today(), sousThemes: ref.sous_themes, ...context }) };
}

/** Changing the activity type resets the breakdowns (as in the original form). */
export function bindForm(form, ref, onChange) {
  bindCounters(form, () => { refresh(form, ref); onChange(); });
  form.addEventListener('change', (event) => {
    if (event.target.name === 'activite') {
      ['age', 'statut', 'suivi'].forEach((group) => Object.keys(ref[GROUPS[group]]).forEach((k) => writeCounter(form, `${group}.${k}`, 0)));
      writeCounter(form, 'nb_participants', event.target.value === 'collectif' ? 5 : 1);
      writeCounter(form, 'nb_recurrents', 0);
    }
    refresh(form, ref);
    onChange();
  });
  form.addEventListener('input', () => { refresh(form, ref); onChange(); });
  form.addEventListener('click', (event) => {
    const action = event.target.closest('[data-action]');
    if (!action) return;
    if (action.dataset.action === 'add-organisme') addOrganisme(form);
    if (action.dataset.action === 'remove-organisme') action.closest('[data-organisme]').remove();
    refresh(form, ref);
    onChange();
  });
}
