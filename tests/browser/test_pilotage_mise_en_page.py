"""The pilotage pages of every role at 1440×900 and 1280×800 in a real Chromium: nothing wider
than the window, no table scrolling sideways or clipped, numbers and dates written the French
way, axe-core finds nothing serious. A screenshot of each page goes to test-results/screenshots/.
"""

import re
from datetime import date
from pathlib import Path

import pytest

from server.extensions import db
from server.models import Emploi
from server.services import partenaires
from tests.browser.conftest import serious_violations
from tests.browser.test_pilotage import log_in
from tests.cra_payloads import atelier_payload, cra_payload
from tests.test_pilotage import push

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
VIEWPORTS = {"1440": {"width": 1440, "height": 900}, "1280": {"width": 1280, "height": 800}}
NOVEMBRE = "du=2026-11-01&au=2026-11-30"

# Where the page is wider than its window, or a table wider than its box (scrolls sideways).
OVERFLOW = """() => {
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) {
    problems.push(`page ${root.scrollWidth} > ${root.clientWidth}`);
  }
  document.querySelectorAll('.fr-table__container, .fr-table__wrapper').forEach((box, i) => {
    if (box.scrollWidth > box.clientWidth + 1) {
      problems.push(`table ${i} : ${box.scrollWidth} > ${box.clientWidth}`);
    }
  });
  return problems;
}"""
# The text of the cells and key figures holding numbers.
NUMBERS = """() => [...document.querySelectorAll('td.app-number, .app-figure__value')]
  .map((e) => e.textContent.trim())"""
# The footer's mandatory links, each with its box: [href, text, left, right].
FOOTER = """() => [...document.querySelectorAll('.fr-footer__bottom-link')].map((a) => {
  const box = a.getBoundingClientRect();
  return [a.getAttribute('href'), a.textContent.trim(), box.left, box.right];
})"""
LEGAL_LINKS = {
    "/accessibilite": "Accessibilité : non conforme",
    "/mentions-legales": "Mentions légales",
    "/donnees-personnelles": "Données personnelles",
}
FRENCH_NUMBER = re.compile(r"^-?\d{1,3}(\u202f\d{3})*(,\d+)?( %)?$")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


@pytest.fixture
def territoire(make_structure, make_user, make_team, client, login):
    """Lyon with 1 234 posts (a number with a thousands separator), its conseillers (one who
    left), a coordinator and their team, a prefet and the national team."""
    lyon = make_structure("Mairie de Lyon", "69123", "69001", dotation=1234)
    make_structure("Mairie de Marseille", "13055", "13001", dotation=3)
    coordinateur = make_user("coordinateur", structure=lyon)
    coordinateur.conseiller.prenom, coordinateur.conseiller.nom = "Karim", "Fournier"
    me = make_user("conseiller", structure=lyon)
    parti = make_user("conseiller", structure=lyon)
    parti.conseiller.emplois[0].date_fin = date(2026, 11, 15)
    other = make_structure("Association Numérique Pour Tous Les Habitants", "69259", "69200")
    parti.conseiller.emplois.append(Emploi(structure_id=other.id, date_debut=date(2026, 11, 16)))
    parti.conseiller.structure = other
    db.session.commit()
    make_team(coordinateur, me, parti)
    push(client, login, me, cra_payload(date="2026-11-02"), atelier_payload(date="2026-11-05"))
    push(client, login, parti, cra_payload(date="2026-11-03"), cra_payload(date="2026-11-20"))
    admin = make_user("admin")
    for perimetre, scope in (("departement", {"departement_code": "69"}), ("national", {})):
        partenaires.creer(
            admin,
            {
                "nom": f"Réseau d'inclusion numérique ({perimetre})",
                "perimetre": perimetre,
                "region_code": None,
                "departement_code": None,
                "structure_id": None,
                "droits": ["statistiques", "activites"],
                **scope,
            },
        )
    return {
        "lyon": lyon,
        "coordinateur": coordinateur,
        "me": me,
        "users": {
            "structure": make_user("structure", structure=lyon),
            "coordinateur": coordinateur,
            "prefet": make_user("prefet", departement_code="69"),
            "admin": admin,
        },
    }


