/** The "Saisir un CRA" view: new, edit, duplicate; draft kept; guard against leaving. */
import { communesByCode, loadCommunes, searchCommunes } from './communes-index.js';
import { createCra, editCra, listCras } from './cras.js';
import { deleteMeta, getMeta, setMeta, storageMessage } from './db.js';
import { $, esc, today } from './dom.js';
import { bindForm, bindSummary, check, goTo, refresh, showErrors, writeForm } from './form.js';
import { formMarkup } from './form-markup.js';
import { isLieu, lieux } from './lieux.js';

const view = () => $('[data-view="saisie"]');
let state = { owner: null, ref: null, editing: null, dirty: false, onSaved: null };
let draftTimer = null;
const TAB_KEY = 'coop-cra.onglet';

/** Unsaved changes in the form (the app asks before leaving). */
export function hasUnsavedChanges() {
  return state.dirty;
}

function emptyCra(myLieux) {
  const principal = myLieux[0];
  return {
    date: today(), canal: principal ? 'rattachement' : null,
    lieu_activite_id: principal ? principal.id : null, nb_participants: 1, nb_recurrents: 0,
    themes: [], sous_themes: {}, duree: null, duree_minutes: 60, organismes: [],
    ...(principal ? { code_postal: principal.code_postal, code_commune: principal.code_commune, nom_commune: principal.ville } : {}),
  };
}

let communesLookup = null;

/** Communes by INSEE code for the form's checks, built once per page. */
async function communesMap() {
  communesLookup ??= communesByCode(await loadCommunes());
  return communesLookup;
}

function fillLieux(form, myLieux) {
  const select = form.elements.namedItem('lieu_activite_id');
  select.innerHTML = `<option value="">Choisissez un lieu</option>${myLieux.map((lieu) => `<option value="${lieu.id}">${esc(lieu.nom)} – ${esc(lieu.ville)}</option>`).join('')}`;
  select.addEventListener('change', () => {
    const lieu = myLieux.find((l) => String(l.id) === select.value);
    const canal = form.querySelector('input[name="canal"]:checked');
    if (lieu && canal && canal.value === 'rattachement') {
      form.elements.namedItem('code_postal').value = lieu.code_postal;
      form.elements.namedItem('code_commune').value = lieu.code_commune;
      form.elements.namedItem('nom_commune').value = lieu.ville;
    }
  });
}

const COMMUNE_FIELDS = ['code_commune', 'code_postal', 'nom_commune'];

/**
 * The commune search, an ARIA 1.2 combobox: typing proposes communes, ArrowDown/ArrowUp move
 * in the list (aria-activedescendant), Enter chooses, Escape closes then clears; what happens
 * is said in a live region. A change of canal empties it (a commune is chosen for its canal).
 */
