/**
 * The communes of France offline: /data/communes.json (built by pwa/tools/build-communes.mjs from
 * the official package) searched exactly like the server's territoires.search_communes.
 */

const COMMUNES_URL = '/data/communes.json';
const SEARCH_LIMIT = 20;
const PRECACHE_WAIT_MS = 15000;
const ABBREVIATIONS = new Map([['saint', 'st'], ['sainte', 'ste']]);

let loading = null;

/**
 * A name as a search key, the same as server.services.territoires.normalize: accents stripped
 * (NFKD, non-ASCII dropped), lower case, words split on anything but [a-z0-9], 'saint' → 'st',
 * 'sainte' → 'ste', joined by one space.
 * @param {string} text
 * @returns {string}
 */
export function normalize(text) {
  return words(text).map((word) => ABBREVIATIONS.get(word) || word).join(' ');
}

function words(text) {
  const ascii = text.normalize('NFKD').replace(/\P{ASCII}/gu, '').toLowerCase();
  return ascii.match(/[a-z0-9]+/g) || [];
}

/**
 * The name prefixes a typed text stands for, as territoires.search_prefixes: "saint" is a whole
 * word ("st "), a started "sain" also means "st " and "ste ".
 * @param {string} text @returns {string[]}
 */
export function searchPrefixes(text) {
  const all = words(text);
  if (!all.length) return [];
  const head = all.slice(0, -1).map((word) => ABBREVIATIONS.get(word) || word).join(' ');
  const last = all[all.length - 1];
  const joined = (tail) => `${head} ${tail}`.trim();
  if (ABBREVIATIONS.has(last)) return [`${joined(ABBREVIATIONS.get(last))} `];
  const prefixes = [joined(last)];
  if (last.length >= 3) {
    ABBREVIATIONS.forEach((short, word) => { if (word.startsWith(last)) prefixes.push(`${joined(short)} `); });
  }
  return prefixes;
}

/** The département of an INSEE code: two characters (2A, 2B included), three overseas. */
function departementOf(code) {
  return code.startsWith('97') ? code.slice(0, 3) : code.slice(0, 2);
}

/** The rattachement of each row ('' for a commune actuelle), from the sparse column. */
function decodeRattachements(column, count) {
  const rattachements = new Array(count).fill('');
  let row = 0;
  (column ? column.split(',') : []).forEach((entry) => {
    row += Number(entry.slice(0, -5));
    rattachements[row] = entry.slice(-5);
  });
  if (row >= count) throw new Error('La liste des communes est incomplète.');
  return rattachements;
}

/**
 * The rows of /data/communes.json (format 2, columns: see pwa/tools/build-communes.mjs).
 * @param {{count: number, codes: string, noms: string, populations: string, codesPostaux: string,
 *   rattachements?: string}} json
 * @returns {Array<[string, string, number, string[], string]>} [code, nom, population, its own
 *   postal codes, the code of the commune it is part of ('' for a commune actuelle)]
 */
export function decodeCommunes({ count, codes, noms, populations, codesPostaux, rattachements }) {
  const codeList = codes.split(',');
  const nomList = noms.split('\n');
  const populationList = populations.split(',');
  const postalList = codesPostaux.split(';');
  if ([codeList, nomList, populationList, postalList].some((column) => column.length !== count)) {
    throw new Error('La liste des communes est incomplète.');
  }
  const rattachementList = decodeRattachements(rattachements, count);
  const rows = [];
  let departement = '';
  let number = 0;
  let postal = 0;
  for (let i = 0; i < count; i += 1) {
    const token = codeList[i];
    let code;
    if (token.length === 5) {
      code = token;
      departement = departementOf(code);
      number = Number(code.slice(departement.length));
    } else {
      number += Number(token);
      code = departement + String(number).padStart(5 - departement.length, '0');
    }
    const cps = postalList[i] ? postalList[i].split(' ').map((delta) => {
      postal += Number(delta);
      return String(postal).padStart(5, '0');
    }) : [];
    rows.push([code, nomList[i], Number(populationList[i]), cps, rattachementList[i]]);
  }
  return rows;
}

