/** "Ressourcerie": find documents (online), keep chosen ones on the phone for offline reading, propose one. */
import { ApiError, call } from './api.js';
import { database, storageMessage } from './db.js';
import { $, esc, frDate } from './dom.js';

let root = null;
let themes = [];
const shown = new Set();

async function kept() {
  return (await (await database()).getAll('documents')).sort((a, b) => b.savedAt.localeCompare(a.savedAt));
}

function keptMarkup(docs) {
  if (!docs.length) return '<p>Aucun document gardé : touchez « Garder hors ligne » sous un document pour le lire sans réseau.</p>';
  return `<ul class="app-cras">${docs.map((d) => `<li class="fr-card fr-card--sm"><div class="fr-card__body"><div class="fr-card__content">
    <h3 class="fr-card__title">${esc(d.titre)}</h3><p class="fr-card__desc">${esc(d.thematique_libelle)} · gardé le ${frDate(d.savedAt)}</p>
    <ul class="fr-btns-group fr-btns-group--inline-sm fr-btns-group--sm"><li><button class="fr-btn fr-btn--sm" type="button" data-action="open" data-id="${d.id}">Ouvrir</button></li>
    <li><button class="fr-btn fr-btn--sm fr-btn--tertiary" type="button" data-action="forget" data-id="${d.id}">Retirer du téléphone</button></li></ul></div></div></li>`).join('')}</ul>`;
}

/** What became of a proposal (the server's label); nothing to say once published. */
function statutBadge(doc) {
  if (doc.statut === 'publie') return '';
  return `<p class="fr-badge fr-badge--sm ${doc.statut === 'refuse' ? 'fr-badge--warning' : 'fr-badge--info'}">${esc(doc.statut_libelle)}</p>`;
}

function proposalsMarkup(docs) {
  if (!docs.length) return '<p>Aucune proposition en attente ou refusée.</p>';
  return `<ul class="app-cras">${docs.map((d) => `<li class="fr-card fr-card--sm"><div class="fr-card__body"><div class="fr-card__content">
    <h3 class="fr-card__title">${esc(d.titre)}</h3><p class="fr-card__desc">${esc(d.thematique_libelle)} · proposé le ${frDate(d.created_at)}</p>
    ${statutBadge(d)}</div></div></li>`).join('')}</ul>`;
}

/** The user's proposals not published (the API shows a reader only their own), online only. */
async function showProposals() {
  const field = $('[data-field="proposals"]', root);
  try {
    const pages = await Promise.all(['propose', 'refuse'].map((statut) => call(`/ressourcerie/documents?statut=${statut}`)));
    field.innerHTML = proposalsMarkup(pages.flatMap((page) => page.items));
  } catch {
    field.innerHTML = '<p>Vos propositions s\'afficheront avec du réseau.</p>';
  }
}

function resultsMarkup(page, keptIds) {
  if (!page.items.length) return '<p>Aucun document ne correspond à votre recherche.</p>';
  return `<p>${page.total} document(s)</p><ul class="app-cras">${page.items.map((d) => `<li class="fr-card fr-card--sm"><div class="fr-card__body"><div class="fr-card__content">
    <h3 class="fr-card__title">${esc(d.titre)}</h3><p class="fr-card__desc">${esc(d.description)}<br>${esc(d.thematique_libelle)}${d.tags.length ? ` · ${d.tags.map(esc).join(', ')}` : ''}</p>
    ${statutBadge(d)}
    <ul class="fr-btns-group fr-btns-group--inline-sm fr-btns-group--sm"><li><button class="fr-btn fr-btn--sm fr-btn--secondary" type="button" data-action="keep" data-id="${d.id}"${keptIds.has(d.id) ? ' disabled' : ''}>${keptIds.has(d.id) ? 'Gardé hors ligne' : 'Garder hors ligne'}</button></li></ul>
    </div></div></li>`).join('')}</ul>`;
}

async function showKept() {
  $('[data-field="kept"]', root).innerHTML = keptMarkup(await kept());
}

let searches = 0; // only the latest search draws its results

async function search(query = '') {
  const status = $('[data-field="docs-status"]', root);
  const mine = ++searches;
  try {
    const page = await call(`/ressourcerie/documents${query ? `?${query}` : ''}`);
    if (mine !== searches) return;
    shown.clear();
    page.items.forEach((d) => shown.add(d));
    $('[data-field="results"]', root).innerHTML = resultsMarkup(page, new Set((await kept()).map((d) => d.id)));
    status.textContent = '';
  } catch (error) {
    if (mine !== searches) return;
    status.textContent = error instanceof ApiError ? error.message : 'Hors ligne : seuls vos documents gardés sur ce téléphone sont disponibles.';
  }
}

