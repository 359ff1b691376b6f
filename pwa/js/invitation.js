/** The choose-your-password page of an invitation link. */
import { ApiError, callAnonymous, saveTokens } from './api.js';

const token = location.pathname.split('/').pop();
const error = document.querySelector('[data-error="invitation"]');
const form = document.querySelector('[data-form="invitation"]');

function fail(message) {
  error.textContent = message;
  error.hidden = false;
}

callAnonymous(`/invitations/${encodeURIComponent(token)}`)
  .then(({ email }) => { document.querySelector('[data-field="email"]').textContent = `Compte : ${email}`; })
  .catch((failure) => { fail(failure.message); form.hidden = true; });

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  error.hidden = true;
  try {
    saveTokens(await callAnonymous(`/invitations/${encodeURIComponent(token)}`, {
      method: 'POST', body: { password: form.password.value },
    }));
    form.hidden = true;
    document.querySelector('[data-view="done"]').hidden = false;
  } catch (failure) {
    fail(failure instanceof ApiError ? failure.message : 'Activation impossible : vérifiez votre réseau.');
  }
});
