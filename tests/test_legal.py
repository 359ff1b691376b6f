"""The legal pages (accessibility statement, legal notice, personal data) and the footer links
every page carries to them."""

import re
from html import unescape

import pytest

from tests import test_pilotage
from tests.test_pilotage import page_path

pytestmark = pytest.mark.one_database
browser, world = test_pilotage.browser, test_pilotage.world  # fixtures

FOOTER_LINKS = {
    "/accessibilite": "Accessibilité : non conforme",
    "/mentions-legales": "Mentions légales",
    "/donnees-personnelles": "Données personnelles",
}
LEGAL = {
    "/accessibilite": (
        "Déclaration d'accessibilité",
        [
            "État de conformité",
            "Contenus non accessibles",
            "Établissement de cette déclaration d'accessibilité",
            "Retour d'information et contact",
            "Voies de recours",
        ],
    ),
    "/mentions-legales": (
        "Mentions légales",
        ["Éditeur", "Directeur ou directrice de la publication", "Hébergement"],
    ),
    "/donnees-personnelles": (
        "Données personnelles",
        [
            "Responsable du traitement",
            "Ce qu'un compte rendu d'activité contient",
            "Qui voit quoi",
            "Durées de conservation",
            "Vos droits",
        ],
    ),
}


def footer_links(html: str) -> dict[str, str]:
    """The footer's bottom links: href → text."""
    footer = html[html.index('<footer class="fr-footer"') :]
    return {
        href: unescape(text).strip()
        for href, text in re.findall(
            r'<a class="fr-footer__bottom-link" href="([^"]+)"[^>]*>([^<]+)</a>', footer
        )
    }


@pytest.mark.parametrize("path", LEGAL)
def test_legal_page_has_the_sections_of_its_model(client, path):
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "text/html"
    text = unescape(response.text)
    title, sections = LEGAL[path]
    assert re.search(rf"<h1>{re.escape(title)}</h1>", text)
    headings = re.findall(r"<h2>([^<]+)</h2>", text)
    assert [heading for heading in headings if heading in sections] == sections
    assert "[à compléter par l'opérateur]" in text  # what only the operator can say
    links = footer_links(response.text)
    assert {href: links[href] for href in FOOTER_LINKS} == FOOTER_LINKS
    assert f'href="{path}" aria-current="page"' in response.text


def test_personal_data_page_says_a_cra_holds_no_name_of_the_public(client):
    text = unescape(client.get("/donnees-personnelles").text)
    assert "Un CRA ne contient aucune donnée sur l'identité des personnes accompagnées" in text
    assert "au bout de 7 jours" in text and "au bout de 30 jours" in text  # from the config
    for role in ("Conseiller numérique", "Coordinateur", "Structure employeuse", "Préfecture"):
        assert f'<th scope="row">{role}</th>' in text


@pytest.mark.parametrize(
    "role, resource",
    [
        (None, "public"),
        ("structure", "liste:lyon"),
        ("structure", "fiche:me"),
        ("coordinateur", "team:coordinateur"),
        ("prefet", "territoires"),
        ("admin", "national"),
        ("admin", "structure:lyon"),
    ],
)
def test_every_pilotage_page_links_to_the_legal_pages(browser, world, role, resource):
    client = browser(world["users"][role] if role else None)
    response = client.get(page_path(world, resource))
    assert response.status_code == 200
    links = footer_links(response.text)
    assert {href: links[href] for href in FOOTER_LINKS} == FOOTER_LINKS


@pytest.mark.parametrize("path", ["/pilotage/connexion", "/pilotage/inexistante"])
def test_login_and_error_pages_link_to_the_legal_pages(client, path):
    links = footer_links(client.get(path).text)
    assert {href: links[href] for href in FOOTER_LINKS} == FOOTER_LINKS


def test_a_logged_in_user_keeps_their_menu_on_the_legal_pages(browser, world):
    page = browser(world["users"]["structure"]).get("/accessibilite")
    assert "Mes conseillers" in page.text and "Se déconnecter" in page.text
