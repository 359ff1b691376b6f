/**
 * « Mes lieux d'activité »: list, add, edit, remove, set the principal one, online or not. A
 * change is shown at once, kept on the phone and sent at the next sync (lieux-envoi.js); a
 * change the server refused is shown here with its reasons, to correct or give up.
 */
import { ApiError } from './api.js';
import { loadCommunes } from './communes-index.js';
import { $, esc, plural } from './dom.js';
import { cardMarkup, refusalMarkup, refusalText, VIEW } from './lieux-markup.js';
import { forgetLieuRefusal, lieuRefusals } from './lieux-envoi.js';
import { localLieux, pendingLieux, queueLieu, refreshLieux } from './lieux.js';
import { syncEvents, syncNow } from './sync.js';

const FIELDS = ['nom', 'adresse', 'code_postal', 'code_commune', 'telephone', 'email', 'site_web', 'siret', 'type_acces', 'horaires', 'itinerant', 'principal'];
let owner = null;
let items = [];
let refusals = [];
let root = null;
/** What the form changes: {type: 'create'|'update', ref, base (the lieu as it is), refusal?}. */
let editing = null;

function say(text, error = false) {
  const status = $('[data-field="lieux-etat"]', root);
  status.textContent = text;
  status.classList.toggle('fr-error-text', error);
}

async function draw() {
  let waiting;
  [items, refusals, waiting] = await Promise.all([localLieux(owner), lieuRefusals(owner), pendingLieux(owner)]);
  const line = $('[data-field="lieux-attente"]', root);
  line.textContent = `${plural(waiting.length, 'changement', 'changements')} de vos lieux en attente d'envoi`;
  line.hidden = !waiting.length;
  $('[data-list="lieux"]', root).innerHTML = items.map(cardMarkup).join('') || '<li>Aucun lieu d\'activité pour le moment.</li>';
  $('[data-list="lieux-refus"]', root).innerHTML = refusals.map(refusalMarkup).join('');
}

/** The stored lieux at once, then the server's; offline, a line says changes wait here. */
async function load() {
  await draw();
  refreshLieux(owner).then(() => {
    $('[data-field="lieux-hors-ligne"]', root).hidden = true;
    return draw();
  }, (error) => {
    // Not the network: the sync says it (an expired session asks to log in again).
    if (!(error instanceof ApiError)) $('[data-field="lieux-hors-ligne"]', root).hidden = false;
  });
}

/** The body of a change: the lieu as it is (its other fields kept) with the changes. */
function bodyOf(lieu, changes) {
  const body = Object.fromEntries(FIELDS.filter((k) => lieu && lieu[k] != null).map((k) => [k, lieu[k]]));
  return { ...body, ...changes };
}

/**
 * Keep a change on the phone, show it, and send it now if the network allows: `done` is said
 * once the server took it, a refusal with its reasons, and offline that it waits.
 */
async function change(op, done) {
  let opId;
  try {
    opId = await queueLieu(owner, op);
  } catch (error) {
    say(`Enregistrement du lieu impossible sur ce téléphone : ${error.name === 'QuotaExceededError' ? 'son espace de stockage est plein' : error.message}.`, true);
    return;
  }
  await draw();
  say('Envoi en cours…');
  await syncNow(owner);
  await draw();
  const refusal = refusals.find((r) => r.op_id === opId);
  if (refusal) say(refusalText(refusal), true);
  else if ((await pendingLieux(owner)).some((row) => row.op.op_id === opId)) say(`${done} Enregistré sur ce téléphone : envoi au retour du réseau.`);
  else say(done);
}

/** Fill the commune list from the postal code typed (the communes index, offline too). */
async function communesFor(form, chosen = '') {
  const select = form.elements.code_commune;
  const cp = form.elements.code_postal.value.trim();
  const found = /^\d{5}$/.test(cp) ? (await loadCommunes()).communes.filter((c) => c.codesPostaux.includes(cp)) : [];
  select.innerHTML = found.length ? found.map((c) => `<option value="${esc(c.code)}">${esc(c.nom)}</option>`).join('')
    : '<option value="">Saisissez d\'abord un code postal à 5 chiffres</option>';
  if (chosen && found.some((c) => c.code === chosen)) select.value = chosen;
}

