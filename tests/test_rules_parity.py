"""The app's rules (pwa/js/rules.js) give the server's exact French messages, case by case."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from server.models.cra import SOUS_THEMES
from server.services import territoires
from tests.cra_payloads import atelier_payload, cra_payload
from tests.test_cras import ATELIER_RULES, RULES, errors_of

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
