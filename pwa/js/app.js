/** Entry point of the conseiller's app: session, views, sync triggers, status bar. */
import { ApiError, call, callAnonymous, readTokens, saveTokens } from './api.js';
import { COORDINATION, waitingCount } from './cras.js';
import { requestPersistentStorage } from './db.js';
import { $, $$, afterPaint, plural } from './dom.js';
import { forgetDevice, onNotificationOpened, resendSubscription } from './push.js';
import { currentUser, forgetSession, rememberUser, storedUser } from './session.js';
import { onSyncRequested, registerServiceWorker, requestBackgroundSync } from './sw-register.js';
import { announceChange, syncEvents, syncNow } from './sync.js';

const ROLE_LABELS = { conseiller: 'Conseiller numérique', coordinateur: 'Coordinateur', structure: 'Structure', prefet: 'Préfecture', admin: 'Administrateur' };
const VIEWS = ['saisie', 'historique', 'statistiques', 'lieux', 'coordination', 'rappels', 'ressourcerie'];
let user = null;
let ref = null;
/** @type {Promise<object> | null} the form's referentiel (/referentiel.json), once asked for */
let referentiel = null;
const owner = () => String(user.id);
/** @type {object | null} the views' module (views.js) once imported: null at the login form */
let views = null;
/** @type {Promise<object> | null} */
let viewsLoading = null;

/** The views' modules, imported once (a dynamic import: not on the login screen's path). */
function loadViews() {
  viewsLoading ??= import('./views.js').then((module) => { views = module; return module; });
  viewsLoading.catch(() => { viewsLoading = null; }); // a failed fetch is tried again
  return viewsLoading;
}
const hasUnsavedChanges = () => Boolean(views && views.hasUnsavedChanges());

