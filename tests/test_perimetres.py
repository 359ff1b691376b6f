"""Statistics scopes: each role against each kind of scope, through the API (roles.md)."""

from datetime import date

import pytest

from server.extensions import db
from server.models import Emploi
from tests.cra_payloads import cra_payload, create_op


@pytest.fixture
def world(make_structure, make_user, make_team):
    """Lyon (69, Auvergne-Rhône-Alpes) and Marseille (13, PACA), a conseiller in each, a
    colleague in Lyon, a coordinator in Lyon whose team is the Marseille conseiller."""
    lyon = make_structure("Mairie de Lyon", "69123", "69001")
    marseille = make_structure("Mairie de Marseille", "13055", "13001")
    me = make_user("conseiller", structure=lyon)
    colleague = make_user("conseiller", structure=lyon)
    far = make_user("conseiller", structure=marseille)
    coordinateur = make_user("coordinateur", structure=lyon)
    make_team(coordinateur, far)
    return {
        "lyon": lyon,
        "marseille": marseille,
        "me": me,
        "colleague": colleague,
        "far": far,
        "coordinateur": coordinateur,
        "users": {
            "conseiller": me,
            "coordinateur": coordinateur,
            "structure": make_user("structure", structure=lyon),
            "prefet": make_user("prefet", departement_code="69"),
            "prefet_region": make_user("prefet", region_code="84"),
            "admin": make_user("admin"),
        },
    }


def path(world, resource: str) -> str:
    ids = {
        "me": world["me"].conseiller_id,
        "colleague": world["colleague"].conseiller_id,
        "far": world["far"].conseiller_id,
        "coordinateur": world["coordinateur"].conseiller_id,
        "lyon": world["lyon"].id,
        "marseille": world["marseille"].id,
    }
    kind, _, name = resource.partition(":")
    if kind in ("conseiller", "equipe"):
        return f"/api/statistiques/{kind}/{ids[name]}"
    if kind == "structure":
        return f"/api/statistiques/structure/{ids[name]}"
    if kind in ("departement", "region"):
        return f"/api/statistiques/{kind}/{name}"
    return f"/api/statistiques/{kind}"


RESOURCES = [
    "conseiller:me",
    "conseiller:colleague",
    "conseiller:far",
    "equipe:coordinateur",
    "structure:lyon",
    "structure:marseille",
    "departement:69",
    "departement:13",
    "region:84",
    "region:93",
    "national",
    "territoires",
]
# role → expected status per resource, in the order of RESOURCES
MATRIX = {
    "conseiller": [200, 404, 404, 403, 403, 403, 403, 403, 403, 403, 200, 403],
    "coordinateur": [404, 404, 200, 200, 403, 403, 403, 403, 403, 403, 200, 403],
    "structure": [200, 200, 404, 403, 200, 404, 200, 200, 200, 200, 200, 200],
    "prefet": [200, 200, 404, 403, 200, 404, 200, 404, 404, 404, 200, 200],
    "prefet_region": [200, 200, 404, 403, 200, 404, 200, 404, 200, 404, 200, 200],
    "admin": [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200],
}
CASES = [
    (role, resource, MATRIX[role][index])
    for role in MATRIX
    for index, resource in enumerate(RESOURCES)
]


@pytest.mark.parametrize("role, resource, expected", CASES)
def test_role_by_scope_matrix(client, login, world, role, resource, expected):
    if role == "coordinateur" and resource == "conseiller:me":
        # The coordinator's own statistics are "Mes statistiques": their own id is theirs.
        resource = "conseiller:colleague"
    response = client.get(path(world, resource), headers=login(world["users"][role]))
    assert response.status_code == expected, response.json
    if expected == 404:
        assert response.json["message"] == "Ressource introuvable."
    if expected == 200 and resource != "territoires":
        assert response.json["perimetre"]["type"] == resource.partition(":")[0]
        assert len(response.json["graphiques"]) == 8


def test_the_coordinator_sees_their_own_statistics_too(client, login, world):
    coordinateur = world["coordinateur"]
    response = client.get(path(world, "conseiller:coordinateur"), headers=login(coordinateur))
    assert response.status_code == 200