function openForm(next) {
  editing = next;
  const lieu = next.base;
  const form = $('[data-form="lieu"]', root);
  form.hidden = false;
  $('[data-field="lieu-form-erreur"]', root).hidden = true;
  $('[data-field="lieu-form-titre"]', root).textContent = next.type === 'update' ? `Modifier « ${lieu.nom} »` : 'Ajouter un lieu d\'activité';
  form.elements.nom.value = lieu ? lieu.nom : '';
  form.elements.adresse.value = lieu ? lieu.adresse || '' : '';
  form.elements.code_postal.value = lieu ? lieu.code_postal : '';
  form.elements.principal.checked = lieu ? lieu.principal : items.length === 0;
  communesFor(form, lieu ? lieu.code_commune : '');
  form.elements.nom.focus();
}

/** What the server would refuse at once, said before anything is kept. */
function formError(changes) {
  if (changes.nom.length < 2) return 'Le nom de l\'enseigne doit faire entre 2 et 200 caractères.';
  if (!/^\d{5}$/.test(changes.code_postal)) return 'Code postal invalide (5 chiffres).';
  if (!changes.code_commune) return 'Choisissez la commune du lieu.';
  return null;
}

async function onSubmit(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const select = form.elements.code_commune;
  const changes = {
    nom: form.elements.nom.value.trim(), adresse: form.elements.adresse.value.trim(),
    code_postal: form.elements.code_postal.value.trim(), code_commune: select.value,
    principal: form.elements.principal.checked,
  };
  const error = formError(changes);
  $('[data-field="lieu-form-erreur"]', root).textContent = error || '';
  $('[data-field="lieu-form-erreur"]', root).hidden = !error;
  if (error) return;
  const { type, ref, base, refusal } = editing;
  const ville = select.selectedOptions[0] ? select.selectedOptions[0].textContent : '';
  if (refusal) await forgetLieuRefusal(owner, refusal);
  form.hidden = true;
  await change({ type, ref: ref ?? crypto.randomUUID(), lieu: bodyOf(base, changes), ville },
    `Lieu « ${changes.nom} » ${type === 'update' ? 'modifié' : 'ajouté'}.`);
}

async function onAction(event) {
  const button = event.target.closest('[data-lieu-action]');
  if (!button) return;
  const action = button.dataset.lieuAction;
  const refusal = refusals.find((r) => r.op_id === button.dataset.id);
  if (refusal && action === 'corriger') openForm({ type: refusal.type, ref: refusal.ref, base: { ...refusal.lieu, ville: refusal.ville }, refusal: refusal.op_id });
  if (refusal && action === 'abandonner') { await forgetLieuRefusal(owner, refusal.op_id); await draw(); say(''); }
  const lieu = items.find((l) => String(l.id) === button.dataset.id);
  if (!lieu) return;
  if (action === 'edit') openForm({ type: 'update', ref: lieu.id, base: lieu });
  if (action === 'principal') await change({ type: 'update', ref: lieu.id, lieu: bodyOf(lieu, { principal: true }), ville: lieu.ville }, `« ${lieu.nom} » est maintenant votre lieu principal.`);
  if (action === 'delete' && window.confirm(`Supprimer le lieu « ${lieu.nom} » ? Les comptes rendus déjà saisis le gardent.`)) {
    await change({ type: 'delete', ref: lieu.id, lieu: { nom: lieu.nom } }, `Lieu « ${lieu.nom} » supprimé.`);
  }
}

/** Build the view (once) and show this user's lieux. @param {string} user */
export async function showLieux(user) {
  owner = user;
  root = $('[data-view="lieux"]');
  if (!root.firstChild) {
    root.innerHTML = VIEW;
    const form = $('[data-form="lieu"]', root);
    form.addEventListener('submit', onSubmit);
    form.elements.code_postal.addEventListener('input', () => communesFor(form));
    $('[data-action="lieu-annuler"]', root).addEventListener('click', () => { form.hidden = true; });
    $('[data-action="lieu-ajouter"]', root).addEventListener('click', () => openForm({ type: 'create', ref: null, base: null }));
    root.addEventListener('click', onAction);
    // Sent or refreshed by a sync (the network back): the list says it.
    syncEvents.addEventListener('lieux', () => { if (!root.hidden) draw(); });
  }
  say('');
  await load();
}
