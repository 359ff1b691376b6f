// Build pwa/data/communes.json, the offline commune index of the CRA form, from the official
// @etalab/decoupage-administratif package: current communes of metropolitan France and the DROM,
// then the arrondissements municipaux (Paris, Lyon, Marseille) and communes déléguées / associées
// attached to one of them; the same selection as server/services/territoires.py import_territoires.
//
// Shape (format 2, columns in INSEE code order, made to compress well; communes-index.js reads
// it back): {"version": "<package version>", "format": 2, "count": n,
//   "codes": first code of each département in full, then the difference of the number that
//            follows the département with the previous code's ("01001,1,2,1,…,02001,1,…"),
//   "noms": the names, one a line,
//   "populations": "860,270,…",
//   "codesPostaux": per commune, its postal codes as differences from the previous postal code
//                   of the file (space-separated), communes separated by ";",
//   "rattachements": the rows that are part of a commune (an arrondissement, a commune déléguée or
//                    associée), each as the number of rows since the previous one (from the
//                    start for the first) followed by the 5-character code of its commune:
//                    "3701187,12401262,…" (added to format 2: an older reader ignores it)}
// The département is not stored: the app derives it from the INSEE code, or for a row that is part
// of a commune, from its commune's (see communes-index.js).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PACKAGE = join(ROOT, 'node_modules', '@etalab', 'decoupage-administratif');
const OUTPUT = join(ROOT, 'pwa', 'data', 'communes.json');
const ZONES = new Set(['metro', 'drom']);

const read = (path) => JSON.parse(readFileSync(path, 'utf8'));

const { version } = read(join(PACKAGE, 'package.json'));
const departements = new Set(
  read(join(PACKAGE, 'data', 'departements.json')).filter((d) => ZONES.has(d.zone)).map((d) => d.code),
);
const listed = read(join(PACKAGE, 'data', 'communes.json')).filter((c) => departements.has(c.departement));
const actuelles = new Set(listed.filter((c) => c.type === 'commune-actuelle').map((c) => c.code));
/** The commune actuelle an entry is part of ('' for one). */
const rattachementOf = (c) => {
  if (c.type === 'commune-actuelle') return '';
  return c.type === 'arrondissement-municipal' ? c.commune : c.chefLieu;
};
// A commune nouvelle's chef-lieu is listed again as a commune déléguée under the commune's own
// code: that code stays the commune's.
const communes = listed
  .filter((c) => c.type === 'commune-actuelle'
    || (!actuelles.has(c.code) && actuelles.has(rattachementOf(c))))
  .map((c) => {
    // A few communes associées lie across a département line: theirs is their commune's.
    const departementCode = rattachementOf(c) || c.code;
    const derived = departementCode.startsWith('97') ? departementCode.slice(0, 3) : departementCode.slice(0, 2);
    if (derived !== c.departement) throw new Error(`${c.code}: département ${c.departement}, not ${derived}`);
    return [c.code, c.nom, c.population || 0, [...new Set(c.codesPostaux || [])].sort(), rattachementOf(c)];
  })
  .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** The columns of format 2 (see the top of this file). */
function encode(rows) {
  const codes = [];
  const postal = [];
  let departement = null;
  let number = 0;
  let previousPostal = 0;
  const rattachements = [];
  let sincePrevious = 0;
  for (const [code, , , codesPostaux, rattachement] of rows) {
    if (rattachement) {
      rattachements.push(`${sincePrevious}${rattachement}`);
      sincePrevious = 0;
    }
    sincePrevious += 1;
    const dep = code.startsWith('97') ? code.slice(0, 3) : code.slice(0, 2);
    const next = Number(code.slice(dep.length));
    if (dep !== departement || next <= number) codes.push(code);
    else codes.push(String(next - number));
    departement = dep;
    number = next;
    postal.push(codesPostaux.map((cp) => {
      const delta = Number(cp) - previousPostal;
      previousPostal = Number(cp);
      return String(delta);
    }).join(' '));
  }
  return {
    version,
    format: 2,
    count: rows.length,
    codes: codes.join(','),
    noms: rows.map(([, nom]) => nom).join('\n'),
    populations: rows.map(([, , population]) => population).join(','),
    codesPostaux: postal.join(';'),
    rattachements: rattachements.join(','),
  };
}

mkdirSync(dirname(OUTPUT), { recursive: true });
// Write then rename, so an interrupted build never leaves a truncated file that make trusts.
writeFileSync(`${OUTPUT}.tmp`, JSON.stringify(encode(communes)));
renameSync(`${OUTPUT}.tmp`, OUTPUT);
const parties = communes.filter((row) => row[4]).length;
console.log(`pwa/data/communes.json : ${communes.length - parties} communes, ${parties} arrondissements `
  + `et communes déléguées ou associées (découpage administratif ${version})`);
