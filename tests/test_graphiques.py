"""Charts of the statistics: every chart in SVG and PNG, stable bytes, the image endpoint."""

from datetime import date

import pytest

from server.errors import ApiError
from server.services import graphiques
from server.services.statistiques import Perimetre, Periode, indicateurs
from tests.cra_payloads import atelier_payload, cra_payload, create_op

# The database changes nothing here: SQLite only (see pytest.ini).
pytestmark = pytest.mark.one_database

NOMS = list(graphiques.TITRES)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
EMPTY_TEXT = "Aucune donnée sur cette période"


def mine(user):
    return Perimetre("conseiller", "c", conseiller_ids=(user.conseiller_id,))


@pytest.fixture
def headers(login, conseiller):
    return login(conseiller)


@pytest.fixture
def filled(client, headers, conseiller):
    """Indicators of a few CRAs, free-text organisme and Mon espace santé included."""
    response = client.post(
        "/api/sync/push",
        headers=headers,
        json={
            "operations": [
                create_op(cra_payload(date="2026-10-02")),
                create_op(
                    cra_payload(date="2026-10-05", themes=["budget", "courriel"], duree="0-30")
                ),
                create_op(atelier_payload(date="2026-11-03")),
            ]
        },
    )
    assert {r["status"] for r in response.json["results"]} == {"applied"}
    return indicateurs(mine(conseiller), Periode(date(2026, 9, 1), date(2026, 11, 15)))


@pytest.fixture
def empty(app, conseiller):
    return indicateurs(mine(conseiller), Periode(date(2021, 1, 1), date(2021, 3, 31)))


@pytest.mark.parametrize("nom", NOMS)
def test_every_chart_renders_in_svg_and_png_with_stable_bytes(nom, filled):
    svg = graphiques.render(nom, filled, "svg")
    assert svg.startswith(b"<?xml") and b"<svg" in svg
    assert graphiques.TITRES[nom] in svg.decode()
    assert EMPTY_TEXT.encode() not in svg
    png = graphiques.render(nom, filled, "png")
    assert png.startswith(PNG_MAGIC) and len(png) > 1000
    assert graphiques.render(nom, filled, "svg") == svg
    assert graphiques.render(nom, filled, "png") == png


@pytest.mark.parametrize("nom", NOMS)
def test_an_empty_scope_says_so_in_the_image(nom, empty):
    svg = graphiques.render(nom, empty, "svg")
    assert EMPTY_TEXT in svg.decode()
    assert graphiques.render(nom, empty, "png").startswith(PNG_MAGIC)


def test_free_text_organismes_are_grouped_as_autres(filled):
    svg = graphiques.render("reorientations", filled, "svg").decode()
    assert "Autres" in svg and "Maison du Vélo" not in svg and "CAF" in svg
    assert "Maison du Vélo : 1" in graphiques.alternative("reorientations", filled)


def test_theme_chart_shows_mon_espace_sante(filled):
    assert "Mon espace santé" in graphiques.render("themes", filled, "svg").decode()


def test_alternative_gives_the_numbers_in_french(filled):
    assert graphiques.alternative("temps", filled) == (
        "Temps en accompagnement (heures). Atelier collectif : 1,5 h ; "
        "Accompagnement individuel : 1,5 h ; Demande ponctuelle : 0 h"
    )
    assert "octobre 2026 : 2" in graphiques.alternative("evolution", filled)


def test_unknown_chart_is_a_404(app):
    with pytest.raises(ApiError) as raised:
        graphiques.render("camembert", {}, "svg")
    assert raised.value.status == 404


# --- the endpoint ------------------------------------------------------------------------------
URL = "/api/statistiques/conseiller/graphiques/{}?du=2026-09-01&au=2026-11-15"


@pytest.mark.parametrize(
    "nom, extension, mimetype",
    [("themes", "svg", "image/svg+xml"), ("evolution", "png", "image/png")],
)
def test_chart_endpoint_answers_with_an_etag_then_304(
    client, headers, filled, nom, extension, mimetype
):
    response = client.get(URL.format(f"{nom}.{extension}"), headers=headers)
    assert response.status_code == 200 and response.mimetype == mimetype
    etag = response.headers["ETag"]
    assert etag and "private" in response.headers["Cache-Control"]
    assert response.data == graphiques.render(nom, filled, extension)
    again = client.get(URL.format(f"{nom}.{extension}"), headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


def test_chart_changes_when_a_cra_is_added(client, headers, filled):
    etag = client.get(URL.format("canaux.svg"), headers=headers).headers["ETag"]
    client.post(
        "/api/sync/push",
        headers=headers,
        json={"operations": [create_op(cra_payload(date="2026-10-07", canal="domicile"))]},
    )
    response = client.get(URL.format("canaux.svg"), headers={**headers, "If-None-Match": etag})
    assert response.status_code == 200 and response.headers["ETag"] != etag


@pytest.mark.parametrize("path", ["camembert.svg", "themes.gif"])
def test_unknown_chart_or_format_is_a_json_404(client, headers, path):
    response = client.get(URL.format(path), headers=headers)
    assert response.status_code == 404 and response.json["code"] == 404


def test_unknown_chart_name_says_so(client, headers):
    response = client.get(URL.format("camembert.png"), headers=headers)
    assert response.json["message"] == "Graphique inconnu."


def test_chart_needs_a_token(client):
    assert client.get(URL.format("themes.svg")).status_code == 401


def test_chart_refuses_a_structure_account(client, login, make_user, make_structure):
    structure_user = make_user("structure", structure=make_structure())
    response = client.get(URL.format("themes.svg"), headers=login(structure_user))
    assert response.status_code == 403


def test_chart_checks_the_period(client, headers):
    response = client.get(
        "/api/statistiques/conseiller/graphiques/themes.svg?du=2026-11-30&au=2026-11-01",
        headers=headers,
    )
    assert response.status_code == 422
