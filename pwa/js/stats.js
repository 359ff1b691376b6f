/** "Mes statistiques": the server's figures for a period; the last version readable offline. */
import { call } from './api.js';
import { getMeta, setMeta } from './db.js';
import { $, esc, frDate, today } from './dom.js';

let owner = null;

function firstOfMonth() {
  return `${today().slice(0, 8)}01`;
}

let shownUrls = [];
const EXPORTS = [['pdf', 'Rapport PDF'], ['resume.csv', 'Résumé CSV'], ['cras.csv', 'Mes CRA (CSV, une ligne par CRA)'], ['xlsx', 'Classeur Excel']];

/** Download an export of the chosen period with the session's token. */
async function download(root, format) {
  const form = $('[data-form="periode"]', root);
  const status = $('[data-field="export-status"]', root);
  status.textContent = 'Préparation du fichier…';
  try {
    const { blob, filename } = await call(`/statistiques/conseiller/export/${format}?du=${form.elements.du.value}&au=${form.elements.au.value}`, { as: 'file' });
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = filename;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
    status.textContent = `Fichier téléchargé : ${filename}`;
  } catch {
    status.textContent = 'Export impossible pour le moment : il faut du réseau.';
  }
}

/** Images are fetched with the session's token, then kept as blobs for offline reading. */
async function fetchCharts(graphiques) {
  return Promise.all((graphiques || []).map(async (g) => ({
    ...g, image: await call(g.url.replace(/^\/api/, ''), { as: 'blob' }),
  })));
}

function render(root, saved, offline) {
  shownUrls.forEach((url) => URL.revokeObjectURL(url));
  shownUrls = [];
  const { figures, du, au } = saved.stats;
  const rows = figures.map((f) => `<div class="fr-col-6 fr-col-md-4"><div class="fr-tile fr-tile--sm app-figure">
    <p class="app-figure__value">${esc(f.valeur)}</p><p class="app-figure__label">${esc(f.libelle)}</p></div></div>`).join('');
  const charts = (saved.charts || []).map((g) => {
    const url = URL.createObjectURL(g.image);
    shownUrls.push(url);
    return `<figure class="fr-content-media app-chart"><img src="${url}" alt="" class="fr-responsive-img">
      <figcaption class="fr-content-media__caption"><strong>${esc(g.titre)}</strong> – ${esc(g.alternative)}</figcaption></figure>`;
  }).join('');
  $('[data-field="stats"]', root).innerHTML = `
    <p class="fr-text--sm" data-field="stats-date">${offline ? 'Hors ligne : ' : ''}données du ${frDate(du)} au ${frDate(au)}, mises à jour le ${frDate(saved.at)} à ${saved.at.slice(11, 16)}.</p>
    <div class="fr-grid-row fr-grid-row--gutters">${rows}</div>${charts}`;
}

let loads = 0; // only the latest period asked for is drawn

/** The figures as soon as they come, then the charts; each version kept for offline reading. */
async function load(root) {
  const form = $('[data-form="periode"]', root);
  const du = form.elements.du.value;
  const au = form.elements.au.value;
  const mine = ++loads;
  let stats;
  try {
    stats = await call(`/statistiques/conseiller?du=${du}&au=${au}`);
  } catch {
    if (mine !== loads) return;
    const saved = await getMeta(`stats:${owner}`);
    if (saved) render(root, saved, true);
    else $('[data-field="stats"]', root).innerHTML = '<p>Statistiques indisponibles hors ligne : elles s\'afficheront à la prochaine connexion.</p>';
    return;
  }
  if (mine !== loads) return;
  // Each version is stored before it is drawn: what the user has seen is readable offline.
  const saved = { stats, charts: [], at: new Date().toISOString() };
  await setMeta(`stats:${owner}`, saved);
  render(root, saved, false);
  try {
    saved.charts = await fetchCharts(stats.graphiques);
  } catch {
    return; // the figures stay, without charts until the next connection
  }
  if (mine !== loads) return;
  await setMeta(`stats:${owner}`, saved);
  render(root, saved, false);
}

/** Build and fill the view. @param {string} user */
export function showStats(user) {
  owner = user;
  const root = $('[data-view="statistiques"]');
  if (!root.firstChild) {
    root.innerHTML = `<h1>Mes statistiques</h1>
      <form data-form="periode" class="app-filters">
        <div class="fr-input-group"><label class="fr-label" for="s-du">Du</label><input class="fr-input" type="date" id="s-du" name="du" min="2020-01-01"></div>
        <div class="fr-input-group"><label class="fr-label" for="s-au">Au</label><input class="fr-input" type="date" id="s-au" name="au"></div>
        <button class="fr-btn fr-btn--sm" type="submit">Afficher</button>
      </form><div data-field="stats" aria-live="polite"></div>
      <h2 class="fr-h5 fr-mt-3w">Exporter ces statistiques</h2>
      <ul class="fr-btns-group fr-btns-group--inline-sm fr-btns-group--sm">${EXPORTS.map(([format, label]) => `<li><button class="fr-btn fr-btn--secondary" type="button" data-export="${format}">${label}</button></li>`).join('')}</ul>
      <p class="fr-text--sm" data-field="export-status" role="status" aria-live="polite"></p>`;
    const form = $('[data-form="periode"]', root);
    form.elements.du.value = firstOfMonth();
    form.elements.au.value = today();
    form.addEventListener('submit', (event) => { event.preventDefault(); load(root); });
    root.addEventListener('click', (event) => {
      const button = event.target.closest('[data-export]');
      if (button) download(root, button.dataset.export);
    });
  }
  return load(root);
}
