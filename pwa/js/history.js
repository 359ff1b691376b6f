/** "Historique des accompagnements": local CRAs (works offline), filters, 30 per page. */
import { acceptServerCopy, deleteCra, listCras } from './cras.js';
import { $, $$, esc, frDate, plural } from './dom.js';

const PAGE = 30;
const STATES = {
  pending: ['En attente d\'envoi', 'fr-badge--info'], synced: ['Envoyé', 'fr-badge--success'],
  rejected: ['Refusé', 'fr-badge--error'], conflict: ['Conflit', 'fr-badge--warning'],
};
let context = null;
let page = 1;

function filtersMarkup(ref) {
  const options = (choices) => Object.entries(choices).map(([k, v]) => `<option value="${esc(k)}">${esc(typeof v === 'string' ? v : v.label)}</option>`).join('');
  return `<form data-form="filtres" class="app-filters">
    <div class="fr-select-group"><label class="fr-label" for="f-theme">Thème</label><select class="fr-select" id="f-theme" name="theme"><option value="">Tous</option>${options(ref.themes)}</select></div>
    <div class="fr-select-group"><label class="fr-label" for="f-canal">Canal</label><select class="fr-select" id="f-canal" name="canal"><option value="">Tous</option>${options(ref.canaux)}</select></div>
    <div class="fr-select-group"><label class="fr-label" for="f-type">Type</label><select class="fr-select" id="f-type" name="activite"><option value="">Tous</option>${options(ref.activites)}</select></div>
    <div class="fr-input-group"><label class="fr-label" for="f-du">Du</label><input class="fr-input" type="date" id="f-du" name="du"></div>
    <div class="fr-input-group"><label class="fr-label" for="f-au">Au</label><input class="fr-input" type="date" id="f-au" name="au"></div>
    <div class="fr-input-group"><label class="fr-label" for="f-lieu">Code postal ou commune</label><input class="fr-input" id="f-lieu" name="lieu"></div>
  </form>`;
}

function matches(local, filters) {
  const { cra } = local;
  const lieu = (filters.lieu || '').trim().toLowerCase();
  return (!filters.theme || cra.themes.includes(filters.theme))
    && (!filters.canal || cra.canal === filters.canal)
    && (!filters.activite || cra.activite === filters.activite)
    && (!filters.du || cra.date >= filters.du) && (!filters.au || cra.date <= filters.au)
    && (!lieu || `${cra.code_postal} ${cra.nom_commune}`.toLowerCase().includes(lieu));
}

function card(local, ref) {
  const { cra } = local;
  const [label, badge] = STATES[local.state] || STATES.pending;
  const themes = cra.themes.map((t) => (ref.themes[t] || { label: t }).label).join(', ');
  const problem = local.state === 'rejected' || local.state === 'conflict'
    ? `<p class="fr-error-text">${esc(local.message || '')} ${esc(Object.values(local.errors || {}).flat().join(' '))}</p>` : '';
  const choice = local.state === 'conflict' ? `
      <li><button class="fr-btn fr-btn--sm" type="button" data-action="keep-server" data-id="${esc(local.id)}">Garder la version du serveur</button></li>
      <li><button class="fr-btn fr-btn--sm fr-btn--secondary" type="button" data-action="keep-mine" data-id="${esc(local.id)}">Garder ma version</button></li>` : '';
  return `<li class="fr-card fr-card--sm app-cra" data-cra="${esc(local.id)}"><div class="fr-card__body"><div class="fr-card__content">
    <h2 class="fr-card__title">${frDate(cra.date)} – ${esc(ref.activites[cra.activite] || cra.activite)}</h2>
    <p class="fr-badge fr-badge--sm ${badge}" data-state="${esc(local.state)}">${label}</p>
    <p class="fr-card__desc">${esc(ref.canaux[cra.canal] || '')} · ${esc(cra.code_postal || '')} ${esc(cra.nom_commune || '')} · ${plural(cra.nb_participants, 'usager', 'usagers')}<br>
      ${esc(themes)}${cra.annotation ? ` · ${esc(cra.annotation)}` : ''}<br>Modifié le ${frDate(local.changedAt)}</p>${problem}
    <ul class="fr-btns-group fr-btns-group--inline-sm fr-btns-group--sm">${choice}
      <li><button class="fr-btn fr-btn--sm fr-btn--tertiary" type="button" data-action="edit" data-id="${esc(local.id)}">${local.state === 'rejected' ? 'Corriger' : 'Modifier'}</button></li>
      <li><button class="fr-btn fr-btn--sm fr-btn--tertiary" type="button" data-action="duplicate" data-id="${esc(local.id)}">Dupliquer</button></li>
      <li><button class="fr-btn fr-btn--sm fr-btn--tertiary" type="button" data-action="delete" data-id="${esc(local.id)}">Supprimer</button></li>
    </ul></div></div></li>`;
}

