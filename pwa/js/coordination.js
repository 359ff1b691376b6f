/** The coordinators' CRA view: fill it (offline too, through the outbox), list, edit, delete. */
import { conflictChoices, conflictMarkup } from './conflict-markup.js';
import { CONFLICT_ACTIONS, resolveConflict } from './conflicts.js';
import { COORDINATION, createCra, deleteCra, editCra, listCras } from './cras.js';
import { storageMessage } from './db.js';
import { $, $$, esc, frDate, plural, textsOf, today } from './dom.js';
import { coordinationMarkup, itemMarkup } from './coordination-markup.js';
import { stateLabel } from './history-markup.js';

const SECTIONS = ['evenements', 'partenariats', 'accompagnements'];
let ctx = null;
let editing = null;

const view = () => $('[data-view="coordination"]');

function readItem(item) {
  const value = {};
  $$('[data-name]', item).forEach((field) => {
    if (field.type === 'checkbox') {
      value[field.dataset.name] = [...(value[field.dataset.name] || []), ...(field.checked ? [field.value] : [])];
    } else value[field.dataset.name] = field.value.trim() || null;
  });
  if (value.type !== 'mediateur' && 'nom_mediateur' in value) value.nom_mediateur = null;
  return value;
}

function read(form) {
  const payload = { date: form.elements.date.value, communication_heures: Number(form.elements.communication_heures.value || 0) };
  SECTIONS.forEach((key) => {
    const adding = form.elements[`${key}-choix`].value === 'ajout';
    payload[key] = adding ? $$(`[data-items="${key}"] > [data-item]`, form).map(readItem) : [];
  });
  return payload;
}

/** The checks the server makes, with its messages, for what a form can get wrong. */
function check(form, payload) {
  const errors = {};
  if (!payload.date) errors.date = ['Ce champ est obligatoire.'];
  else if (payload.date > today()) errors.date = ['La date ne peut pas être dans le futur.'];
  const hours = payload.communication_heures;
  if (!(hours >= 0 && hours <= ctx.ref.heures_max) || (hours * 2) % 1) errors.communication_heures = [`Indiquez un nombre d'heures par semaine entre 0 et ${ctx.ref.heures_max}, par demi-heure.`];
  SECTIONS.forEach((key) => {
    if (form.elements[`${key}-choix`].value === 'ajout' && !payload[key].length) errors[key] = ['Ajoutez au moins un élément, ou choisissez « rien à ajouter ».'];
    const items = {};
    payload[key].forEach((item, index) => {
      const missing = Object.entries(item).filter(([name, value]) => name !== 'nom_mediateur' && (value === null || (Array.isArray(value) && !value.length)));
      if (item.type === 'mediateur' && !item.nom_mediateur) missing.push(['nom_mediateur']);
      if (missing.length) items[index] = { _item: ['Complétez chaque champ (au moins une case par liste).'] };
    });
    if (Object.keys(items).length) errors[key] = { ...(errors[key] ? { _section: errors[key] } : {}), ...items };
  });
  return errors;
}

function showErrors(form, errors) {
  $$('[data-error-for]', form).forEach((slot) => { slot.hidden = true; slot.textContent = ''; });
  const put = (slot, messages) => { if (slot) { slot.textContent = messages.join(' '); slot.hidden = false; } };
  // Keys are paths ("evenements.1.nom", as the server sends them) or, from check(), a section
  // with its items nested by index: each message goes under its section or its item.
  const shown = new Map();
  const add = (slot, messages) => { if (slot) shown.set(slot, [...(shown.get(slot) || []), ...messages]); };
  Object.entries(errors).forEach(([path, value]) => {
    const [field, index] = path.split('.');
    const section = $(`[data-error-for="${field}"]`, form);
    const items = $$(`[data-items="${field}"] > [data-item]`, form);
    const itemSlot = (i) => (items[Number(i)] ? $('[data-error-for]', items[Number(i)]) : section);
    if (index !== undefined) return add(itemSlot(index), textsOf(value));
    if (Array.isArray(value) || !value || typeof value !== 'object') return add(section, textsOf(value));
    return Object.entries(value).forEach(([i, messages]) => add(i === '_section' ? section : itemSlot(i), textsOf(messages)));
  });
  shown.forEach((messages, slot) => put(slot, messages));
  const count = Object.keys(errors).length;
  if (count) put($('[data-error-for="_form"]', form), ['Erreur : veuillez corriger les champs signalés.']);
  return count === 0;
}

function setSection(form, key, items) {
  form.elements[`${key}-choix`].value = items.length ? 'ajout' : 'aucun';
  $(`[data-items="${key}"]`, form).innerHTML = items.map((item) => itemMarkup(key, ctx.ref, item)).join('');
  const adding = items.length > 0;
  $(`[data-items="${key}"]`, form).hidden = !adding;
  $(`[data-action="add-item"][data-section="${key}"]`, form).hidden = !adding;
}

function write(form, payload) {
  form.elements.date.value = payload.date;
  form.elements.communication_heures.value = String(payload.communication_heures ?? 0);
  SECTIONS.forEach((key) => setSection(form, key, payload[key] || []));
}

