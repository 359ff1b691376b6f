"""The pilotage pages in a real Chromium, desktop size: a structure follows its conseillers,
their charts load, an export downloads with its progress; axe finds nothing serious."""

import re
from pathlib import Path

import pytest

from tests.browser.conftest import DESKTOP, serious_violations
from tests.conftest import PASSWORD
from tests.cra_payloads import atelier_payload, cra_payload, create_op

CHARTS_LOADED = """() => {
  const charts = [...document.querySelectorAll('img[data-graphique]')];
  return charts.length === 8 && charts.every((img) => img.complete && img.naturalWidth > 0);
}"""


def wait_for_charts(page):
    """Scroll to each chart in turn (they load lazily, as they come near the window), then wait
    until all eight are drawn."""
    for chart in page.locator("img[data-graphique]").all():
        chart.scroll_into_view_if_needed()
    page.wait_for_function(CHARTS_LOADED)


@pytest.fixture
def lyon(make_structure, make_user, client, login):
    """A structure in Lyon, its account, a conseiller with three CRAs, a prefet and an admin."""
    structure = make_structure("Mairie de Lyon", "69123", "69001")
    conseiller = make_user("conseiller", structure=structure)
    response = client.post(
        "/api/sync/push",
        headers=login(conseiller),
        json={
            "operations": [
                create_op(cra_payload(date="2026-11-02")),
                create_op(atelier_payload(date="2026-11-05")),
                create_op(cra_payload(date="2026-11-06", activite="ponctuel")),
            ]
        },
    )
    assert {r["status"] for r in response.json["results"]} == {"applied"}
    return {
        "structure": structure,
        "conseiller": conseiller.conseiller,
        "users": {
            "structure": make_user("structure", structure=structure),
            "admin": make_user("admin"),
        },
    }


def log_in(page, base, user, path="/pilotage/"):
    page.goto(base + path)
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def test_structure_follows_a_conseiller_down_to_an_export(desktop, live_server, lyon):
    page = desktop
    page.goto(live_server + "/pilotage/")
    page.get_by_text("Veuillez vous connecter pour accéder à cette page.").wait_for()
    log_in(page, live_server, lyon["users"]["structure"])
    page.get_by_role("heading", name="Conseillers de Mairie de Lyon").wait_for()
    conseiller = lyon["conseiller"]
    row = page.get_by_role("row").filter(has_text=conseiller.nom)
    assert row.get_by_role("cell").nth(6).inner_text() == "3"
    row.get_by_role("link", name=f"Détails de {conseiller.prenom} {conseiller.nom}").click()
    page.get_by_role("heading", name=f"{conseiller.prenom} {conseiller.nom}").wait_for()
    page.get_by_role("link", name="Voir les statistiques d'accompagnement").click()
    page.get_by_role(
        "heading", level=1, name=f"Statistiques {conseiller.prenom} {conseiller.nom}"
    ).wait_for()
    page.get_by_label("Du", exact=True).fill("2026-11-01")
    page.get_by_label("Au", exact=True).fill("2026-11-30")
    page.get_by_role("button", name="Afficher").click()
    page.get_by_role("heading", level=1, name="01/11/2026 - 30/11/2026").wait_for()
    wait_for_charts(page)
    assert page.locator('[data-figure="cra_enregistres"] .app-figure__value').inner_text() == "3"
    themes = page.locator('[data-alternative="themes"]')
    assert themes.is_visible() and "Courriels : 2" in themes.inner_text()

    page.evaluate("""() => {
      window.etats = [];
      const region = document.querySelector('[data-telechargement-etat]');
      new MutationObserver(() => window.etats.push(region.textContent))
        .observe(region, {childList: true, characterData: true, subtree: true});
    }""")
    with page.expect_download() as info:
        page.get_by_role("link", name="Une ligne par CRA (CSV)").click()
    download = info.value
    assert download.url.startswith("blob:")  # read by the page's script, not the plain link
    assert download.suggested_filename.startswith("Statistiques_")
    assert "_01-11-2026_30-11-2026" in download.suggested_filename
    rows = Path(download.path()).read_text(encoding="utf-8-sig").strip().splitlines()
    assert len(rows) == 1 + 3
    etats = page.evaluate("window.etats")
    assert [etat for etat in etats if re.fullmatch(r"[123] lignes? sur 3", etat)]
    assert page.evaluate(
        "[document.querySelector('progress').value, document.querySelector('progress').max]"
    ) == [3, 3]
    assert etats[-1].startswith("Téléchargement terminé : Statistiques_")
    assert page.locator("[data-telechargement-suivi]").is_hidden()

    page.get_by_role("button", name="Se déconnecter").click()
    page.get_by_text("Vous êtes déconnecté(e).").wait_for()
    assert page.errors == []  # no CSP refusal, no failed image or script


def test_public_statistics_need_no_login(desktop, live_server, lyon):
    desktop.goto(live_server + "/statistiques?du=2026-11-01&au=2026-11-30")
    desktop.get_by_role(
        "heading", level=1, name="Statistiques nationales 01/11/2026 - 30/11/2026"
    ).wait_for()
    wait_for_charts(desktop)
    figure = desktop.locator('[data-figure="cra_enregistres"] .app-figure__value')
    assert figure.inner_text() == "3"


PAGES = {
    "liste": ("structure", lambda lyon: f"/pilotage/structures/{lyon['structure'].id}"),
    "fiche": ("structure", lambda lyon: f"/pilotage/conseillers/{lyon['conseiller'].id}"),
    "statistiques": (
        "structure",
        lambda lyon: f"/pilotage/statistiques/conseiller/{lyon['conseiller'].id}",
    ),
    "territoires": ("admin", lambda lyon: "/pilotage/territoires"),
    "public": (None, lambda lyon: "/statistiques"),
    "connexion": (None, lambda lyon: "/pilotage/connexion"),
}


@pytest.mark.parametrize("name", PAGES)
def test_no_serious_accessibility_violation(axe_page, live_server, lyon, name):
    role, path = PAGES[name]
    page = axe_page(DESKTOP)
    if role:
        log_in(page, live_server, lyon["users"][role], path(lyon))
    else:
        page.goto(live_server + path(lyon))
    page.get_by_role("heading", level=1).wait_for()
    page.wait_for_load_state("networkidle")
    assert serious_violations(page) == []
