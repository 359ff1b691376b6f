/* Exports of the pilotage pages, with their progress: the answer is read as a stream, counted
 * as it arrives (CRA rows for cras.csv, bytes otherwise) in a <progress> and a live region, then
 * saved under the server's file name. Without JavaScript the links download all the same. */

const ENTIER = new Intl.NumberFormat('fr-FR');
const ANNONCE_MS = 1000; // a screen reader hears the progress once a second, not every chunk
const NEWLINE = 10;

/** The file name of a Content-Disposition header, filename* (RFC 6266) first.
 * @param {string|null} disposition @param {string} secours @returns {string} */
export function nomDeFichier(disposition, secours) {
  const etoile = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition || '');
  if (etoile) {
    try { return decodeURIComponent(etoile[1].trim()); } catch { /* the plain name below */ }
  }
  const simple = /filename\s*=\s*"?([^";]+)"?/i.exec(disposition || '');
  return simple ? simple[1].trim() : secours;
}

function taille(octets) {
  if (octets < 1024 * 1024) return `${ENTIER.format(Math.ceil(octets / 1024))} Ko`;
  return `${(octets / 1048576).toLocaleString('fr-FR', { maximumFractionDigits: 1 })} Mo`;
}

/** The progress as French text. @param {{lignes: boolean, fait: number, total: number}} p */
export function progression({ lignes, fait, total }) {
  if (lignes) {
    const n = total ? Math.min(fait, total) : fait;
    const texte = `${ENTIER.format(n)} ligne${n > 1 ? 's' : ''}`;
    return total ? `${texte} sur ${ENTIER.format(total)}` : texte;
  }
  return total ? `${taille(fait)} sur ${taille(total)}` : `${taille(fait)} reçus`;
}

function compterLignes(morceau) {
  let n = 0;
  for (let i = 0; i < morceau.length; i += 1) if (morceau[i] === NEWLINE) n += 1;
  return n;
}

async function messageErreur(reponse) {
  try {
    return (await reponse.json()).message || `erreur ${reponse.status}`;
  } catch {
    return `erreur ${reponse.status}`;
  }
}

function enregistrer(blob, nom) {
  const url = URL.createObjectURL(blob);
  const lien = Object.assign(document.createElement('a'), { href: url, download: nom });
  lien.hidden = true;
  document.body.append(lien);
  lien.click();
  lien.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

async function telecharger(lien, zone) {
  const suivi = zone.querySelector('[data-telechargement-suivi]');
  const barre = zone.querySelector('[data-telechargement-barre]');
  const etat = zone.querySelector('[data-telechargement-etat]');
  const lignes = lien.dataset.telechargement === 'cras.csv';
  zone.dataset.occupe = 'oui';
  barre.removeAttribute('value');
  suivi.hidden = false;
  etat.textContent = `Préparation du fichier « ${lien.textContent.trim()} »…`;
  try {
    const reponse = await fetch(lien.href, { credentials: 'same-origin' });
    if (!reponse.ok) throw new Error(await messageErreur(reponse));
    const total = Number(reponse.headers.get(lignes ? 'X-Nombre-Lignes' : 'Content-Length')) || 0;
    if (total) barre.max = total;
    const lecteur = reponse.body.getReader();
    const morceaux = [];
    let octets = 0;
    let retours = 0;
    let annonce = 0;
    for (;;) {
      const { done, value } = await lecteur.read();
      if (done) break;
      morceaux.push(value);
      octets += value.length;
      if (lignes) retours += compterLignes(value);
      const fait = lignes ? Math.max(0, retours - 1) : octets; // the CSV header is no CRA
      if (total) barre.value = Math.min(fait, total);
      if (fait > 0 && Date.now() - annonce >= ANNONCE_MS) {
        annonce = Date.now();
        etat.textContent = progression({ lignes, fait, total });
      }
    }
    const nom = nomDeFichier(reponse.headers.get('Content-Disposition'), 'export');
    const fait = lignes ? Math.max(0, retours - 1) : octets;
    enregistrer(new Blob(morceaux, { type: reponse.headers.get('Content-Type') || '' }), nom);
    etat.textContent = `Téléchargement terminé : ${nom} (${progression({ lignes, fait, total: 0 })}).`;
  } catch (erreur) {
    const raison = erreur instanceof TypeError ? 'le serveur ne répond pas.' : erreur.message;
    etat.textContent = `Le téléchargement a échoué : ${raison}`;
  } finally {
    suivi.hidden = true;
    delete zone.dataset.occupe;
  }
}

document.querySelectorAll('[data-telechargements]').forEach((zone) => {
  zone.addEventListener('click', (event) => {
    const lien = event.target.closest('a[data-telechargement]');
    if (!lien || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    if (!zone.dataset.occupe) telecharger(lien, zone);
  });
});