async function keep(id) {
  const doc = [...shown].find((d) => d.id === id);
  let message;
  try {
    const blob = await call(doc.url.replace(/^\/api/, ''), { as: 'blob' });
    await (await database()).put('documents', { id, titre: doc.titre, thematique_libelle: doc.thematique_libelle, blob, savedAt: new Date().toISOString() });
    message = `« ${doc.titre} » est gardé sur ce téléphone.`;
  } catch (error) {
    message = error instanceof ApiError ? error.message : storageMessage(error);
  }
  await showKept();
  await search(new URLSearchParams(new FormData($('[data-form="docs-search"]', root))).toString());
  // Said once the lists are drawn again: the search would otherwise clear it at once.
  $('[data-field="docs-status"]', root).textContent = message;
}

async function open(id) {
  const doc = await (await database()).get('documents', id);
  const url = URL.createObjectURL(doc.blob);
  window.open(url, '_blank', 'noopener');
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

async function propose(form) {
  const status = $('[data-field="propose-status"]', root);
  try {
    const created = await call('/ressourcerie/documents', { method: 'POST', body: new FormData(form) });
    form.reset();
    status.textContent = `Merci : « ${created.titre} » sera publié dès qu'un administrateur l'aura accepté.`;
    await showProposals();
  } catch (error) {
    const details = error instanceof ApiError ? Object.values(error.errors).flat().join(' ') : '';
    status.textContent = error instanceof ApiError ? `${error.message} ${details}` : 'Envoi impossible hors ligne : réessayez avec du réseau.';
  }
}

function markup() {
  const options = themes.map((t) => `<option value="${esc(t.cle)}">${esc(t.libelle)}</option>`).join('');
  return `<h1>Ressourcerie</h1>
    <h2 class="fr-h5">Mes documents hors ligne</h2><div data-field="kept"></div>
    <h2 class="fr-h5 fr-mt-3w">Rechercher un document</h2>
    <form data-form="docs-search" class="app-filters" role="search">
      <div class="fr-input-group"><label class="fr-label" for="d-q">Mots</label><input class="fr-input" type="search" id="d-q" name="q"></div>
      <div class="fr-select-group"><label class="fr-label" for="d-theme">Thématique</label><select class="fr-select" id="d-theme" name="thematique"><option value="">Toutes</option>${options}</select></div>
      <button class="fr-btn fr-btn--sm" type="submit">Rechercher</button></form>
    <p data-field="docs-status" role="status" aria-live="polite"></p><div data-field="results"></div>
    <h2 class="fr-h5 fr-mt-3w">Proposer un document</h2>
    <form data-form="propose" novalidate>
      <div class="fr-input-group"><label class="fr-label" for="p-titre">Titre</label><input class="fr-input" id="p-titre" name="titre" required></div>
      <div class="fr-input-group"><label class="fr-label" for="p-description">Description courte</label><textarea class="fr-input" id="p-description" name="description"></textarea></div>
      <div class="fr-select-group"><label class="fr-label" for="p-theme">Thématique</label><select class="fr-select" id="p-theme" name="thematique">${options}</select></div>
      <div class="fr-input-group"><label class="fr-label" for="p-tags">Tags<span class="fr-hint-text">Séparés par des virgules</span></label><input class="fr-input" id="p-tags" name="tags"></div>
      <div class="fr-upload-group"><label class="fr-label" for="p-fichier">Document PDF<span class="fr-hint-text">PDF uniquement, 20 Mo au plus</span></label><input class="fr-upload" type="file" id="p-fichier" name="fichier" accept="application/pdf"></div>
      <button class="fr-btn fr-mt-2w" type="submit">Proposer</button><p data-field="propose-status" role="status" aria-live="polite"></p></form>
    <h2 class="fr-h5 fr-mt-3w">Mes propositions</h2><div data-field="proposals"></div>`;
}

/** Build (once) and show the view: what is kept first, works offline. */
export async function showRessourcerie() {
  root = $('[data-view="ressourcerie"]');
  if (!root.firstChild) {
    try { themes = (await call('/ressourcerie/thematiques')).items; } catch { themes = []; }
    root.innerHTML = markup();
    $('[data-form="docs-search"]', root).addEventListener('submit', (event) => { event.preventDefault(); search(new URLSearchParams(new FormData(event.currentTarget)).toString()); });
    $('[data-form="propose"]', root).addEventListener('submit', (event) => { event.preventDefault(); propose(event.currentTarget); });
    root.addEventListener('click', async (event) => {
      const button = event.target.closest('[data-action]');
      if (!button || !button.dataset.id) return;
      const id = Number(button.dataset.id);
      if (button.dataset.action === 'keep') await keep(id);
      if (button.dataset.action === 'open') await open(id);
      if (button.dataset.action === 'forget') { await (await database()).delete('documents', id); await showKept(); }
    });
  }
  await showKept();
  await search();
  await showProposals();
}