/** Re-draw the list from local data. */
export async function renderHistory() {
  const root = $('[data-view="historique"]');
  const filters = Object.fromEntries(new FormData($('[data-form="filtres"]', root)));
  const all = (await listCras(context.owner)).sort((a, b) => b.cra.date.localeCompare(a.cra.date) || b.changedAt.localeCompare(a.changedAt));
  const shown = all.filter((local) => matches(local, filters));
  const pages = Math.max(1, Math.ceil(shown.length / PAGE));
  page = Math.min(page, pages);
  $('[data-field="total"]', root).textContent = `Vous avez enregistré ${plural(all.length, 'accompagnement', 'accompagnements')} au total.`;
  $('[data-list="cras"]', root).innerHTML = shown.slice((page - 1) * PAGE, page * PAGE).map((l) => card(l, context.ref)).join('')
    || '<li>Aucun compte rendu ne correspond à ces critères.</li>';
  $('[data-field="pages"]', root).textContent = `Page ${page} sur ${pages}`;
}

async function onAction(event) {
  const button = event.target.closest('[data-action]');
  if (!button || !button.dataset.id) return;
  const local = (await listCras(context.owner)).find((l) => l.id === button.dataset.id);
  if (!local) return;
  const { action } = button.dataset;
  if (action === 'edit') context.onEdit(local);
  if (action === 'duplicate') context.onEdit({ duplicate: local.cra });
  if (action === 'keep-server') await acceptServerCopy(local);
  if (action === 'keep-mine') context.onKeepMine(local);
  if (action === 'delete' && window.confirm('Êtes-vous sûr de vouloir supprimer ce compte-rendu d\'activité ? Ceci affectera vos statistiques.')) {
    await deleteCra(context.owner, local);
    context.onDeleted();
  }
  await renderHistory();
}

/** Build the view once per session. @param {{owner, ref, onEdit, onKeepMine, onDeleted}} ctx */
export function mountHistory(ctx) {
  context = ctx;
  const root = $('[data-view="historique"]');
  if (root.dataset.mounted) return;
  root.dataset.mounted = 'oui';
  root.innerHTML = `<h1>Historique des accompagnements</h1><p data-field="total"></p>${filtersMarkup(ctx.ref)}
    <ul class="app-cras" data-list="cras"></ul>
    <nav class="app-pages" aria-label="Pagination"><button class="fr-btn fr-btn--sm fr-btn--secondary" type="button" data-page="-1">Page précédente</button>
      <span data-field="pages"></span><button class="fr-btn fr-btn--sm fr-btn--secondary" type="button" data-page="1">Page suivante</button></nav>`;
  $('[data-form="filtres"]', root).addEventListener('input', () => { page = 1; renderHistory(); });
  $$('[data-page]', root).forEach((b) => b.addEventListener('click', () => { page = Math.max(1, page + Number(b.dataset.page)); renderHistory(); }));
  root.addEventListener('click', onAction);
}