function bindCommuneSearch(form) {
  const input = form.elements.namedItem('commune');
  const list = $('#cra-communes', form);
  const status = $('[data-field="commune-status"]', form);
  let active = -1;
  const options = () => [...list.querySelectorAll('[data-code]')];
  const say = (text) => { status.textContent = text; };
  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };
  const highlight = (index) => {
    const all = options();
    if (!all.length) return;
    active = (index + all.length) % all.length;
    all.forEach((option, i) => option.setAttribute('aria-selected', String(i === active)));
    input.setAttribute('aria-activedescendant', all[active].id);
    all[active].scrollIntoView({ block: 'nearest' });
  };
  const choose = (option) => {
    form.elements.namedItem('code_commune').value = option.dataset.code;
    form.elements.namedItem('code_postal').value = option.dataset.cp;
    form.elements.namedItem('nom_commune').value = option.dataset.nom;
    input.value = `${option.dataset.cp} ${option.dataset.nom}`;
    close();
    say(`Commune choisie : ${input.value}.`);
    form.dispatchEvent(new Event('change'));
  };
  const clear = () => {
    input.value = '';
    COMMUNE_FIELDS.forEach((name) => { form.elements.namedItem(name).value = ''; });
    close();
  };
  const propose = async () => {
    if (input.value.trim().length < 3) { close(); say(''); return; }
    const found = searchCommunes(await loadCommunes(), input.value, 10);
    list.innerHTML = found.map((c, i) => `<li role="option" id="commune-${i}" aria-selected="false" data-code="${esc(c.code)}" data-cp="${esc(c.code_postal)}" data-nom="${esc(c.nom)}">${esc(c.code_postal)} ${esc(c.nom)}</li>`).join('')
      || '<li role="option" aria-disabled="true" aria-selected="false">Aucune commune trouvée</li>';
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    input.removeAttribute('aria-activedescendant');
    active = -1;
    say(found.length ? `${found.length > 1 ? `${found.length} communes proposées` : '1 commune proposée'} : flèche bas pour les parcourir, Entrée pour choisir.`
      : 'Aucune commune trouvée.');
  };
  input.addEventListener('input', () => {
    COMMUNE_FIELDS.forEach((name) => { form.elements.namedItem(name).value = ''; });
    propose();
  });
  input.addEventListener('keydown', (event) => {
    const open = !list.hidden;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      if (!open) { propose().then(() => highlight(event.key === 'ArrowDown' ? 0 : -1)); return; }
      highlight(active < 0 && event.key === 'ArrowUp' ? -1 : active + (event.key === 'ArrowDown' ? 1 : -1));
    } else if (event.key === 'Enter' && open) {
      event.preventDefault(); // choosing a commune does not submit the form
      const option = options()[active];
      if (option) choose(option);
    } else if (event.key === 'Escape') {
      if (open) close(); else clear();
      event.preventDefault();
    }
  });
  input.addEventListener('blur', close);
  list.addEventListener('mousedown', (event) => event.preventDefault()); // the input keeps the focus
  list.addEventListener('click', (event) => {
    const option = event.target.closest('[data-code]');
    if (option) choose(option);
  });
  form.addEventListener('change', (event) => {
    if (event.target.name !== 'canal') return;
    clear();
    // At the lieu d'activité, the commune is the lieu's.
    form.elements.namedItem('lieu_activite_id').dispatchEvent(new Event('change'));
  });
}

/**
 * This tab's draft key: one draft per tab (an id kept in sessionStorage, which lives as long as
 * the tab, reloads included), so that saving in one tab never deletes what another is typing.
 */
function draftKey() {
  let tab = sessionStorage.getItem(TAB_KEY);
  if (!tab) {
    tab = crypto.randomUUID();
    sessionStorage.setItem(TAB_KEY, tab);
  }
  return `brouillon:${state.owner}:${tab}`;
}

/** A draft kept before drafts were per tab (one per user): this tab takes it over. */
async function adoptOldDraft() {
  const old = `brouillon:${state.owner}`;
  const draft = await getMeta(old);
  if (draft) {
    await setMeta(draftKey(), draft);
    await deleteMeta(old);
  }
  return draft;
}

function saveDraft(form) {
  clearTimeout(draftTimer);
  draftTimer = setTimeout(() => {
    if (!state.editing) setMeta(draftKey(), check(form, state.ref, {}).cra).catch(() => {});
  }, 300);
}

/**
 * Open the form: `source` is a local CRA to edit, or `{duplicate: cra}`, or nothing.
 * @param {{owner: string, ref: object, onSaved: Function}} context
 */
export async function openForm(context, source = null) {
  state = { ...context, editing: source && source.id ? source : null, dirty: false };
  const root = view();
  root.innerHTML = formMarkup(state.ref);
  const form = $('[data-form="cra"]', root);
  // Until its values are written the form takes no input (and says so): a choice made meanwhile
  // would be overwritten by the filling.
  form.inert = true;
  form.setAttribute('aria-busy', 'true');
  form.insertAdjacentHTML('beforebegin', '<p class="fr-text--sm" role="status" data-field="form-loading">Préparation du formulaire…</p>');
  const loading = form.previousElementSibling; // this form's: not a newer form's, opened meanwhile
  const setUp = prepareForm(root, form, context, source).finally(() => {
    form.inert = false;
    form.removeAttribute('aria-busy');
    loading.remove();
  });
  // Listening in the same task as the markup: a "Valider" tapped while the form is being set up
  // must not submit it natively (a reload that would lose it); it is handled once it is set up.
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    setUp.then((myLieux) => submit(form, myLieux));
  });
  await setUp;
}

