/** "Rappels": reminders on this phone — on (permission asked from the tap), days, time, time zone, off, test; « Mes appareils » below. */
import { ApiError, call } from './api.js';
import { APPAREILS_MARKUP, showAppareils } from './appareils-view.js';
import { $, $$, esc } from './dom.js';
import { PushUnavailable, currentSubscription, forgetDevice, pushSupport, sendTest, subscribeDevice } from './push.js';

const DAYS = ['Lundi', 'Mardi', 'Mercredi', 'Jeudi', 'Vendredi', 'Samedi', 'Dimanche'];
const BLOCKED = 'Les notifications sont bloquées pour coop-cra : autorisez-les dans les réglages de votre navigateur ou de votre téléphone, puis réessayez.';
const NO_PUSH = 'Ce navigateur ne peut pas recevoir de notifications ici : c\'est le cas d\'une fenêtre de navigation privée ou d\'un navigateur sans service de notifications. '
  + 'Votre réseau n\'est pas en cause. Ouvrez coop-cra dans une fenêtre normale d\'un navigateur à jour (Chrome, Edge, Firefox, Safari), ou depuis l\'application installée, pour activer les rappels.';
let settings = null;
let root = null;

function markup() {
  const days = DAYS.map((day, i) => `<div class="fr-fieldset__element fr-fieldset__element--inline"><div class="fr-checkbox-group">
    <input type="checkbox" id="r-jour-${i + 1}" name="jours" value="${i + 1}"><label class="fr-label" for="r-jour-${i + 1}">${day}</label></div></div>`).join('');
  return `<h1>Rappels</h1>
    <p>Recevez une notification sur ce téléphone pour penser à saisir un compte rendu après chaque accompagnement :
      les jours choisis, à l'heure choisie, si aucun compte rendu de la journée n'est arrivé.</p>
    <div class="fr-alert fr-alert--info fr-mb-3w" data-field="ios" hidden>
      <h2 class="fr-alert__title">Sur iPhone et iPad : ajoutez d'abord l'application à l'écran d'accueil</h2>
      <p>Dans Safari, touchez le bouton Partager puis « Sur l'écran d'accueil ». Ouvrez ensuite coop-cra depuis son icône pour activer les rappels : ils ne fonctionnent que là.</p>
    </div>
    <p class="fr-text--bold" data-field="rappels-etat" role="status" aria-live="polite"></p>
    <form data-form="rappels" novalidate hidden>
      <fieldset class="fr-fieldset" data-field-group="jours"><legend class="fr-fieldset__legend">Jours du rappel</legend>${days}</fieldset>
      <div class="fr-input-group"><label class="fr-label" for="r-heure">Heure du rappel</label>
        <input class="fr-input" type="time" id="r-heure" name="heure" required></div>
      <div class="fr-select-group"><label class="fr-label" for="r-fuseau">Fuseau horaire</label>
        <select class="fr-select" id="r-fuseau" name="fuseau"></select></div>
      <div class="fr-checkbox-group fr-mb-3w"><input type="checkbox" id="r-inactivite" name="inactivite">
        <label class="fr-label" for="r-inactivite" data-field="inactivite-label"></label></div>
      <p class="fr-error-text" data-error="rappels" role="alert" hidden></p>
      <ul class="fr-btns-group fr-btns-group--inline-md">
        <li><button class="fr-btn" type="submit" data-action="rappels-activer">Activer les rappels</button></li>
        <li><button class="fr-btn" type="submit" data-action="rappels-enregistrer">Enregistrer</button></li>
        <li><button class="fr-btn fr-btn--secondary" type="button" data-action="rappels-essai">Envoyer une notification d'essai</button></li>
        <li><button class="fr-btn fr-btn--tertiary" type="button" data-action="rappels-desactiver">Désactiver les rappels</button></li>
      </ul>
    </form>
    ${APPAREILS_MARKUP}`;
}

function say(text) { $('[data-field="rappels-etat"]', root).textContent = text; }

function fail(text) {
  const error = $('[data-error="rappels"]', root);
  error.textContent = text;
  error.hidden = !text;
}

function failure(error) {
  if (error instanceof PushUnavailable) return NO_PUSH;
  if (error instanceof ApiError) {
    const details = Object.values(error.errors).flat().filter((m) => typeof m === 'string');
    return [error.message, ...details].join(' ');
  }
  return 'Connexion impossible : vérifiez votre réseau puis réessayez.';
}

