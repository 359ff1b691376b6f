/**
 * The CRA form's rules, with the server's exact French messages (server/schemas/cras.py).
 * Pure functions: tests run them under Node against the server's own cases.
 */

const FIRST_DAY = '2020-01-01';
const MAX = 100;
const AGE_KEYS = ['moins12ans', 'de12a18ans', 'de18a35ans', 'de35a60ans', 'plus60ans'];
const STATUT_KEYS = ['etudiant', 'sansEmploi', 'enEmploi', 'retraite', 'heterogene'];

const sum = (group) => Object.values(group || {}).reduce((total, n) => total + (Number(n) || 0), 0);

function add(errors, field, message) {
  (errors[field] ||= []).push(message);
}

function checkDate(cra, today, errors) {
  if (!cra.date) add(errors, 'date', 'Ce champ est obligatoire.');
  else if (cra.date < FIRST_DAY) add(errors, 'date', 'La date ne peut pas être antérieure au 01/01/2020.');
  else if (cra.date > today) add(errors, 'date', 'La date ne peut pas être dans le futur.');
}

function checkPlace(cra, { lieux = {}, communes } = {}, errors) {
  if (!cra.canal) return add(errors, 'canal', 'Ce champ est obligatoire.');
  const lieu = cra.lieu_activite_id == null ? null : lieux[cra.lieu_activite_id];
  if (cra.lieu_activite_id != null && !lieu) {
    return add(errors, 'lieu_activite_id', "Ce lieu d'activité ne fait pas partie des vôtres.");
  }
  if (cra.canal === 'rattachement' && !lieu) return add(errors, 'lieu_activite_id', 'Choisissez votre lieu d\'activité.');
  const fromLieu = lieu && (cra.canal === 'rattachement' || !cra.code_commune);
  const code = fromLieu ? lieu.code_commune : cra.code_commune;
  const postal = fromLieu ? lieu.code_postal : cra.code_postal;
  if (!code || !postal) return add(errors, 'code_commune', 'Choisissez la commune dans la liste proposée.');
  if (!communes) return undefined; // the server checks the commune when the index is not loaded
  const commune = communes.get(code);
  if (!commune) add(errors, 'code_commune', 'Commune inconnue : choisissez-la dans la liste proposée.');
  else if (!commune.codes_postaux.includes(postal)) {
    add(errors, 'code_postal', `Le code postal ${postal.slice(0, 5)} ne correspond pas à la commune ${commune.nom}.`);
  }
  return undefined;
}

function checkCounts(cra, errors) {
  const n = cra.nb_participants;
  if (!Number.isInteger(n) || n < 1 || n > MAX) {
    return add(errors, 'nb_participants', 'Saisissez un nombre de participants entre 1 et 100.');
  }
  if (['individuel', 'ponctuel'].includes(cra.activite) && n !== 1) {
    return add(errors, 'nb_participants', 'Un accompagnement individuel ou une demande ponctuelle concerne 1 personne.');
  }
  if ((cra.nb_recurrents || 0) > n) {
    add(errors, 'nb_recurrents', 'Le nombre de personnes déjà accompagnées ne peut pas dépasser le nombre de participants.');
  }
  [['age', "tranches d'âge"], ['statut', 'statuts']].forEach(([key, label]) => {
    const total = sum(cra[key]);
    if (total !== n) add(errors, key, `La somme des ${label} (${total}) doit être égale au nombre de participants (${n}).`);
  });
  if (sum(cra.suivi) > n) {
    add(errors, 'suivi', 'Le nombre d\'accompagnements poursuivis ne peut pas dépasser le nombre de participants.');
  }
  return undefined;
}

function checkThemes(cra, sousThemes, errors) {
  const themes = cra.themes || [];
  if (!themes.length) add(errors, 'themes', 'Choisissez au moins un thème.');
  else if (new Set(themes).size !== themes.length) add(errors, 'themes', "Chaque thème ne peut être choisi qu'une fois.");
  Object.entries(cra.sous_themes || {}).forEach(([theme, precisions]) => {
    const allowed = Object.keys(sousThemes[theme] || {});
    if (!themes.includes(theme) || precisions.some((p) => !allowed.includes(p)) || new Set(precisions).size !== precisions.length) {
      errors.sous_themes = ['Précision inconnue ou sans son thème coché.'];
    }
  });
  const note = cra.annotation;
  if (note != null && (note.length < 3 || note.length > 35)) add(errors, 'annotation', "L'annotation doit faire entre 3 et 35 caractères.");
}

function checkDuree(cra, errors) {
  const minutes = cra.duree_minutes;
  if (!cra.duree) add(errors, 'duree', 'Ce champ est obligatoire.');
  else if (cra.duree === '60+') {
    if (minutes == null || minutes < 60 || minutes > 480 || minutes % 15) {
      add(errors, 'duree_minutes', 'Indiquez une durée entre 1h00 et 8h00, par pas de 15 minutes.');
    }
  } else if (minutes != null) add(errors, 'duree_minutes', "La durée exacte ne s'indique que pour 1h ou plus.");
}

function checkOrganismes(cra, errors) {
  const organismes = cra.organismes || [];
  const names = organismes.map((o) => o.nom);
  if (organismes.some((o) => !o.nom || o.nom.trim().length < 2 || o.nom.length > 100)) add(errors, 'organismes', "Nom d'organisme : entre 2 et 100 caractères.");
  else if (new Set(names).size !== names.length) add(errors, 'organismes', "Chaque organisme ne peut être indiqué qu'une fois.");
  else if (sum(Object.fromEntries(organismes.map((o, i) => [i, o.nombre]))) !== ((cra.suivi || {}).redirection || 0)) {
    add(errors, 'organismes', 'La somme des personnes réorientées par organisme doit être égale au nombre de redirections.');
  }
}

/**
 * Check a CRA as the server will; returns {field: [French message]} (empty when valid).
 * @param {object} cra the wire form of a CRA
 * @param {{today: string, lieux?: object, communes?: Map, sousThemes?: object}} context
 */
export function validateCra(cra, context) {
  const errors = {};
  checkDate(cra, context.today, errors);
  checkPlace(cra, context, errors);
  if (!cra.activite) add(errors, 'activite', 'Ce champ est obligatoire.');
  checkCounts(cra, errors);
  checkThemes(cra, context.sousThemes || {}, errors);
  checkDuree(cra, errors);
  checkOrganismes(cra, errors);
  return errors;
}

/** The counts that must add up, for live feedback under each group. */
export function breakdownTotals(cra) {
  return { age: sum(cra.age), statut: sum(cra.statut), suivi: sum(cra.suivi) };
}

export { AGE_KEYS, STATUT_KEYS };