/** Fill a new form: lieux, commune search, the CRA edited, duplicated or drafted, its rules. */
async function prepareForm(root, form, context, source) {
  const myLieux = await lieux(state.owner, await listCras(state.owner));
  fillLieux(form, myLieux);
  bindCommuneSearch(form);
  const notice = $('[data-field="form-notice"]', root);
  let cra = emptyCra(myLieux);
  if (state.editing) {
    cra = state.editing.cra;
    $('[data-field="form-title"]', root).textContent = 'Modifier le compte rendu';
    $('[data-action="cancel-edit"]', root).hidden = false;
  } else if (source && source.duplicate) {
    cra = { ...source.duplicate, date: today() };
    notice.textContent = 'Copie d\'un compte rendu : vérifiez la date et les participants avant de valider.';
    notice.hidden = false;
  } else {
    const draft = await getMeta(draftKey()) || await adoptOldDraft();
    if (draft) { cra = draft; notice.textContent = 'Votre saisie en cours a été restaurée.'; notice.hidden = false; }
  }
  // A CRA saved at a lieu added offline names it by its UUID: the lieu's server id once known.
  const lieu = myLieux.find((l) => isLieu(l, cra.lieu_activite_id));
  if (lieu) cra = { ...cra, lieu_activite_id: lieu.id };
  writeForm(form, cra, state.ref);
  if (state.editing && state.editing.errors) showErrors(form, state.editing.errors);
  bindForm(form, state.ref, () => {
    state.dirty = true;
    saveDraft(form);
    // Once errors are shown, they follow the user's corrections (a fixed field loses its error).
    if (state.checked) showErrors(form, check(form, state.ref, state.checked).errors);
  });
  bindSummary(form);
  $('[data-action="cancel-edit"]', root).addEventListener('click', () => { state.dirty = false; context.onSaved(null); });
  refresh(form, state.ref);
  // The communes' lookup the validation needs, built while the user fills the form rather than
  // at their first "Valider".
  (window.requestIdleCallback || setTimeout)(() => communesMap().catch(() => {}));
  return myLieux;
}

async function submit(form, myLieux) {
  // One form, one CRA: a second tap on "Valider" during or after the save is ignored; the form
  // is accepted again only when it was refused (its errors shown) or could not be stored.
  if (state.submitted) return;
  state.submitted = true;
  state.submitted = await save(form, myLieux);
}

async function save(form, myLieux) {
  const context = { lieux: Object.fromEntries(myLieux.map((l) => [l.id, l])) };
  try { context.communes = await communesMap(); } catch { /* the server checks it */ }
  const { cra, errors } = check(form, state.ref, context);
  state.checked = context;
  const shownErrors = showErrors(form, errors);
  if (shownErrors !== true) {
    // The user is taken to the first problem: its field focused, in view with its label.
    if (shownErrors) goTo(shownErrors);
    else $('[data-error-for="_form"]', form).scrollIntoView({ block: 'center' }); // said by its role=alert
    return false;
  }
  clearTimeout(draftTimer); // a draft written after the save would bring this CRA back
  try {
    // One transaction: the CRA, its operation and the draft's deletion.
    const draft = draftKey();
    const saved = state.editing ? await editCra(state.owner, state.editing, cra, { draft })
      : await createCra(state.owner, cra, 'cra', { draft });
    state.dirty = false;
    state.onSaved(saved);
    return true;
  } catch (error) {
    showErrors(form, { _form: [storageMessage(error)] });
    $('[data-error-for="_form"]', form).textContent = storageMessage(error);
    saveDraft(form);
    return false;
  }
}
