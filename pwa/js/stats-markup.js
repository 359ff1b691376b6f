/**
 * « Mes statistiques » drawn in the page from the indicators: key figures and bar charts in
 * HTML at the width they are shown, text at the page's size (no image scaled down).
 */
import { esc } from './dom.js';

const MOIS = ['janv.', 'févr.', 'mars', 'avr.', 'mai', 'juin', 'juil.', 'août', 'sept.', 'oct.', 'nov.', 'déc.'];
const number = (value) => new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 2 }).format(value);

/** (label, value) pairs of a chart, as the server draws them (server/services/graphiques.py). */
function linesOf(nom, indicateurs) {
  const lines = indicateurs[nom] || [];
  if (nom === 'temps') return lines.map((l) => [l.libelle, l.heures]);
  if (nom === 'themes') return lines.filter((l) => l.nombre).map((l) => [l.libelle, l.nombre]);
  if (nom === 'evolution') return lines.map((l) => [`${MOIS[Number(l.cle.slice(5)) - 1]} ${l.cle.slice(2, 4)}`, l.nombre]);
  return lines.map((l) => [l.libelle, l.nombre]);
}

/** One chart: its title and one bar per line, the value written after it. */
function chartMarkup({ nom, titre }, indicateurs) {
  const lines = linesOf(nom, indicateurs);
  const max = Math.max(0, ...lines.map(([, v]) => v));
  const unit = nom === 'temps' ? ' h' : '';
  const bars = max ? lines.map(([label, value]) => `<li class="app-bars__line"><span class="app-bars__label">${esc(label)}</span>
      <span class="app-bars__track"><svg class="app-bars__bar" viewBox="0 0 100 1" preserveAspectRatio="none" aria-hidden="true" focusable="false"><rect width="${Math.max(0.5, (100 * value) / max).toFixed(1)}" height="1"></rect></svg>
      <span class="app-bars__value">${number(value)}${unit}</span></span></li>`).join('')
    : '<li>Aucune donnée sur cette période.</li>';
  return `<figure class="app-chart" data-chart="${esc(nom)}"><figcaption class="fr-text--bold">${esc(titre)}</figcaption>
    <ul class="app-bars">${bars}</ul></figure>`;
}

/** The key figures and the charts of a statistics answer. */
export function statsMarkup(stats) {
  const figures = stats.figures.map((f) => `<li class="app-figure"><p class="app-figure__value">${esc(f.valeur)}</p>
    <p class="app-figure__label">${esc(f.libelle)}</p></li>`).join('');
  const charts = (stats.graphiques || []).map((g) => chartMarkup(g, stats.indicateurs || {})).join('');
  return `<ul class="app-figures">${figures}</ul>${charts}`;
}