async function render() {
  const form = $('[data-form="rappels"]', root);
  const on = settings.actif && Boolean(await currentSubscription());
  $('[name="fuseau"]', form).innerHTML = settings.fuseaux.map((z) => `<option value="${esc(z.code)}">${esc(z.libelle)}</option>`).join('');
  $$('[name="jours"]', form).forEach((box) => { box.checked = settings.jours.includes(Number(box.value)); });
  form.elements.heure.value = settings.heure;
  form.elements.fuseau.value = settings.fuseau;
  form.elements.inactivite.checked = settings.inactivite;
  $('[data-field="inactivite-label"]', form).textContent = `Me rappeler aussi après ${settings.jours_inactivite} jours sans compte rendu`;
  $('[data-action="rappels-activer"]', form).parentElement.hidden = on;
  for (const action of ['enregistrer', 'essai', 'desactiver']) $(`[data-action="rappels-${action}"]`, form).parentElement.hidden = !on;
  form.hidden = false;
  say(on ? 'Les rappels sont activés sur cet appareil.' : 'Les rappels sont désactivés sur cet appareil.');
}

function chosen(form, actif) {
  return {
    actif,
    jours: $$('[name="jours"]', form).filter((box) => box.checked).map((box) => Number(box.value)),
    heure: form.elements.heure.value,
    fuseau: form.elements.fuseau.value,
    inactivite: form.elements.inactivite.checked,
  };
}

async function onSubmit(event) {
  event.preventDefault();
  // Asked first, in the tap itself: Safari refuses a permission request made later.
  const permission = Notification.permission === 'default' ? Notification.requestPermission() : Promise.resolve(Notification.permission);
  const form = event.currentTarget;
  const turningOn = !$('[data-action="rappels-activer"]', form).parentElement.hidden;
  if (form.getAttribute('aria-busy') === 'true') return undefined; // one activation at a time
  fail('');
  // Said at once: subscribing to the browser's push service can take several seconds.
  say(turningOn ? 'Activation en cours…' : 'Enregistrement en cours…');
  form.setAttribute('aria-busy', 'true');
  try {
    if (await permission !== 'granted') {
      say('');
      return fail(BLOCKED);
    }
    if (!(await currentSubscription())) await subscribeDevice(settings.cle_publique);
    settings = await call('/rappels', { method: 'PUT', body: chosen(form, true) });
    await render();
    return say('Rappels enregistrés : ils sont activés sur cet appareil.');
  } catch (error) {
    say(turningOn ? 'Les rappels ne sont pas activés.' : '');
    return fail(failure(error));
  } finally {
    form.removeAttribute('aria-busy');
  }
}

async function onTest() {
  fail('');
  try {
    const answer = await sendTest();
    if (answer.envoye) say(answer.message); else fail(answer.message);
  } catch (error) {
    fail(failure(error));
  }
}

async function onTurnOff() {
  fail('');
  try {
    settings = await call('/rappels', { method: 'PUT', body: chosen($('[data-form="rappels"]', root), false) });
    await forgetDevice();
    await render();
  } catch (error) {
    fail(failure(error));
  }
}

/** Build the view (once) and show the settings from the server. */
export async function showRappels() {
  root = $('[data-view="rappels"]');
  if (!root.firstChild) {
    root.innerHTML = markup();
    const form = $('[data-form="rappels"]', root);
    form.addEventListener('submit', onSubmit);
    $('[data-action="rappels-essai"]', root).addEventListener('click', onTest);
    $('[data-action="rappels-desactiver"]', root).addEventListener('click', onTurnOff);
  }
  showAppareils($('[data-region="appareils"]', root));
  const support = pushSupport();
  $('[data-field="ios"]', root).hidden = !support.needsHomeScreen;
  fail('');
  if (!support.supported) {
    $('[data-form="rappels"]', root).hidden = true;
    return say(support.needsHomeScreen ? '' : NO_PUSH);
  }
  try {
    settings = await call('/rappels');
  } catch (error) {
    $('[data-form="rappels"]', root).hidden = true;
    return say(error instanceof ApiError ? error.message : 'Le réglage des rappels demande une connexion : réessayez au retour du réseau.');
  }
  if (!settings.cle_publique) {
    $('[data-form="rappels"]', root).hidden = true;
    return say('Les rappels ne sont pas disponibles sur ce serveur.');
  }
  return render();
}
