/**
 * « Mes lieux d'activité »: list, add, edit, remove, set the principal one (/api/lieux).
 * Readable offline from the copy the form uses; changes need the network, and say so.
 */
import { ApiError, call } from './api.js';
import { loadCommunes } from './communes-index.js';
import { getMeta } from './db.js';
import { $, esc, textsOf } from './dom.js';
import { refreshLieux } from './lieux.js';

const FIELDS = ['nom', 'adresse', 'code_postal', 'code_commune', 'telephone', 'email', 'site_web', 'siret', 'type_acces', 'horaires', 'itinerant', 'principal'];
const OFFLINE = 'Hors ligne : vos lieux sont affichés tels qu\'enregistrés sur ce téléphone. Ajouter, modifier ou supprimer un lieu demande une connexion : réessayez au retour du réseau.';
let owner = null;
let items = [];
let root = null;

function say(text, error = false) {
  const status = $('[data-field="lieux-etat"]', root);
  status.textContent = text;
  status.classList.toggle('fr-error-text', error);
}

function cardMarkup(lieu) {
  const id = esc(lieu.id);
  return `<li class="app-cra" data-lieu="${id}">
    <h2 class="app-cra__title">${esc(lieu.nom)}</h2>
    <p class="app-cra__line">${esc(lieu.adresse || '')}${lieu.adresse ? ' · ' : ''}${esc(lieu.code_postal)} ${esc(lieu.ville || '')}</p>
    <div class="app-cra__actions">
      <button class="fr-btn fr-btn--sm fr-btn--secondary" type="button" data-lieu-action="edit" data-id="${id}">Modifier<span class="fr-sr-only"> : ${esc(lieu.nom)}</span></button>
      ${lieu.principal ? '' : `<button class="fr-btn fr-btn--sm fr-btn--tertiary-no-outline" type="button" data-lieu-action="principal" data-id="${id}">Définir comme principal<span class="fr-sr-only"> : ${esc(lieu.nom)}</span></button>`}
      ${lieu.principal ? '<p class="fr-badge fr-badge--sm fr-badge--info app-cra__state">Principal</p>' : `<button class="fr-btn fr-btn--sm fr-btn--tertiary-no-outline app-menu__danger app-cra__state" type="button" data-lieu-action="delete" data-id="${id}">Supprimer<span class="fr-sr-only"> : ${esc(lieu.nom)}</span></button>`}
    </div></li>`;
}

function draw(offline) {
  $('[data-list="lieux"]', root).innerHTML = items.map(cardMarkup).join('') || '<li>Aucun lieu d\'activité pour le moment.</li>';
  $('[data-field="lieux-hors-ligne"]', root).hidden = !offline;
}

async function load() {
  try {
    items = await refreshLieux(owner);
    draw(false);
  } catch (error) {
    if (error instanceof ApiError) throw error;
    items = await getMeta(`lieux:${owner}`) || [];
    draw(true);
  }
}

/** The body of a PUT: the lieu as it is (its other fields kept) with the changes. */
function bodyOf(lieu, changes) {
  const body = Object.fromEntries(FIELDS.filter((k) => lieu && lieu[k] != null).map((k) => [k, lieu[k]]));
  return { ...body, ...changes };
}