/**
 * Prepare the search index from the content of /data/communes.json. Each commune keeps its own
 * postal codes (`codesPostaux`, what a postal code search walks) and those it is proposed with
 * (`proposes`): its own, or for a commune déléguée / associée, which has none in the official
 * package, its commune's (as server.services.territoires.codes_postaux).
 * @param {{version: string}} json format 2 (see decodeCommunes)
 * @returns {{version: string, communes: Array<object>}}
 */
export function buildIndex(json) {
  const communes = decodeCommunes(json).map(([code, nom, population, codesPostaux, rattachement]) => ({
    code,
    nom,
    population,
    codesPostaux,
    rattachement,
    key: normalize(nom),
    departement_code: departementOf(rattachement || code),
  }));
  const byCode = new Map(communes.map((commune) => [commune.code, commune]));
  communes.forEach((commune) => {
    const owner = !commune.codesPostaux.length && byCode.get(commune.rattachement);
    commune.proposes = owner ? owner.codesPostaux : commune.codesPostaux;
  });
  return { version: json.version, communes };
}

/**
 * The form's lookup: INSEE code → {nom, codes_postaux} with the postal codes it may be picked
 * with (rules.js checks a CRA's commune against it, as the server does).
 * @param {{communes: Array<object>}} index from loadCommunes() or buildIndex()
 * @returns {Map<string, {nom: string, codes_postaux: string[]}>}
 */
export function communesByCode(index) {
  return new Map(index.communes.map((c) => [c.code, { nom: c.nom, codes_postaux: c.proposes }]));
}

/**
 * On a first visit, wait (a while at most) for the service worker being installed: its
 * precache downloads the index, which the page then reads from it instead of a second time.
 */
async function precached() {
  const container = globalThis.navigator && navigator.serviceWorker;
  if (!container || container.controller) return;
  const registration = await container.getRegistration();
  if (!registration || !(registration.installing || registration.waiting)) return;
  await new Promise((resolve) => {
    container.addEventListener('controllerchange', resolve, { once: true });
    setTimeout(resolve, PRECACHE_WAIT_MS);
  });
}

/**
 * The commune index, fetched once (the service worker serves it offline); a failed load is
 * retried at the next call.
 * @returns {Promise<{version: string, communes: Array<object>}>}
 */
export async function loadCommunes() {
  loading ??= precached().then(() => fetch(COMMUNES_URL))
    .then((response) => {
      if (!response.ok) throw new Error('La liste des communes est indisponible.');
      return response.json();
    })
    .then(buildIndex)
    .catch((error) => {
      loading = null;
      throw error;
    });
  return loading;
}

const byCodePoint = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Communes whose postal code (digits) or normalized name starts with the text, one line per
 * postal code, most populated first, then by name and postal code. A commune déléguée /
 * associée is found by its name, with its commune's postal codes.
 * @param {{communes: Array<object>}} index from loadCommunes() or buildIndex()
 * @param {string} text what the user typed
 * @param {number} [limit]
 * @returns {Array<{code: string, nom: string, code_postal: string, departement_code: string}>}
 */
export function searchCommunes(index, text, limit = SEARCH_LIMIT) {
  const query = text.trim();
  const lines = [];
  if (/^[0-9]+$/.test(query)) {
    for (const commune of index.communes) {
      for (const codePostal of commune.codesPostaux) {
        if (codePostal.startsWith(query)) lines.push([commune, codePostal]);
      }
    }
  } else {
    const prefixes = searchPrefixes(query);
    if (!prefixes.length) return [];
    for (const commune of index.communes) {
      if (prefixes.some((prefix) => commune.key.startsWith(prefix))) commune.proposes.forEach((cp) => lines.push([commune, cp]));
    }
  }
  lines.sort(([a, cpA], [b, cpB]) => b.population - a.population || byCodePoint(a.nom, b.nom)
    || byCodePoint(cpA, cpB));
  return lines.slice(0, limit).map(([{ code, nom, departement_code: departementCode }, codePostal]) => (
    { code, nom, code_postal: codePostal, departement_code: departementCode }));
}
