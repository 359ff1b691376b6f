/** "Historique des accompagnements": local CRAs (works offline), filters, 30 per page. */
import { CONFLICT_ACTIONS, resolveConflict } from './conflicts.js';
import { deleteCra, listCras } from './cras.js';
import { $, $$, plural } from './dom.js';
import { cardMarkup, filtersMarkup } from './history-markup.js';
import { showOperations } from './operations.js';

const PAGE = 30;
let context = null;
let page = 1;
// This user's CRAs as last read, newest first: null until read, and again when a change (a
// sync, another tab) came while the view was hidden.
let rows = null;
let reads = 0; // a read is drawn only if nothing newer was drawn meanwhile
const drawn = new Map(); // the cards on the page by CRA id: {local, html, el}
let empty = null;

const newestFirst = (a, b) => b.cra.date.localeCompare(a.cra.date) || b.changedAt.localeCompare(a.changedAt);

function matches(local, filters) {
  const { cra } = local;
  const lieu = (filters.lieu || '').trim().toLowerCase();
  return (!filters.theme || cra.themes.includes(filters.theme))
    && (!filters.canal || cra.canal === filters.canal)
    && (!filters.activite || cra.activite === filters.activite)
    && (!filters.du || cra.date >= filters.du) && (!filters.au || cra.date <= filters.au)
    && (!lieu || `${cra.code_postal} ${cra.nom_commune}`.toLowerCase().includes(lieu));
}

/** A CRA's card: the one on the page when drawn from the same copy or markup, else a new one. */
function cardOf(local) {
  const known = drawn.get(local.id);
  if (known && known.local === local) return known.el;
  const html = cardMarkup(local, context.ref);
  if (known && known.html === html) return Object.assign(known, { local }).el;
  const template = document.createElement('template');
  template.innerHTML = html;
  drawn.set(local.id, { local, html, el: template.content.firstElementChild });
  return drawn.get(local.id).el;
}

function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/** Draw the page from `rows`: only new or changed cards are built, the others stay in place. */
function draw() {
  const root = $('[data-view="historique"]');
  const filters = Object.fromEntries(new FormData($('[data-form="filtres"]', root)));
  const shown = rows.filter((local) => matches(local, filters));
  const pages = Math.max(1, Math.ceil(shown.length / PAGE));
  page = Math.min(page, pages);
  const active = Object.values(filters).filter((value) => value !== '').length;
  setText($('[data-field="total"]', root), active ? `${plural(shown.length, 'accompagnement', 'accompagnements')} sur ${rows.length}`
    : `${plural(rows.length, 'accompagnement', 'accompagnements')} au total`);
  setText($('[data-field="active-filters"]', root), active ? ` (${plural(active, 'actif', 'actifs')})` : '');
  const onPage = shown.slice((page - 1) * PAGE, page * PAGE);
  const ids = new Set(onPage.map((local) => local.id));
  [...drawn.keys()].forEach((id) => { if (!ids.has(id)) drawn.delete(id); });
  const cards = onPage.length ? onPage.map(cardOf) : [empty];
  const list = $('[data-list="cras"]', root);
  cards.forEach((card, i) => { if (list.children[i] !== card) list.insertBefore(card, list.children[i] || null); });
  while (list.children.length > cards.length) list.lastElementChild.remove();
  setText($('[data-field="pages"]', root), `Page ${page} sur ${pages}`);
}

/** Read this user's CRAs and draw the list. */
export async function renderHistory() {
  const read = ++reads;
  const all = await listCras(context.owner);
  if (read !== reads) return;
  rows = all.sort(newestFirst);
  draw();
}

/**
 * Show a CRA this device has just saved, in the same task: its card put into the list already
 * read, no other CRA read again. The list is read when it may be outdated.
 * @param {import('./cras.js').LocalCra} local
 */
export function showSavedCra(local) {
  if (!rows) return renderHistory();
  reads += 1; // a read begun before the save must not draw over it
  rows = [...(local.deleted ? [] : [local]), ...rows.filter((row) => row.id !== local.id)].sort(newestFirst);
  draw();
  return Promise.resolve();
}

/** Local CRAs changed while the view was hidden: read them again before the next drawing. */
export function historyOutdated() {
  rows = null;
}

async function onAction(event) {
  const button = event.target.closest('[data-action]');
  if (!button || !button.dataset.id) return;
  if (button.dataset.action === 'operations') {
    // Shown under the card, read from the server at each opening.
    button.closest('details')?.removeAttribute('open');
    const section = document.getElementById(button.getAttribute('aria-controls'));
    section.hidden = !section.hidden;
    button.setAttribute('aria-expanded', String(!section.hidden));
    if (!section.hidden) await showOperations($('[data-field="operations"]', section), button.dataset.id);
    return;
  }
  const local = (await listCras(context.owner)).find((l) => l.id === button.dataset.id);
  if (!local) return;
  const { action } = button.dataset;
  button.closest('details')?.removeAttribute('open');
  if (action === 'edit') context.onEdit(local);
  if (action === 'duplicate') context.onEdit({ duplicate: local.cra });
  if (CONFLICT_ACTIONS.includes(action) && await resolveConflict(context.owner, local, action)) context.onDeleted();
  if (action === 'delete' && window.confirm('Êtes-vous sûr de vouloir supprimer ce compte rendu d\'activité ? Ceci affectera vos statistiques.')) {
    await deleteCra(context.owner, local);
    context.onDeleted();
  }
  await renderHistory();
}

/** Build the view once per session. @param {{owner, ref, onEdit, onDeleted}} ctx */
export function mountHistory(ctx) {
  context = ctx;
  rows = null; // another user may have logged in on this page
  const root = $('[data-view="historique"]');
  if (root.dataset.mounted) return;
  root.dataset.mounted = 'oui';
  root.innerHTML = `<h1 class="fr-h4 fr-mb-2w">Historique des accompagnements</h1>${filtersMarkup(ctx.ref)}
    <ul class="app-cras" data-list="cras"></ul>
    <nav class="app-pages" aria-label="Pagination"><button class="fr-btn fr-btn--sm fr-btn--secondary" type="button" data-page="-1">Page précédente</button>
      <span data-field="pages"></span><button class="fr-btn fr-btn--sm fr-btn--secondary" type="button" data-page="1">Page suivante</button></nav>`;
  empty = document.createElement('li');
  empty.textContent = 'Aucun compte rendu ne correspond à ces critères.';
  const filters = $('[data-form="filtres"]', root);
  filters.addEventListener('input', () => { page = 1; renderHistory(); });
  filters.addEventListener('reset', () => setTimeout(() => { page = 1; renderHistory(); }, 0)); // once reset
  $('[data-action="filters"]', root).addEventListener('click', (event) => {
    const open = event.currentTarget.getAttribute('aria-expanded') !== 'true';
    event.currentTarget.setAttribute('aria-expanded', String(open));
    filters.hidden = !open;
  });
  $$('[data-page]', root).forEach((b) => b.addEventListener('click', () => { page = Math.max(1, page + Number(b.dataset.page)); renderHistory(); }));
  root.addEventListener('click', onAction);
}