def pages_of(role: str, t: dict) -> dict[str, str]:
    """The role's pilotage pages: name → path."""
    lyon, me = t["lyon"].id, t["me"].conseiller_id
    coordinateur = t["coordinateur"].conseiller_id
    return {
        "structure": {
            "liste": f"/pilotage/structures/{lyon}?{NOVEMBRE}",
            "fiche": f"/pilotage/conseillers/{me}",
            "statistiques-structure": f"/pilotage/statistiques/structure/{lyon}?{NOVEMBRE}",
            "territoires": f"/pilotage/territoires?{NOVEMBRE}",
            "ressourcerie": "/pilotage/ressourcerie",
        },
        "coordinateur": {
            "equipe": f"/pilotage/equipes/{coordinateur}?{NOVEMBRE}",
            "statistiques-equipe": f"/pilotage/statistiques/equipe/{coordinateur}?{NOVEMBRE}",
        },
        "prefet": {
            "territoires": f"/pilotage/territoires?{NOVEMBRE}",
            "statistiques-departement": f"/pilotage/statistiques/departement/69?{NOVEMBRE}",
            "liste": f"/pilotage/structures/{lyon}?{NOVEMBRE}",
        },
        "admin": {
            "territoires-departements": f"/pilotage/territoires?{NOVEMBRE}",
            "territoires-regions": f"/pilotage/territoires?maille=region&{NOVEMBRE}",
            "national": f"/pilotage/statistiques/national?{NOVEMBRE}",
            "coordinations": f"/pilotage/coordinations?{NOVEMBRE}",
            "gestion-ressourcerie": "/pilotage/ressourcerie/gestion",
            "partenaires": "/pilotage/partenaires",
            "revocation-partenaire": "/pilotage/partenaires/1/revocation",
        },
        "public": {
            "statistiques": f"/statistiques?{NOVEMBRE}",
            "accessibilite": "/accessibilite",
            "mentions-legales": "/mentions-legales",
            "donnees-personnelles": "/donnees-personnelles",
            "connexion": "/pilotage/connexion",
        },
    }[role]


def check_page(page, name: str, axe: bool = True) -> list[str]:
    """What is wrong with the page as shown: overflow, numbers or dates not French, and axe's
    findings (unless `axe` is false)."""
    page.get_by_role("heading", level=1).wait_for()
    page.wait_for_load_state("load")  # server-rendered: nothing fetched after it
    problems = [f"{name} : {problem}" for problem in page.evaluate(OVERFLOW)]
    problems += [
        f"{name} : nombre « {text} »"
        for text in page.evaluate(NUMBERS)
        if not FRENCH_NUMBER.match(text)
    ]
    width = page.viewport_size["width"]
    links = {href: (text, left, right) for href, text, left, right in page.evaluate(FOOTER)}
    for href, text in LEGAL_LINKS.items():
        shown = links.get(href)
        if shown is None or shown[0] != text or not 0 <= shown[1] < shown[2] <= width:
            problems.append(f"{name} : pied de page {href} {shown}")
    main = page.locator("main").inner_text()
    problems += [f"{name} : date {found}" for found in ISO_DATE.findall(main)]
    if axe:
        problems += [f"{name} : axe {violation}" for violation in serious_violations(page)]
    return problems


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"pilotage-{name}.png"), full_page=True)


