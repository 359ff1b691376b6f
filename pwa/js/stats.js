/** "Mes statistiques": the server's figures for a period; the last version readable offline. */
import { call } from './api.js';
import { getMeta, setMeta } from './db.js';
import { listCras } from './cras.js';
import { $, esc, frDate, parisDateTime, today } from './dom.js';
import { statsMarkup } from './stats-markup.js';

let owner = null;

function firstOfMonth() {
  return `${today().slice(0, 8)}01`;
}

const EXPORTS = [['pdf', 'Rapport PDF'], ['resume.csv', 'Résumé CSV'], ['cras.csv', 'Mes CRA (CSV, une ligne par CRA)'], ['xlsx', 'Classeur Excel']];

/** Download an export of the chosen period with the session's token. */
async function download(root, format) {
  const form = $('[data-form="periode"]', root);
  const status = $('[data-field="export-status"]', root);
  status.textContent = 'Préparation du fichier…';
  try {
    const { blob, filename } = await call(`/statistiques/conseiller/export/${format}?${query(form)}`, { as: 'file' });
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

function render(root, saved, offline) {
  const { du, au } = saved.stats;
  const [day, time] = parisDateTime(saved.at);
  const commune = saved.commune ? ` à ${esc(saved.commune)}` : '';
  $('[data-field="stats"]', root).innerHTML = `
    <p class="fr-text--sm" data-field="stats-date">${offline ? 'Hors ligne : ' : ''}données du ${frDate(du)} au ${frDate(au)}${commune}, mises à jour le ${day} à ${time}.</p>
    ${statsMarkup(saved.stats)}`;
}

/** The period and commune asked for, as the API's query string. */
function query(form) {
  const params = new URLSearchParams({ du: form.elements.du.value, au: form.elements.au.value });
  const [code, postal] = (form.elements.commune.value || '|').split('|');
  if (code) params.set('code_commune', code);
  if (postal) params.set('code_postal', postal);
  return params.toString();
}

/** The communes of this user's CRAs, for the filter (kept choice if still there). */
async function fillCommunes(form) {
  const select = form.elements.commune;
  const seen = new Map();
  (await listCras(owner)).forEach(({ cra }) => {
    if (cra.code_commune && cra.code_postal) seen.set(`${cra.code_commune}|${cra.code_postal}`, `${cra.code_postal} ${cra.nom_commune || ''}`.trim());
  });
  const chosen = select.value;
  select.innerHTML = `<option value="">Toutes les communes</option>${[...seen].sort((a, b) => a[1].localeCompare(b[1], 'fr'))
    .map(([value, label]) => `<option value="${esc(value)}">${esc(label)}</option>`).join('')}`;
  select.value = seen.has(chosen) ? chosen : '';
}

/** The store changed (a pull brought CRAs filed elsewhere): the filter's communes again, the
 * figures as they are (the user asks for them). */
export function refreshCommunes() {
  const form = $('[data-form="periode"]');
  if (form) fillCommunes(form).catch(() => {});
}

let loads = 0; // only the latest period asked for is drawn

/** The figures and charts of the period and commune; each version kept for offline reading. */
async function load(root) {
  const form = $('[data-form="periode"]', root);
  const mine = ++loads;
  let stats;
  try {
    stats = await call(`/statistiques/conseiller?${query(form)}`);
  } catch {
    if (mine !== loads) return;
    const saved = await getMeta(`stats:${owner}`);
    if (saved) render(root, saved, true);
    else $('[data-field="stats"]', root).innerHTML = '<p>Statistiques indisponibles hors ligne : elles s\'afficheront à la prochaine connexion.</p>';
    return;
  }
  if (mine !== loads) return;
  // Each version is stored before it is drawn: what the user has seen is readable offline.
  const { commune } = form.elements;
  const saved = { stats, at: new Date().toISOString(), commune: commune.value ? commune.selectedOptions[0].textContent : '' };
  await setMeta(`stats:${owner}`, saved);
  render(root, saved, false);
}

/** Build and fill the view. @param {string} user */
export function showStats(user) {
  owner = user;
  const root = $('[data-view="statistiques"]');
  if (!root.firstChild) {
    root.innerHTML = `<h1 class="fr-mb-2w">Mes statistiques</h1>
      <form data-form="periode" class="app-filters">
        <div class="fr-input-group"><label class="fr-label" for="s-du">Du</label><input class="fr-input" type="date" id="s-du" name="du" min="2020-01-01"></div>
        <div class="fr-input-group"><label class="fr-label" for="s-au">Au</label><input class="fr-input" type="date" id="s-au" name="au"></div>
        <div class="fr-select-group"><label class="fr-label" for="s-commune">Commune<span class="fr-hint-text">Code postal et commune de vos CRA</span></label>
          <select class="fr-select" id="s-commune" name="commune"><option value="">Toutes les communes</option></select></div>
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
  return fillCommunes($('[data-form="periode"]', root)).catch(() => {}).then(() => load(root));
}