function show(view) {
  $$('[data-view]').forEach((el) => { el.hidden = el.dataset.view !== view; });
  $$('[data-nav]').forEach((a) => {
    if (a.dataset.nav === view) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
}

/** A send's outcome in words: « 2 comptes rendus envoyés, 1 refusé : à corriger dans l'historique. » */
function sendOutcome({ envoyes, refuses, conflits, objets }) {
  const where = whereToLook(objets);
  const parts = [];
  if (envoyes) parts.push(plural(envoyes, 'compte rendu envoyé', 'comptes rendus envoyés'));
  if (refuses) {
    const refused = envoyes ? plural(refuses, 'refusé', 'refusés') : plural(refuses, 'compte rendu refusé', 'comptes rendus refusés');
    parts.push(`${refused} : à corriger ${where}`);
  }
  if (conflits) parts.push(`${plural(conflits, 'conflit', 'conflits')} : à trancher ${where}`);
  return `${parts.join(', ')}.`;
}

/** Where the refused or conflicting reports of a send are shown, by their kinds. */
function whereToLook(objets = []) {
  const places = [];
  if (!objets.length || objets.includes('cra')) places.push('dans l\'historique');
  if (objets.includes(COORDINATION)) places.push('dans « CRA de coordination »');
  return places.join(' et ');
}

async function updateStatus() {
  if (!user) return;
  const count = await waitingCount(owner());
  const waiting = $('[data-field="waiting"]');
  waiting.textContent = count ? `${plural(count, 'compte rendu', 'comptes rendus')} en attente d'envoi` : '';
  waiting.dataset.count = String(count);
  $('[data-field="waiting-line"]').hidden = !count; // the bar only when something waits
  $('[data-field="offline"]').hidden = navigator.onLine;
}

let statusOn = false; // the status bar belongs to a conseiller's session

/** The status bar is shown only when one of its lines has something to say. */
function fitStatus() {
  const region = $('[data-region="status"]');
  const speaks = statusOn && $$('p', region).some((line) => !line.hidden && line.textContent.trim());
  if (region.hidden === speaks) region.hidden = !speaks;
}

/** Logged in or out: the menu and the status bar. */
function showChrome(menu, status) {
  $('[data-region="nav"]').hidden = !menu;
  $('[data-region="logout"]').hidden = !menu;
  statusOn = status;
  fitStatus();
}

function formContext() {
  return { owner: owner(), ref, onSaved: onSaved };
}

/**
 * After a save (`saved`, the LocalCra) or a cancelled edit (null): the history with its card and
 * the message in one frame; the counters, the other tabs and the sending once it is painted.
 */
async function onSaved(saved) {
  await route('historique', saved);
  $('[data-field="saved"]').textContent = saved ? 'Votre suivi d\'activité a bien été enregistré.' : '';
  $('[data-field="sync-result"]').textContent = ''; // the last send's outcome is outdated
  afterPaint(() => {
    announceChange();
    requestBackgroundSync();
    syncNow(owner());
  });
}

/**
 * Show a view; leaving a form with unsaved changes asks first. `source`: for 'saisie' the CRA
 * to edit or duplicate, for 'historique' the CRA just saved.
 */
async function route(view, source = null, push = true) {
  const current = $$('[data-view]').find((el) => !el.hidden);
  if (current && current.dataset.view === 'saisie' && hasUnsavedChanges()
      && !window.confirm('Vous avez des modifications non enregistrées. Quitter quand même ?')) return;
  const target = VIEWS.includes(view) ? view : 'saisie';
  const {
    openForm, showSavedCra, renderHistory, showStats, showCoordination, showLieux, showRappels,
    showRessourcerie,
  } = await loadViews();
  // pushState costs a frame's worth on a slow phone (~15 ms at CPU x4): after the view is painted.
  if (push) afterPaint(() => history.pushState({}, '', `?vue=${target}`));
  if (target === 'saisie') {
    $('[data-field="saved"]').textContent = '';
    await openForm(formContext(), source);
  }
  if (target === 'historique') await (source ? showSavedCra(source) : renderHistory());
  if (target === 'statistiques') showStats(owner());
  if (target === 'coordination') await showCoordination({ owner: owner(), ref, user, onSaved: () => { announceChange(); requestBackgroundSync(); return syncNow(owner()); } });
  if (target === 'lieux') await showLieux(owner());
  if (target === 'rappels') showRappels();
  if (target === 'ressourcerie') await showRessourcerie();
  show(target);
  if (push) window.scrollTo(0, 0); // a new view opens at its top, not where the last one was
}

async function enter(who) {
  ref ??= await referentiel;
  user = who;
  rememberUser(user);
  $('[data-field="expired"]').hidden = true;
  if (!['conseiller', 'coordinateur'].includes(user.role)) {
    $('[data-field="prenom"]').textContent = user.prenom || user.email;
    $('[data-field="role"]').textContent = ROLE_LABELS[user.role] || user.role;
    showChrome(true, false);
    return show('home');
  }
  const { mountHistory } = await loadViews();
  showChrome(true, true);
  $$('[data-role]').forEach((el) => { el.hidden = el.dataset.role !== user.role; });
  mountHistory({
    owner: owner(), ref, onEdit: (source) => route('saisie', source),
    onDeleted: () => onSaved(null),
  });
  await route(new URLSearchParams(location.search).get('vue') || 'saisie', null, false);
  await updateStatus();
  await syncNow(owner()); // which also pulls what other devices changed
  // A maintenance under way is told at once, before the user saves anything.
  call('/maintenance').then((etat) => etat.active && showMaintenance({ maintenance: etat.message })).catch(() => {});
  resendSubscription();
  return undefined;
}

async function onLogin(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const error = $('[data-error="login"]');
  error.hidden = true;
  try {
    loadViews().catch(() => {}); // fetched while the server checks the password
    const tokens = await callAnonymous('/auth/login', { method: 'POST', body: { email: form.email.value, password: form.password.value } });
    saveTokens(tokens);
    form.reset();
    await enter(tokens.user);
  } catch (failure) {
    error.textContent = failure instanceof ApiError ? failure.message : 'Connexion impossible : vérifiez votre réseau.';
    error.hidden = false;
  }
}

async function askLoginAgain() {
  const count = user ? await waitingCount(owner()) : 0;
  const notice = $('[data-field="expired"]');
  const kept = count === 1 ? ' Votre compte rendu en attente est conservé sur ce téléphone.'
    : ` Vos ${count} comptes rendus en attente sont conservés sur ce téléphone.`;
  notice.textContent = `Votre session a expiré : reconnectez-vous.${count ? kept : ''}`;
  notice.hidden = false;
  showChrome(false, false);
  show('login');
}

async function onLogout() {
  const count = user ? await waitingCount(owner()) : 0;
  if (count) {
    window.alert(`Déconnexion impossible : ${plural(count, 'compte rendu est', 'comptes rendus sont')} en attente d'envoi. Connectez-vous au réseau puis touchez « Envoyer maintenant ».`);
    return;
  }
  if (!window.confirm('Se déconnecter de coop-cra ?')) return;
  await forgetDevice().catch(() => {}); // no reminders for someone logged out
  await call('/auth/logout', { method: 'POST', body: { refresh_token: readTokens().refresh_token } }).catch(() => {});
  forgetSession();
  user = null;
  showChrome(false, false);
  show('login');
}

/**
 * The server's maintenance message while it refuses writes; gone after any send that was
 * answered. @returns {boolean} whether maintenance is under way
 */
function showMaintenance(detail) {
  const notice = $('[data-field="maintenance"]');
  if (detail.maintenance) {
    notice.textContent = `Maintenance en cours : ${detail.maintenance} Vos comptes rendus restent sur ce téléphone et seront envoyés à la fin de la maintenance.`;
  } else if (!detail.erreur) notice.textContent = '';
  notice.hidden = !notice.textContent;
  return Boolean(detail.maintenance);
}

function bindTriggers() {
  const sync = () => { if (user && navigator.onLine !== false) syncNow(owner()); };
  window.addEventListener('online', () => { updateStatus(); sync(); });
  window.addEventListener('offline', updateStatus);
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') sync(); });
  onSyncRequested(sync);
  onNotificationOpened((vue) => user && route(vue));
  $('[data-action="sync"]').addEventListener('click', () => user && syncNow(owner()));
  syncEvents.addEventListener('change', () => {
    updateStatus();
    if (!views) return; // no view drawn yet: each reads the database when it opens
    if (!$('[data-view="historique"]').hidden) views.renderHistory();
    else views.historyOutdated();
    if (!$('[data-view="coordination"]').hidden) views.renderCoordinations();
    if (!$('[data-view="statistiques"]').hidden) views.refreshCommunes();
  });
  syncEvents.addEventListener('expired', askLoginAgain);
  // One line for the last send: « Envoi en cours… » while in flight, then its outcome, cleared
  // when a new CRA waits (onSaved): never an older outcome next to a newer count.
  syncEvents.addEventListener('sending', () => {
    // A routine send with nothing waiting says nothing: the bar would appear for a moment and
    // push the form down under the user's finger.
    if ($('[data-field="waiting"]').dataset.count === '0') return;
    $('[data-field="sync-result"]').textContent = 'Envoi en cours…';
  });
  syncEvents.addEventListener('result', ({ detail }) => {
    const sent = detail.envoyes || detail.refuses || detail.conflits;
    const line = $('[data-field="sync-result"]');
    if (showMaintenance(detail)) { line.textContent = ''; return; }
    if (!sent && !detail.erreur) {
      // Nothing was waiting (another tab sent it): a send in flight or a failure is over.
      if (line.textContent === 'Envoi en cours…' || line.dataset.erreur) { line.textContent = ''; delete line.dataset.erreur; }
      return;
    }
    if (detail.erreur) line.dataset.erreur = 'oui';
    else delete line.dataset.erreur;
    // Offline, the offline line already says why nothing leaves and that it will: not twice.
    const failure = navigator.onLine ? 'Envoi impossible pour le moment : nouvel essai automatique.' : '';
    line.textContent = detail.erreur ? failure : sendOutcome(detail);
  });
  window.addEventListener('beforeunload', (event) => { if (hasUnsavedChanges()) event.preventDefault(); });
  window.addEventListener('popstate', () => user && route(new URLSearchParams(location.search).get('vue'), null, false));
  $('[data-region="nav"]').addEventListener('click', (event) => {
    const link = event.target.closest('[data-nav]');
    if (link) { event.preventDefault(); route(link.dataset.nav); }
  });
  new MutationObserver(fitStatus).observe($('[data-region="status"] .fr-container'), {
    subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['hidden'],
  });
}

async function start() {
  $('[data-form="login"]').addEventListener('submit', onLogin);
  $('[data-action="logout"]').addEventListener('click', onLogout);
  bindTriggers();
  registerServiceWorker((applyUpdate) => {
    $('[data-field="update"]').hidden = false;
    $('[data-action="update"]').addEventListener('click', applyUpdate, { once: true });
  });
  requestPersistentStorage();
  // Fetched meanwhile: a new visitor sees the login form without waiting for it.
  referentiel = fetch('/referentiel.json').then((response) => response.json());
  referentiel.catch(() => {}); // awaited (and its failure met) when the user enters
  if (readTokens().access_token) loadViews().catch(() => {}); // a session: its views, meanwhile
  try {
    const who = await currentUser();
    if (who) return enter(who);
  } catch {
    ref = await referentiel;
    user = storedUser();
    return askLoginAgain();
  }
  return show('login');
}

start();
