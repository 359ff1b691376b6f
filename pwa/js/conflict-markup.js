/**
 * A conflict on a CRA's or a coordination CRA's card: what happened, both versions field by
 * field, and the choices that fit the case (sync/PROTOCOL.md: the client shows both copies).
 */
import { esc, frDate } from './dom.js';

const CRA_FIELDS = [
  ['date', 'Date'], ['canal', 'Canal'], ['lieu_activite_id', "Lieu d'activité"], ['nom_commune', 'Commune'],
  ['activite', "Type d'activité"], ['nb_participants', 'Participants'], ['nb_recurrents', 'Déjà accompagnés'],
  ['age', "Tranches d'âge"], ['statut', 'Statuts'], ['themes', 'Thèmes'], ['sous_themes', 'Précisions'],
  ['annotation', 'Annotation'], ['duree', 'Durée'], ['duree_minutes', 'Durée exacte (minutes)'],
  ['suivi', 'Suivi'], ['organismes', 'Organismes'],
];
const COORDINATION_FIELDS = [
  ['date', 'Date'], ['evenements', 'Événements'], ['partenariats', 'Partenariats'],
  ['accompagnements', 'Accompagnements'], ['communication_heures', 'Communication (heures par semaine)'],
];

function label(choices, key) {
  const value = choices && choices[key];
  return value ? (typeof value === 'string' ? value : value.label) : String(key);
}

const labels = (choices, keys) => (keys || []).map((k) => label(choices, k)).join(', ');

/** One item of a coordination CRA's section, in words; `ref` is the coordination referential. */
const ITEMS = {
  evenements: (e, ref) => `${e.nom} (${label(ref.types_evenement, e.type)}, ${e.date ? frDate(e.date) : '—'} ; organisé par ${labels(ref.organisateurs, e.organisateurs)})`,
  partenariats: (p, ref) => `${p.nom} (${label(ref.types_structure, p.type_structure)} ; ${labels(ref.natures_partenariat, p.natures)})`,
  accompagnements: (a, ref) => `${a.nom_mediateur ? `${a.nom_mediateur}, ` : ''}${a.nom_structure} (${label(ref.types_accompagnement, a.type)}, ${label(ref.types_structure, a.type_structure)} ; problématiques : ${labels(ref.problematiques, a.problematiques)} ; actions : ${labels(ref.actions, a.actions)})`,
};

/** A coordination CRA's field as the user reads it. */
function readableCoordination(name, value, ref) {
  if (name === 'date') return value ? frDate(value) : '—';
  if (name === 'communication_heures') return `${String(value ?? 0).replace('.', ',')} h`;
  return (value || []).map((item) => ITEMS[name](item, ref)).join(' · ') || 'Rien à ajouter';
}

/** A CRA's field as the user reads it. */
function readable(name, value, ref) {
  if (value == null || value === '') return '—';
  if (name === 'date') return frDate(value);
  if (name === 'canal') return label(ref.canaux, value);
  if (name === 'activite') return label(ref.activites, value);
  if (name === 'themes') return value.map((t) => label(ref.themes, t)).join(', ') || '—';
  if (name === 'organismes') return value.map((o) => `${o.nom} (${o.nombre})`).join(', ') || '—';
  if (Array.isArray(value)) return value.join(', ') || '—';
  if (typeof value === 'object') {
    return Object.entries(value).filter(([, v]) => (Array.isArray(v) ? v.length : v)).map(([k, v]) => `${k} : ${Array.isArray(v) ? v.join(', ') : v}`).join(', ') || '—';
  }
  return String(value);
}

/** The case of a conflict: what this phone did and what the server holds. */
export function conflictCase(local) {
  const server = local.server;
  if (!server) return 'unknown';
  if (local.mine === 'delete') return server.deleted ? 'delete-delete' : 'delete-edit';
  return server.deleted ? 'edit-delete' : 'edit-edit';
}

const TEXTS = {
  'edit-edit': 'Ce compte rendu a été modifié entre-temps sur un autre appareil ou dans un autre onglet. Comparez les deux versions et choisissez celle à garder.',
  'delete-edit': 'Vous avez supprimé ce compte rendu sur ce téléphone, mais il a été modifié entre-temps ailleurs. Gardez la version modifiée ou supprimez-le quand même.',
  'edit-delete': 'Vous avez modifié ce compte rendu, mais il a été supprimé entre-temps ailleurs. Acceptez la suppression, ou restaurez-le avec votre version (il sera enregistré comme un nouveau compte rendu).',
  'delete-delete': 'Ce compte rendu a été supprimé ici et ailleurs.',
  unknown: '',
};

const CHOICES = {
  'edit-edit': [['keep-server', 'Garder la version du serveur', ''], ['keep-mine', 'Garder ma version', ' fr-btn--secondary']],
  'delete-edit': [['keep-server', 'Garder la version modifiée', ''], ['delete-anyway', 'Supprimer quand même', ' fr-btn--secondary']],
  'edit-delete': [['keep-server', 'Accepter la suppression', ''], ['restore-mine', 'Restaurer avec ma version', ' fr-btn--secondary']],
  'delete-delete': [['keep-server', 'D\'accord', '']],
  unknown: [['keep-mine', 'Garder ma version', ' fr-btn--secondary']],
};

/** A value in one canonical form: objects' keys sorted, absent and null alike. */
function canonical(value) {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().filter((k) => value[k] != null).map((k) => [k, canonical(value[k])]));
  }
  return value ?? null;
}

const same = (a, b) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

/**
 * The explanation and the two versions, different fields only. @param {object} local a
 * LocalCra in conflict @param {object} ref the referential of its objet: /referentiel.json for
 * a CRA, its `coordination` part for a coordination CRA
 */
export function conflictMarkup(local, ref) {
  const kind = conflictCase(local);
  const server = local.server || {};
  const mine = local.cra || {};
  const coordination = local.objet === 'cra_coordination';
  const show = coordination ? readableCoordination : readable;
  const rows = (coordination ? COORDINATION_FIELDS : CRA_FIELDS).filter(([name]) => !same(mine[name], server[name]))
    // Two columns, the field's name heading its own row: readable on a 360 px phone.
    .map(([name, title]) => `<tbody data-conflict-field="${esc(name)}"><tr><th scope="rowgroup" colspan="2">${esc(title)}</th></tr>
      <tr><td>${local.mine === 'delete' ? '(supprimé)' : esc(show(name, mine[name], ref))}</td>
      <td>${server.deleted ? '(supprimé)' : esc(show(name, server[name], ref))}</td></tr></tbody>`).join('');
  const table = rows && kind !== 'delete-delete' ? `<div class="fr-table fr-table--sm"><table data-conflict="versions">
    <caption class="fr-sr-only">Les deux versions, champ par champ</caption>
    <thead><tr><th scope="col">Ma version (ce téléphone)</th><th scope="col">Version du serveur</th></tr></thead>
    ${rows}</table></div>` : '';
  return `<p class="fr-error-text" data-conflict-case="${kind}">${esc(TEXTS[kind] || local.message || '')}</p>${table}`;
}

/** The buttons of a conflict's choices. */
export function conflictChoices(local) {
  return CHOICES[conflictCase(local)].map(([action, text, style]) => `
      <li><button class="fr-btn fr-btn--sm${style}" type="button" data-action="${action}" data-id="${esc(local.id)}">${text}</button></li>`).join('');
}
