"""The app's offline commune search (pwa/js/communes-index.js) answers like the server's."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from server.models import Commune
from server.services import territoires

# The database changes nothing here: SQLite only (see pytest.ini).
pytestmark = pytest.mark.one_database

ROOT = Path(__file__).resolve().parent.parent
MODULE = ROOT / "pwa" / "js" / "communes-index.js"
DATA = ROOT / "pwa" / "data" / "communes.json"
BUILD = ROOT / "pwa" / "tools" / "build-communes.mjs"
TRICKY_NAMES = [
    "Saint-Étienne",
    "SAINT  ETIENNE",
    "st-étien",
    "Sainte-Marie-aux-Mines",
    "Sainteny",
    "L'Haÿ-les-Roses",
    "Œuilly",
    "Châlons-en-Champagne",
    "Évry-Courcouronnes",
    "Le Mont-Saint-Michel",
    "Les Trois-Îlets",
    "Saint-Denis (La Réunion)",
    "1er arrondissement",
    "ﬁnistère",
    "Ｐａｒｉｓ",
    "İzmir",
    "Straße",
    "Øster",
    "½ lieue",
    "x² ǅ Ⅻ",
    "\tsaint\nsainte ",
    "",
    "  -- ",
    "constructor",
    "__proto__ toString",
    "Saint-Saint",
    "SAINTE-SAINT-st",
]
QUERIES = [
    "st etienne",
    "saint",
    "sain",
    "Sainte-M",
    "saint e",
    "42230",
    "villeurb",
    "ajacc",
    "Saint-Étienne",
    "l'hay",
    "69",
    "97",
    "2a",
    "paris",
    "sainte m",
    "x",
    "",
    "   ",
]
# The codes that are part of a commune: arrondissements municipaux, communes déléguées / associées.
PARTS_QUERIES = ["Paris 14e", "75014", "lyon 2", "69002", "marseille 1er", "13001", "Ruffieu"]
HARNESS = """
import { readFileSync } from 'node:fs';
import { buildIndex, normalize, searchCommunes } from './communes-index.mjs';

const { names, queries, data } = JSON.parse(readFileSync(0, 'utf8'));
const index = buildIndex(JSON.parse(readFileSync(data, 'utf8')));
console.log(JSON.stringify({
  names: names.map(normalize),
  communes: index.communes.map((c) => [c.nom, c.key]),
  rows: index.communes.map((c) => [c.code, c.nom, c.population, c.codesPostaux,
    c.departement_code]),
  searches: queries.map((query) => searchCommunes(index, query)),
  parts: index.communes.filter((c) => c.rattachement)
    .map((c) => [c.code, c.rattachement, c.proposes]),
}));
"""


@pytest.fixture(scope="module")
def js(tmp_path_factory):
    """What the JavaScript module answers for TRICKY_NAMES, every commune name and QUERIES."""
    node = shutil.which("node")
    assert node, "node is needed (it builds the commune index)"
    if not DATA.exists():  # `make` builds it; a bare pytest run builds it the same way
        subprocess.run([node, str(BUILD)], check=True, capture_output=True)
    folder = tmp_path_factory.mktemp("communes-index")
    # A .mjs copy: Node then loads the browser module as ES module whatever its version.
    shutil.copy(MODULE, folder / "communes-index.mjs")
    (folder / "harness.mjs").write_text(HARNESS)
    question = json.dumps(
        {"names": TRICKY_NAMES, "queries": QUERIES + PARTS_QUERIES, "data": str(DATA)}
    )
    run = subprocess.run(
        [node, str(folder / "harness.mjs")],
        input=question,
        text=True,
        capture_output=True,
        check=True,
        timeout=60,
    )
    return json.loads(run.stdout)


def test_js_normalize_gives_the_servers_keys_for_tricky_names(js):
    assert dict(zip(TRICKY_NAMES, js["names"], strict=True)) == {
        name: territoires.normalize(name) for name in TRICKY_NAMES
    }


def test_the_compact_index_decodes_to_every_commune_of_the_database(app, js):
    expected = sorted(
        [
            c.code,
            c.nom,
            c.population,
            sorted(cp.code_postal for cp in c.codes_postaux),
            c.departement_code,
        ]
        for c in Commune.query.all()
    )
    assert sorted(js["rows"]) == expected


def test_the_compact_index_is_a_third_smaller_than_its_rows_as_json(js):
    compact = DATA.read_bytes()
    assert json.loads(compact)["format"] == 2
    rows = json.dumps([row[:4] for row in js["rows"]], ensure_ascii=False, separators=(",", ":"))
    assert len(compact) < 0.7 * len(rows.encode())


def test_js_normalize_gives_the_servers_key_of_every_commune(js):
    assert len(js["communes"]) > 34_000
    assert [key for _, key in js["communes"]] == [
        territoires.normalize(nom) for nom, _ in js["communes"]
    ]


@pytest.mark.parametrize("query", QUERIES)
def test_js_search_gives_the_servers_results(app, js, query):
    expected = [
        {
            "code": commune.code,
            "nom": commune.nom,
            "code_postal": code_postal,
            "departement_code": commune.departement_code,
        }
        for commune, code_postal in territoires.search_communes(query)
    ]
    assert js["searches"][QUERIES.index(query)] == expected


def test_search_of_a_shared_postal_code_lists_each_commune(js):
    found = js["searches"][QUERIES.index("42230")]
    assert [(c["nom"], c["departement_code"]) for c in found] == [
        ("Saint-Étienne", "42"),
        ("Roche-la-Molière", "42"),
    ]
    assert js["searches"][QUERIES.index("ajacc")][0] == {
        "code": "2A004",
        "nom": "Ajaccio",
        "code_postal": "20000",
        "departement_code": "2A",
    }


def _server_search(query):
    return [
        {
            "code": commune.code,
            "nom": commune.nom,
            "code_postal": code_postal,
            "departement_code": commune.departement_code,
        }
        for commune, code_postal in territoires.search_communes(query)
    ]


@pytest.mark.parametrize("query", PARTS_QUERIES)
def test_js_search_of_arrondissements_and_communes_deleguees_gives_the_servers(app, js, query):
    assert js["searches"][len(QUERIES) + PARTS_QUERIES.index(query)] == _server_search(query)


def test_paris_14e_is_found_offline_by_name_and_by_postal_code(js):
    def found(query):
        return [
            (c["code"], c["nom"], c["code_postal"], c["departement_code"])
            for c in js["searches"][len(QUERIES) + PARTS_QUERIES.index(query)]
        ]

    assert found("Paris 14e") == [("75114", "Paris 14e Arrondissement", "75014", "75")]
    assert found("75014") == [
        ("75056", "Paris", "75014", "75"),
        ("75114", "Paris 14e Arrondissement", "75014", "75"),
    ]
    assert ("01330", "Ruffieu", "01260", "01") in found("Ruffieu")


def test_the_index_attaches_each_part_to_its_commune_as_the_server(app, js):
    expected = sorted(
        [c.code, c.rattachement_code, territoires.codes_postaux(c)]
        for c in Commune.query.filter(Commune.rattachement_code.is_not(None))
    )
    assert sorted(js["parts"]) == expected
    assert len(expected) > 2000
    parts = {code: (rattachement, proposes) for code, rattachement, proposes in js["parts"]}
    assert parts["75114"] == ("75056", ["75014"])
    assert parts["01330"] == ("01187", ["01260"])  # a commune déléguée: its commune's codes
