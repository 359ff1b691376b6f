/** The CRA form's behaviour: defaults, live feedback, reading, validating, saving. */
import { bindCounters, readCounter, writeCounter } from './counters.js';
import { $, $$, hoursMinutes, textsOf, today } from './dom.js';
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
    lieu_activite_id: ['rattachement', 'distance'].includes(canal) && lieu ? Number(lieu) : null,
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

/** Show field errors under their fields; returns true when there were none. */
export function showErrors(form, errors) {
  $$('[data-error-for]', form).forEach((slot) => setSlot(slot, messagesFor(errors, slot.dataset.errorFor).join(' ')));
  const count = Object.keys(errors).length;
  setSlot($('[data-error-for="_form"]', form), count ? 'Erreur : veuillez remplir tous les champs obligatoires du formulaire.' : '');
  return !count;
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
