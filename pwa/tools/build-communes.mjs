// Build pwa/data/communes.json, the offline commune index of the CRA form, from the official
// @etalab/decoupage-administratif package: current communes of metropolitan France and the DROM,
// the same selection as server/services/territoires.py import_territoires.
//
// Shape: {"version": "<package version>", "communes": [[code, nom, population, [postal codes]]]}
// The département is not stored: the app derives it from the INSEE code (see communes-index.js).
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
const communes = read(join(PACKAGE, 'data', 'communes.json'))
  .filter((c) => c.type === 'commune-actuelle' && departements.has(c.departement))
  .map((c) => {
    const derived = c.code.startsWith('97') ? c.code.slice(0, 3) : c.code.slice(0, 2);
    if (derived !== c.departement) throw new Error(`${c.code}: département ${c.departement}, not ${derived}`);
    return [c.code, c.nom, c.population || 0, [...new Set(c.codesPostaux || [])].sort()];
  });

mkdirSync(dirname(OUTPUT), { recursive: true });
// Write then rename, so an interrupted build never leaves a truncated file that make trusts.
writeFileSync(`${OUTPUT}.tmp`, JSON.stringify({ version, communes }));
renameSync(`${OUTPUT}.tmp`, OUTPUT);
console.log(`pwa/data/communes.json : ${communes.length} communes (découpage administratif ${version})`);
