"""Territories loaded from @etalab/decoupage-administratif, and the form's queries."""

import pytest
from sqlalchemy import delete, select

from server.extensions import db
from server.models import Commune, CommuneCodePostal
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


@pytest.mark.parametrize(
    "code, nom, type_, rattachement, departement",
    [
        ("75114", "Paris 14e Arrondissement", "arrondissement-municipal", "75056", "75"),
        ("69382", "Lyon 2e Arrondissement", "arrondissement-municipal", "69123", "69"),
        ("13201", "Marseille 1er Arrondissement", "arrondissement-municipal", "13055", "13"),
        ("01330", "Ruffieu", "commune-deleguee", "01187", "01"),
        ("01120", "Cordieux", "commune-associee", "01262", "01"),
    ],
)
def test_arrondissements_and_communes_deleguees_are_attached_to_their_commune(
    app, code, nom, type_, rattachement, departement
):
    found = territoires.commune(code)
    assert (found.nom, found.type, found.rattachement_code) == (nom, type_, rattachement)
    parent = territoires.commune(rattachement)
    assert (parent.type, parent.rattachement_code) == ("commune-actuelle", None)
    assert found.departement_code == parent.departement_code == departement
    assert found.region_code == parent.region_code


def test_every_arrondissement_municipal_is_loaded(app):
    codes = [f"751{n:02d}" for n in range(1, 21)]
    codes += [f"6938{n}" for n in range(1, 10)] + [f"132{n:02d}" for n in range(1, 17)]
    assert all(territoires.commune(code).type == "arrondissement-municipal" for code in codes)


def test_a_commune_nouvelles_chef_lieu_keeps_the_communes_code(app):
    # 01015 is Arboys en Bugey, and also listed as its commune déléguée Arbignieu.
    found = territoires.commune("01015")
    assert (found.nom, found.type, found.rattachement_code) == (
        "Arboys en Bugey",
        "commune-actuelle",
        None,
    )


def test_an_arrondissement_has_its_postal_code_a_commune_deleguee_its_communes(app):
    assert territoires.commune_connue("75114").codes_postaux == {"75014"}
    assert territoires.commune_connue("01330").codes_postaux == {"01260"}
    assert territoires.commune_has_code_postal("01330", "01260")
    assert not territoires.commune_has_code_postal("75114", "75001")


def test_paris_14e_is_found_by_name_and_by_postal_code(app):
    assert [(c.code, cp) for c, cp in territoires.search_communes("Paris 14e")] == [
        ("75114", "75014")
    ]
    by_postal_code = [(c.nom, cp) for c, cp in territoires.search_communes("75014")]
    assert by_postal_code == [("Paris", "75014"), ("Paris 14e Arrondissement", "75014")]
    assert [c.nom for c in territoires.communes_of_code_postal("75014")] == [
        "Paris",
        "Paris 14e Arrondissement",
    ]


def test_a_commune_deleguee_is_found_by_name_not_by_its_communes_postal_code(app):
    found = [(c.code, c.nom, cp) for c, cp in territoires.search_communes("Ruffieu")]
    assert ("01330", "Ruffieu", "01260") in found
    assert "01330" not in {c.code for c, _ in territoires.search_communes("01260")}


def test_a_rerun_import_completes_a_loaded_database_in_place(app, runner, make_structure):
    make_structure(code_commune="75114", code_postal="75014")  # a row pointing at a new code
    result = runner.invoke(args=["territoires", "import"])
    assert result.exit_code == 0, result.output
    assert territoires.commune("75114").rattachement_code == "75056"
    assert territoires.commune_connue("42218").codes_postaux >= {"42000", "42100"}


def test_a_database_loaded_before_the_arrondissements_is_completed_at_release(app, runner):
    parts = Commune.rattachement_code.is_not(None)
    try:
        db.session.execute(
            delete(CommuneCodePostal).where(
                CommuneCodePostal.commune_code.in_(select(Commune.code).where(parts))
            )
        )
        db.session.execute(delete(Commune).where(parts))
        db.session.commit()
        assert territoires.commune("75114") is None
        result = runner.invoke(args=["territoires", "import", "--if-empty"])
        assert "Territoires chargés" in result.output
    finally:  # the territories are shared by every test
        territoires.import_territoires(app.config["TERRITOIRES_DATA"])
    assert territoires.commune("75114").rattachement_code == "75056"


def test_api_says_what_a_code_is_and_which_commune_it_belongs_to(client):
    found = client.get("/api/territoires/communes/75114").json
    assert (found["type"], found["rattachement_code"], found["codes_postaux"]) == (
        "arrondissement-municipal",
        "75056",
        ["75014"],
    )
    paris = client.get("/api/territoires/communes/75056").json
    assert (paris["type"], paris["rattachement_code"]) == ("commune-actuelle", None)
