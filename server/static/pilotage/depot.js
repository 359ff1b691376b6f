/* The ressourcerie's upload form: a file over the size limit is refused before it is sent
 * (the server would refuse it too, but only after the upload), with the server's French
 * message; a form being sent says so and cannot be sent twice. Without JavaScript the server
 * checks all the same. */

/** Whether a file is over the limit, in bytes. @param {File|undefined} fichier
 * @param {number} limite @returns {boolean} */
export function tropGros(fichier, limite) {
  return Boolean(fichier) && limite > 0 && fichier.size > limite;
}

document.querySelectorAll('form[data-depot]').forEach((formulaire) => {
  const champ = formulaire.querySelector('input[type="file"]');
  const erreur = formulaire.querySelector('[data-depot-erreur]');
  const bouton = formulaire.querySelector('[data-depot-bouton]');
  const groupe = champ.closest('.fr-upload-group');
  const libelle = bouton.textContent;

  function signaler(message) {
    erreur.textContent = message;
    erreur.hidden = !message;
    groupe.classList.toggle('fr-upload-group--error', Boolean(message));
    if (message) champ.setAttribute('aria-invalid', 'true');
    else champ.removeAttribute('aria-invalid');
  }

  champ.addEventListener('change', () => {
    const limite = Number(formulaire.dataset.tailleMax);
    signaler(tropGros(champ.files[0], limite) ? formulaire.dataset.messageTaille : '');
  });

  formulaire.addEventListener('submit', (event) => {
    if (formulaire.dataset.envoi) {
      event.preventDefault();
      return;
    }
    if (tropGros(champ.files[0], Number(formulaire.dataset.tailleMax))) {
      event.preventDefault();
      signaler(formulaire.dataset.messageTaille);
      champ.focus();
      return;
    }
    formulaire.dataset.envoi = 'oui';
    bouton.setAttribute('aria-disabled', 'true');
    bouton.textContent = 'Envoi en cours…';
  });

  window.addEventListener('pageshow', (event) => { // back to a page kept by the browser
    if (!event.persisted) return;
    delete formulaire.dataset.envoi;
    bouton.removeAttribute('aria-disabled');
    bouton.textContent = libelle;
  });
});