function card(local) {
  const c = local.cra;
  const conflict = local.state === 'conflict';
  const problem = conflict ? conflictMarkup(local, ctx.ref) : local.message ? `<p class="fr-error-text">${esc(local.message)}</p>` : '';
  const keep = conflict ? conflictChoices(local) : '';
  return `<li class="fr-card fr-card--sm"><div class="fr-card__body"><div class="fr-card__content">
    <h3 class="fr-card__title">CRA du ${frDate(c.date)}</h3><p class="fr-badge fr-badge--sm" data-state="${esc(local.state)}">${stateLabel(local)}</p>
    <p class="fr-card__desc">${plural(c.evenements.length, 'événement', 'événements')} · ${plural(c.partenariats.length, 'partenariat', 'partenariats')} · ${plural(c.accompagnements.length, 'accompagnement', 'accompagnements')} · ${String(c.communication_heures).replace('.', ',')} h de communication par semaine</p>${problem}
    <ul class="fr-btns-group fr-btns-group--inline-sm fr-btns-group--sm">${keep}
      <li><button class="fr-btn fr-btn--sm fr-btn--tertiary" type="button" data-action="edit" data-id="${esc(local.id)}">Modifier</button></li>
      <li><button class="fr-btn fr-btn--sm fr-btn--tertiary" type="button" data-action="delete" data-id="${esc(local.id)}">Supprimer</button></li></ul></div></div></li>`;
}

async function mine() {
  return (await listCras(ctx.owner, COORDINATION)).sort((a, b) => b.cra.date.localeCompare(a.cra.date));
}

/** Re-draw the list of the coordinator's reports from local data. */
export async function renderCoordinations() {
  const list = $('[data-field="coordinations"]', view());
  if (!list || !ctx) return;
  const all = await mine();
  list.innerHTML = all.map(card).join('') || '<li>Aucun CRA de coordination pour le moment.</li>';
}

function open(form, local) {
  editing = local;
  write(form, local ? local.cra : { date: today(), evenements: [], partenariats: [], accompagnements: [], communication_heures: 0 });
  $('[data-field="coordination-title"]', view()).textContent = local ? `Modifier le CRA du ${frDate(local.cra.date)}` : 'CRA de coordination';
  $('[data-action="new-coordination"]', form).hidden = !local;
  showErrors(form, (local && local.errors) || {});
}

let saving = false; // a second tap on "Valider" during a save must not make a second report

async function submit(event, form) {
  event.preventDefault();
  if (saving) return;
  saving = true;
  try {
    await save(form);
  } finally {
    saving = false;
  }
}

async function save(form) {
  const payload = read(form);
  if (!showErrors(form, check(form, payload))) return;
  try {
    if (editing) await editCra(ctx.owner, editing, payload);
    else await createCra(ctx.owner, payload, COORDINATION);
    open(form, null);
    await ctx.onSaved(null);
    $('[data-field="saved"]').textContent = 'Votre compte rendu de coordination a bien été enregistré.';
  } catch (error) {
    showErrors(form, { _form: [storageMessage(error)] });
  }
}

/**
 * Open a report in the form. Until it is read and written in, the form takes no input (it
 * would be overwritten by the filling), as the CRA form does.
 */
async function edit(form, id) {
  form.inert = true;
  form.setAttribute('aria-busy', 'true');
  let local;
  try {
    local = (await mine()).find((l) => l.id === id);
    if (local) open(form, local);
  } finally {
    form.inert = false;
    form.removeAttribute('aria-busy');
  }
  if (local) form.scrollIntoView();
}

function bind(root, form) {
  root.addEventListener('click', async (event) => {
    const target = event.target.closest('[data-action]');
    if (!target) return;
    const { action, id, section } = target.dataset;
    if (action === 'add-item') $(`[data-items="${section}"]`, form).insertAdjacentHTML('beforeend', itemMarkup(section, ctx.ref, {}));
    if (action === 'remove-item') target.closest('[data-item]').remove();
    if (action === 'new-coordination') open(form, null);
    if (action === 'edit') return edit(form, id);
    const local = id && (await mine()).find((l) => l.id === id);
    if (action === 'delete' && local && window.confirm('Êtes-vous sûr de vouloir supprimer ce compte rendu de coordination ?')) { await deleteCra(ctx.owner, local); await ctx.onSaved(null); }
    if (CONFLICT_ACTIONS.includes(action) && local) {
      if (await resolveConflict(ctx.owner, local, action)) await ctx.onSaved(null);
      await renderCoordinations();
    }
  });
  form.addEventListener('change', (event) => {
    const choice = event.target.name && event.target.name.endsWith('-choix') && event.target.name.slice(0, -6);
    if (choice) setSection(form, choice, event.target.value === 'ajout' ? [{}] : []);
    if (event.target.dataset.name === 'type' && event.target.closest('[data-item="accompagnements"]')) {
      $('[data-mediateur]', event.target.closest('[data-item]')).hidden = event.target.value !== 'mediateur';
    }
  });
  form.addEventListener('submit', (event) => submit(event, form));
}

/** Build (once) and show the view. @param {{owner: string, ref: object, user: object, onSaved: Function}} context */
export async function showCoordination(context) {
  ctx = { ...context, ref: context.ref.coordination };
  const root = view();
  if (!root.firstChild) {
    root.innerHTML = coordinationMarkup(ctx.ref, ctx.user);
    const form = $('[data-form="coordination"]', root);
    bind(root, form);
    open(form, null);
  }
  await renderCoordinations();
}