@pytest.mark.parametrize("role", ["structure", "coordinateur", "prefet", "admin", "public"])
def test_every_page_fits_the_window_in_french(axe_page, live_server, territoire, role):
    """Each page loaded once, then checked at each window size in turn (the window resized as a
    user would, the layout following it), which halves the page loads of the run. axe-core
    runs at the first size only: both sizes are past the DSFR's last breakpoint (xl, 1248 px),
    so the same styles apply and axe would find the same things."""
    sizes = list(VIEWPORTS.items())
    page = axe_page(sizes[0][1])
    pages = pages_of(role, territoire)
    if role != "public":
        first = next(iter(pages.values()))
        log_in(page, live_server, territoire["users"][role], first)
    problems = []
    for name, path in pages.items():
        page.goto(live_server + path)
        for width, viewport in sizes:
            page.set_viewport_size(viewport)
            problems += check_page(page, f"{role}-{name}-{width}", axe=width == sizes[0][0])
            screenshot(page, f"{role}-{name}-{width}")
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("width", VIEWPORTS)
@pytest.mark.parametrize("maille", ["departement", "region"])
def test_territorial_table_shows_its_last_columns_without_scrolling(
    axe_page, live_server, territoire, width, maille
):
    page = axe_page(VIEWPORTS[width])
    path = f"/pilotage/territoires?maille={maille}&{NOVEMBRE}"
    log_in(page, live_server, territoire["users"]["admin"], path)
    table = page.get_by_role("table")
    table.wait_for()
    box = page.locator(".fr-table__container").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORTS[width]["width"]
    for name in ("Taux d'activation", "Afficher", "CRA enregistrés", "Nom"):
        header = table.get_by_role("columnheader", name=name).first.bounding_box()
        assert header["width"] >= 48, name  # a readable column, not squeezed
        assert box["x"] <= header["x"] and header["x"] + header["width"] <= box["x"] + box["width"]
    first_row = table.get_by_role("row").nth(1)
    link = first_row.get_by_role("link", name=re.compile("^Afficher")).bounding_box()
    assert link["x"] + link["width"] <= box["x"] + box["width"]
    rate = first_row.get_by_role("cell").nth(6).bounding_box()  # the row header is not a cell
    assert rate["x"] + rate["width"] <= box["x"] + box["width"]
    assert page.evaluate(
        "() => [...document.querySelectorAll('.fr-table__container')]"
        ".every((e) => e.scrollWidth <= e.clientWidth)"
    )
    # thousands the French way: Rhône and its région count 1 234 + 2 posts (Lyon, Villeurbanne)
    nom = "Rhône" if maille == "departement" else "Auvergne-Rhône-Alpes"
    row = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=nom, exact=True))
    assert row.get_by_role("cell").nth(3).inner_text() == "1\u202f236"
    screenshot(page, f"territoires-{maille}-{width}-haut")


@pytest.mark.parametrize("width", VIEWPORTS)
def test_structure_list_shows_who_left_and_a_total_under_its_column(
    axe_page, live_server, territoire, width
):
    page = axe_page(VIEWPORTS[width])
    log_in(
        page,
        live_server,
        territoire["users"]["structure"],
        pages_of("structure", territoire)["liste"],
    )
    table = page.get_by_role("table")
    table.wait_for()
    badge = page.get_by_text("A quitté la structure le 15/11/2026")
    assert badge.is_visible()
    row = table.get_by_role("row").filter(has=badge)
    name_cell = row.get_by_role("cell").nth(1).bounding_box()
    badge_box = badge.bounding_box()
    assert name_cell["x"] <= badge_box["x"]
    assert badge_box["x"] + badge_box["width"] <= name_cell["x"] + name_cell["width"]
    header = table.get_by_role("columnheader", name="CRA saisis").bounding_box()
    total = page.locator("[data-total]")
    assert total.inner_text() == "3"  # 2 by the one who stays, 1 for Lyon by the one who left
    box = total.bounding_box()
    # in the column of its header, its number set to the right like the header's
    assert abs((box["x"] + box["width"]) - (header["x"] + header["width"])) < 1
    alignments = page.evaluate(
        "() => [...document.querySelectorAll('th.app-number, td.app-number')]"
        ".map((cell) => getComputedStyle(cell).textAlign)"
    )
    assert alignments and set(alignments) == {"right"}
    container = page.locator(".fr-table__container").bounding_box()
    assert header["x"] + header["width"] <= container["x"] + container["width"]
