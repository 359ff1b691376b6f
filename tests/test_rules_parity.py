"""The app's rules (pwa/js/rules.js) give the server's exact French messages, case by case."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from marshmallow import ValidationError

from server.models.cra import SOUS_THEMES
from server.services import territoires
from tests.cra_payloads import atelier_payload, cra_payload
from tests.test_cras import ATELIER_RULES, RULES, errors_of, load

# The database changes nothing here: SQLite only (see pytest.ini).
pytestmark = pytest.mark.one_database

RULES_JS = Path(__file__).resolve().parents[1] / "pwa" / "js" / "rules.js"
# Cases the form cannot produce (its widgets only offer valid choices and numbers).
WIDGET_CASES = {
    "unknown canal",
    "legacy theme",
    "unknown duration",
    "unknown field",
    "text as a number",
    "negative count",
    "more than 100 participants",
}
CASES = [
    (name, cra_payload, changes, field)
    for name, changes, field, _ in RULES
    if name not in WIDGET_CASES
] + [
    (name, atelier_payload, changes, field)
    for name, changes, field, _ in ATELIER_RULES
    if name not in WIDGET_CASES
]

HARNESS = """
import { validateCra } from './rules.mjs';
const input = JSON.parse(await new Promise((resolve) => {
  let text = '';
  process.stdin.on('data', (c) => { text += c; });
  process.stdin.on('end', () => resolve(text));
}));
const communes = new Map(Object.entries(input.communes));
const check = (cra) => validateCra(cra, { ...input.context, communes });
console.log(JSON.stringify(input.cases.map(check)));
"""


@pytest.fixture(scope="module")
def node_rules(tmp_path_factory):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node absent")
    folder = tmp_path_factory.mktemp("rules")
    shutil.copy(RULES_JS, folder / "rules.mjs")
    (folder / "harness.mjs").write_text(HARNESS)

    def run(payloads, communes):
        context = {
            "today": "2026-11-23",
            "sousThemes": SOUS_THEMES,
            "lieux": {"7": {"code_commune": "69266", "code_postal": "69100"}},
        }
        body = json.dumps({"cases": payloads, "communes": communes, "context": context})
        done = subprocess.run(
            [node, str(folder / "harness.mjs")],
            input=body,
            text=True,
            capture_output=True,
            check=True,
            timeout=30,
        )
        return json.loads(done.stdout)

    return run


def test_js_rules_give_the_servers_messages(app, node_rules):
    payloads = [build(**changes) for _, build, changes, _ in CASES]
    codes = {p.get("code_commune") for p in payloads if p.get("code_commune")} | {"69266"}
    communes = {}
    for code in codes:
        commune = territoires.commune(code)
        if commune:
            communes[code] = {
                "nom": commune.nom,
                "codes_postaux": [cp.code_postal for cp in commune.codes_postaux],
            }
    js_results = node_rules(payloads, communes)
    for (name, _, _, field), payload, js_errors in zip(CASES, payloads, js_results, strict=True):
        server = errors_of(payload)
        assert js_errors.get(field) == server[field], name
        assert set(js_errors) <= set(server), name


def test_valid_payloads_pass_in_js_too(app, node_rules):
    communes = {"69123": {"nom": "Lyon", "codes_postaux": ["69001", "69002"]}}
    assert node_rules([cra_payload(), atelier_payload()], communes) == [{}, {}]


INDEX_HARNESS = """
import { readFileSync } from 'node:fs';
import { buildIndex, communesByCode } from './communes-index.mjs';
import { validateCra } from './rules.mjs';

const input = JSON.parse(readFileSync(0, 'utf8'));
const communes = communesByCode(buildIndex(JSON.parse(readFileSync(input.data, 'utf8'))));
const check = (cra) => validateCra(cra, { ...input.context, communes });
console.log(JSON.stringify(input.cases.map(check)));
"""
# Arrondissements municipaux and communes déléguées, checked against the app's real index.
PART_CASES = [
    ("75114", "75014", None),
    ("75114", "75001", "Le code postal 75001 ne correspond pas à la commune Paris 14e"),
    ("69382", "69002", None),
    ("13201", "13001", None),
    ("13201", "13002", "ne correspond pas à la commune Marseille 1er Arrondissement"),
    ("01330", "01260", None),  # Ruffieu, served by the postal code of Haut Valromey
    ("01330", "01300", "ne correspond pas à la commune Ruffieu"),
]


def test_js_rules_with_the_apps_index_accept_arrondissements_and_communes_deleguees(app, tmp_path):
    node = shutil.which("node")
    assert node, "node is needed (it builds the commune index)"
    root = RULES_JS.parent
    shutil.copy(RULES_JS, tmp_path / "rules.mjs")
    shutil.copy(root / "communes-index.js", tmp_path / "communes-index.mjs")
    (tmp_path / "harness.mjs").write_text(INDEX_HARNESS)
    payloads = [
        cra_payload(code_commune=code, code_postal=cp, nom_commune="x")
        for code, cp, _ in PART_CASES
    ]
    data = root.parent / "data" / "communes.json"
    question = {"cases": payloads, "data": str(data), "context": {"today": "2026-11-23"}}
    done = subprocess.run(
        [node, str(tmp_path / "harness.mjs")],
        input=json.dumps(question),
        text=True,
        capture_output=True,
        check=True,
        timeout=60,
    )
    for (code, cp, refused), payload, js_errors in zip(
        PART_CASES, payloads, json.loads(done.stdout), strict=True
    ):
        try:
            load(payload)
            server = {}
        except ValidationError as refused_by_server:
            server = refused_by_server.normalized_messages()
        assert js_errors == server, (code, cp)
        if refused is None:
            assert server == {}, (code, cp)
        else:
            assert refused in server["code_postal"][0], (code, cp)