def test_national_statistics_are_public_and_other_scopes_need_a_login(client, world):
    assert client.get("/api/statistiques/national").status_code == 200
    assert client.get("/api/statistiques/national/graphiques/themes.svg").status_code == 200
    assert client.get(path(world, "structure:lyon")).status_code == 401
    assert client.get(path(world, "departement:69")).status_code == 401


def test_charts_follow_the_same_scopes(client, login, world):
    headers = login(world["users"]["structure"])
    mine = f"{path(world, 'structure:lyon')}/graphiques/canaux.png"
    other = f"{path(world, 'structure:marseille')}/graphiques/canaux.png"
    assert client.get(mine, headers=headers).mimetype == "image/png"
    assert client.get(other, headers=headers).status_code == 404


def test_a_structure_counts_only_the_cras_stamped_with_it(client, login, world):
    """The Marseille conseiller worked for Lyon before: Lyon sees that work only."""
    far = world["far"].conseiller
    far.emplois[0].date_debut = date(2025, 1, 1)
    db.session.add(
        Emploi(
            conseiller_id=far.id,
            structure_id=world["lyon"].id,
            date_debut=date(2022, 1, 3),
            date_fin=date(2024, 12, 31),
        )
    )
    db.session.commit()
    response = client.post(
        "/api/sync/push",
        headers=login(world["far"]),
        json={
            "operations": [
                create_op(cra_payload(date="2024-06-03")),
                create_op(cra_payload(date="2026-11-02")),
                create_op(cra_payload(date="2026-11-03")),
            ]
        },
    )
    assert [r["status"] for r in response.json["results"]] == ["applied"] * 3

    def cras(role, resource):
        response = client.get(path(world, resource), headers=login(world["users"][role]))
        assert response.status_code == 200, response.json
        return response.json["indicateurs"]["general"]["cra_enregistres"]

    assert cras("structure", "conseiller:far") == 1  # the structure's list shows former staff
    assert cras("structure", "structure:lyon") == 1
    assert cras("admin", "conseiller:far") == 3
    assert cras("admin", "structure:marseille") == 2
    assert cras("prefet", "departement:69") == 1
    assert cras("admin", "region:93") == 2
    assert cras("admin", "national") == 3


def test_the_commune_filter_narrows_every_scope(client, login, world):
    headers = login(world["me"])
    client.post(
        "/api/sync/push",
        headers=headers,
        json={
            "operations": [
                create_op(cra_payload(date="2026-11-02")),
                create_op(
                    cra_payload(
                        date="2026-11-02",
                        code_postal="69100",
                        code_commune="69266",
                        nom_commune="Villeurbanne",
                    )
                ),
            ]
        },
    )
    admin = login(world["users"]["admin"])
    for resource in ("conseiller:me", "structure:lyon", "departement:69", "national"):
        response = client.get(
            path(world, resource),
            headers=admin,
            query_string={"code_commune": "69266", "code_postal": "69100"},
        )
        assert response.json["indicateurs"]["general"]["cra_enregistres"] == 1, resource
        assert "code_commune=69266" in response.json["graphiques"][0]["url"]
    response = client.get(path(world, "national"), query_string={"code_postal": "6910"})
    assert response.status_code == 422
    assert response.json["errors"]["code_postal"] == ["Code postal invalide : 5 chiffres."]


def test_territorial_table_rows_are_limited_to_the_prefets_territory(client, login, world):
    response = client.get("/api/statistiques/territoires", headers=login(world["users"]["prefet"]))
    assert [row["code"] for row in response.json["items"]] == ["69"]
    response = client.get(
        "/api/statistiques/territoires",
        query_string={"maille": "region"},
        headers=login(world["users"]["prefet_region"]),
    )
    assert [row["code"] for row in response.json["items"]] == ["84"]
    response = client.get("/api/statistiques/territoires", headers=login(world["users"]["admin"]))
    assert len(response.json["items"]) == 101
