"""Territories loaded from @etalab/decoupage-administratif, and the form's queries."""

import pytest

from server.services import territoires


def test_101_departements_in_18_regions_with_corsica_and_overseas(app):
    codes = {d.code for d in territoires.departements()}
    assert len(codes) == 101
    assert {"2A", "2B", "971", "972", "973", "974", "976"} <= codes
    assert "20" not in codes
    assert len(territoires.regions()) == 18


def test_75056_is_paris(app):
    paris = territoires.commune("75056")
    assert paris.nom == "Paris"
    assert paris.departement.nom == "Paris"
    assert paris.departement.region.nom == "Île-de-France"


def test_departement_and_region_of_a_corsican_commune(app):
    ajaccio = territoires.commune("2a004")
    assert (ajaccio.nom, ajaccio.departement.code, ajaccio.departement.region.nom) == (
        "Ajaccio",
        "2A",
        "Corse",
    )


def test_shared_postal_code_returns_every_commune(app):
    names = [c.nom for c in territoires.communes_of_code_postal("42230")]
    assert names == ["Roche-la-Molière", "Saint-Étienne"]
    assert len(territoires.communes_of_code_postal("73500")) == 8


@pytest.mark.parametrize("typed", ["st etienne", "Saint-Étienne", "SAINT ETIENNE", "st-étien"])
def test_search_ignores_accents_case_and_saint(app, typed):
    found = territoires.search_communes(typed)
    assert found[0][0].code == "42218"


def test_search_by_start_of_postal_code(app):
    found = territoires.search_communes("974")
    assert found and all(cp.startswith("974") for _, cp in found)


def test_commune_postal_code_match(app):
    assert territoires.commune_has_code_postal("42218", "42100")
    assert not territoires.commune_has_code_postal("42218", "69001")


def test_reunion_is_its_own_region(app):
    saint_denis = territoires.commune("97411")
    assert saint_denis.departement.region.nom == "La Réunion"


def test_api_search_and_lookup(client):
    items = client.get("/api/territoires/communes?q=villeurb").json["items"]
    assert items[0] == {
        "code": "69266",
        "nom": "Villeurbanne",
        "code_postal": "69100",
        "departement_code": "69",
    }
    assert client.get("/api/territoires/communes/69266").json["codes_postaux"] == ["69100"]
    assert client.get("/api/territoires/communes/99999").status_code == 404
    assert client.get("/api/territoires/communes?q=a").status_code == 422


def test_import_command_skips_when_loaded(runner):
    result = runner.invoke(args=["territoires", "import", "--if-empty"])
    assert "déjà chargés" in result.output


def test_saint_is_a_whole_word_and_a_started_saint_finds_saints(app):
    assert all(c.nom.startswith("Saint") for c, _ in territoires.search_communes("saint"))
    assert all(c.nom.startswith("Sainte") for c, _ in territoires.search_communes("sainte"))
    started = {c.nom.split("-")[0] for c, _ in territoires.search_communes("sain", limit=50)}
    assert "Saint" in started


def test_the_communes_cras_name_are_kept_for_a_while_unknown_ones_never(app, monkeypatch):
    from sqlalchemy import event

    from server.extensions import db

    queries = []

    def count(*args):
        queries.append(args[2])

    clock = [1000.0]
    monkeypatch.setattr(territoires.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(territoires, "_communes", {})
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        saint_etienne = territoires.commune_connue("42218")
        assert saint_etienne.nom == "Saint-Étienne"
        assert {"42000", "42100"} <= saint_etienne.codes_postaux
        asked = len(queries)
        assert territoires.commune_connue("42218") == saint_etienne and len(queries) == asked
        for _ in range(2):  # an unknown code is asked each time, never kept
            asked = len(queries)
            assert territoires.commune_connue("99999") is None and len(queries) > asked
        db.session.expunge_all()  # past the delay, the database answers, not the session
        asked = len(queries)
        clock[0] += territoires.KEPT_SECONDS + 1
        assert territoires.commune_connue("42218") == saint_etienne and len(queries) > asked
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
