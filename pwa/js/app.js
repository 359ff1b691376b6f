/** Entry point of the conseiller's app: login, then the home view. */
import { ApiError, call, callAnonymous, clearTokens, readTokens, saveTokens } from './api.js';

const ROLE_LABELS = {
  conseiller: 'Conseiller numérique', coordinateur: 'Coordinateur', structure: 'Structure',
  prefet: 'Préfecture', admin: 'Administrateur',
};

function show(view) {
  document.querySelectorAll('[data-view]').forEach((el) => { el.hidden = el.dataset.view !== view; });
}

function showHome(user) {
  document.querySelector('[data-field="prenom"]').textContent = user.prenom || user.email;
  document.querySelector('[data-field="role"]').textContent = ROLE_LABELS[user.role] || user.role;
  show('home');
}

async function onLogin(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const error = document.querySelector('[data-error="login"]');
  error.hidden = true;
  try {
    const tokens = await callAnonymous('/auth/login', {
      method: 'POST', body: { email: form.email.value, password: form.password.value },
    });
    saveTokens(tokens);
    form.reset();
    showHome(tokens.user);
  } catch (failure) {
    error.textContent = failure instanceof ApiError ? failure.message : 'Connexion impossible : vérifiez votre réseau.';
    error.hidden = false;
  }
}

async function onLogout() {
  try {
    await call('/auth/logout', { method: 'POST', body: { refresh_token: readTokens().refresh_token } });
  } finally {
    clearTokens();
    show('login');
  }
}

async function start() {
  document.querySelector('[data-form="login"]').addEventListener('submit', onLogin);
  document.querySelector('[data-action="logout"]').addEventListener('click', onLogout);
  if (!readTokens().access_token) return show('login');
  try {
    showHome(await call('/auth/me'));
  } catch {
    show('login');
  }
}

start();