/** Send a change; a failure is said in French (offline, refused with the server's reasons). */
async function send(path, method, body, done) {
  const what = { POST: 'Ajout', PUT: 'Modification', DELETE: 'Suppression' }[method];
  try {
    await call(path, { method, body });
  } catch (error) {
    if (error instanceof ApiError) {
      say([error.message, ...textsOf(error.errors || {})].join(' '), true);
    } else {
      say(`${what} impossible hors ligne : réessayez au retour du réseau.`, true);
    }
    return false;
  }
  await load();
  say(done);
  return true;
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

function openForm(lieu = null) {
  const form = $('[data-form="lieu"]', root);
  form.hidden = false;
  form.dataset.id = lieu ? lieu.id : '';
  $('[data-field="lieu-form-titre"]', root).textContent = lieu ? `Modifier « ${lieu.nom} »` : 'Ajouter un lieu d\'activité';
  form.elements.nom.value = lieu ? lieu.nom : '';
  form.elements.adresse.value = lieu ? lieu.adresse || '' : '';
  form.elements.code_postal.value = lieu ? lieu.code_postal : '';
  form.elements.principal.checked = lieu ? lieu.principal : items.length === 0;
  communesFor(form, lieu ? lieu.code_commune : '');
  form.elements.nom.focus();
}

async function onSubmit(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const lieu = items.find((l) => String(l.id) === form.dataset.id) || null;
  const changes = {
    nom: form.elements.nom.value.trim(), adresse: form.elements.adresse.value.trim(),
    code_postal: form.elements.code_postal.value.trim(), code_commune: form.elements.code_commune.value,
    principal: form.elements.principal.checked,
  };
  const ok = lieu ? await send(`/lieux/${lieu.id}`, 'PUT', bodyOf(lieu, changes), `Lieu « ${changes.nom} » modifié.`)
    : await send('/lieux', 'POST', changes, `Lieu « ${changes.nom} » ajouté.`);
  if (ok) form.hidden = true;
}

async function onAction(event) {
  const button = event.target.closest('[data-lieu-action]');
  if (!button) return;
  const lieu = items.find((l) => String(l.id) === button.dataset.id);
  if (!lieu) return;
  const action = button.dataset.lieuAction;
  if (action === 'edit') openForm(lieu);
  if (action === 'principal') await send(`/lieux/${lieu.id}`, 'PUT', bodyOf(lieu, { principal: true }), `« ${lieu.nom} » est maintenant votre lieu principal.`);
  if (action === 'delete' && window.confirm(`Supprimer le lieu « ${lieu.nom} » ? Les comptes rendus déjà saisis le gardent.`)) {
    await send(`/lieux/${lieu.id}`, 'DELETE', undefined, `Lieu « ${lieu.nom} » supprimé.`);
  }
}

/** Build the view (once) and show this user's lieux. @param {string} user */
export async function showLieux(user) {
  owner = user;
  root = $('[data-view="lieux"]');
  if (!root.firstChild) {
    root.innerHTML = `<h1 class="fr-mb-2w">Mes lieux d'activité</h1>
      <p class="fr-alert fr-alert--info fr-alert--sm fr-mb-2w" data-field="lieux-hors-ligne" hidden>${OFFLINE}</p>
      <p data-field="lieux-etat" role="status" aria-live="polite"></p>
      <ul class="app-cras" data-list="lieux"></ul>
      <button class="fr-btn fr-btn--sm fr-btn--icon-left fr-icon-add-line" type="button" data-action="lieu-ajouter">Ajouter un lieu</button>
      <form data-form="lieu" class="fr-mt-3w" novalidate hidden>
        <h2 class="fr-h5" data-field="lieu-form-titre"></h2>
        <div class="fr-input-group"><label class="fr-label" for="l-nom">Nom du lieu</label><input class="fr-input" id="l-nom" name="nom" required maxlength="250"></div>
        <div class="fr-input-group"><label class="fr-label" for="l-adresse">Adresse<span class="fr-hint-text">Optionnel</span></label><input class="fr-input" id="l-adresse" name="adresse" maxlength="250"></div>
        <div class="fr-input-group"><label class="fr-label" for="l-cp">Code postal</label><input class="fr-input" id="l-cp" name="code_postal" inputmode="numeric" maxlength="5" required></div>
        <div class="fr-select-group"><label class="fr-label" for="l-commune">Commune</label><select class="fr-select" id="l-commune" name="code_commune" required></select></div>
        <div class="fr-checkbox-group fr-mb-2w"><input type="checkbox" id="l-principal" name="principal"><label class="fr-label" for="l-principal">Lieu principal</label></div>
        <ul class="fr-btns-group fr-btns-group--inline-sm">
          <li><button class="fr-btn" type="submit">Enregistrer le lieu</button></li>
          <li><button class="fr-btn fr-btn--secondary" type="button" data-action="lieu-annuler">Annuler</button></li>
        </ul>
      </form>`;
    const form = $('[data-form="lieu"]', root);
    form.addEventListener('submit', onSubmit);
    form.elements.code_postal.addEventListener('input', () => communesFor(form));
    $('[data-action="lieu-annuler"]', root).addEventListener('click', () => { form.hidden = true; });
    $('[data-action="lieu-ajouter"]', root).addEventListener('click', () => openForm());
    root.addEventListener('click', onAction);
  }
  say('');
  await load();
}
