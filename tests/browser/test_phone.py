"""The conseiller's app on a 360×740 phone: where things are, what the user is told (issue 15)."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, serious_violations
from tests.browser.test_pwa import form_set_up, log_in

SHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"


def screenshot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"phone-{name}.png"))


def in_view(page, locator):
    """The element's box lies within the phone's screen (vertically)."""
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]


@pytest.fixture
def conseiller(make_user, make_structure):
    return make_user("conseiller", structure=make_structure())


def test_valider_takes_the_user_to_the_first_problem(axe_page, live_server, conseiller):
    page = axe_page()
    log_in(page, live_server, conseiller)
    form_set_up(page)
    page.get_by_label("À distance").check(force=True)
    page.get_by_role("combobox", name="Commune").fill("69100")
    page.get_by_role("option", name="69100 Villeurbanne").click()
    page.get_by_label("Atelier collectif").check(force=True)
    for _ in range(3):
        page.get_by_role("button", name="Ajouter : Plus de 60 ans").click()
    page.get_by_label("Budget").check(force=True)
    page.get_by_role("button", name="Valider").click()

    # The focus is on the first field in error, shown on screen with its message tied to it.
    first = page.locator("[data-field-group='age'] input").first
    expect(first).to_be_focused()
    expect(first).to_have_attribute("aria-invalid", "true")
    message = "La somme des tranches d'âge (3) doit être égale au nombre de participants (5)."
    described = first.get_attribute("aria-describedby").split()
    assert any(page.locator(f"#{i}").text_content() == message for i in described)
    assert in_view(page, first)

    assert in_view(page, page.locator("[data-field-group=age] legend"))
    # Every field of the group is marked, not only the first.
    assert page.locator("[data-field-group='age'] input[aria-invalid='true']").count() == 5
    screenshot(page, "erreur-premier-champ")

    # The summary says which rule failed and leads to each field.
    summary = page.locator("[data-field='error-summary']")
    expect(summary.get_by_role("heading")).to_have_text("Le formulaire contient 3 erreurs")
    expect(summary.get_by_role("link", name=f"Tranches d'âge : {message}")).to_have_count(1)
    summary.get_by_role(
        "link", name="Durée de l'accompagnement : Ce champ est obligatoire."
    ).click()
    duree = page.locator("input[name='duree']").first
    expect(duree).to_be_focused()
    expect(duree).to_have_attribute("aria-invalid", "true")
    assert page.get_by_role("link", name="Statut des usagers").count() == 1
    assert serious_violations(page) == []

    # A corrected field loses its error at once; the others keep theirs.
    page.get_by_label("30 min. à 1h").check(force=True)
    expect(duree).not_to_have_attribute("aria-invalid", "true")
    expect(summary.get_by_role("heading")).to_have_text("Le formulaire contient 2 erreurs")
    expect(first).to_have_attribute("aria-invalid", "true")
