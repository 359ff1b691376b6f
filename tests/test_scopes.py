"""Role × resource matrix: who sees which conseiller and structure; refusals leak nothing."""

from datetime import date

import pytest

from server.extensions import db
from server.models import Emploi

# Lyon and Villeurbanne are in the Rhône (69, région 84); Marseille in the Bouches-du-Rhône
# (13, région 93).
VIEWERS = ["cnfs_a1", "coord_k", "structure_a", "prefet_69", "prefet_93", "admin"]
CONSEILLER_ACCESS = {
    #               a1   a2   b1   c1   k    mover
    "cnfs_a1": (200, 404, 404, 404, 404, 404),
    "coord_k": (200, 404, 404, 200, 200, 404),
    "structure_a": (200, 200, 404, 404, 200, 200),
    "prefet_69": (200, 200, 200, 404, 200, 200),
    "prefet_93": (404, 404, 404, 200, 404, 200),
    "admin": (200, 200, 200, 200, 200, 200),
}
STRUCTURE_ACCESS = {
    #               A    B    C
    "cnfs_a1": (403, 403, 403),
    "coord_k": (403, 403, 403),
    "structure_a": (200, 404, 404),
    "prefet_69": (200, 200, 404),
    "prefet_93": (404, 404, 200),
    "admin": (200, 200, 200),
}


@pytest.fixture
def world(make_structure, make_user, make_team):
    a = make_structure("Mairie de Lyon", "69123", "69001")
    b = make_structure("Médiathèque de Villeurbanne", "69266", "69100")
    c = make_structure("CCAS de Marseille", "13055", "13001")
    people = {
        "a1": make_user("conseiller", structure=a),
        "a2": make_user("conseiller", structure=a),
        "b1": make_user("conseiller", structure=b),
        "c1": make_user("conseiller", structure=c),
        "k": make_user("coordinateur", structure=a),
        "mover": make_user("conseiller", structure=c),
    }
    # "mover" worked for A before joining C: A keeps seeing them.
    db.session.add(
        Emploi(
            conseiller_id=people["mover"].conseiller_id,
            structure_id=a.id,
            date_debut=date(2021, 3, 1),
            date_fin=date(2021, 12, 31),
        )
    )
    db.session.commit()
    make_team(people["k"], people["a1"], people["c1"])
    viewers = {
        "cnfs_a1": people["a1"],
        "coord_k": people["k"],
        "structure_a": make_user("structure", structure=a),
        "prefet_69": make_user("prefet", departement_code="69"),
        "prefet_93": make_user("prefet", region_code="93"),
        "admin": make_user("admin"),
    }
    return {"structures": (a, b, c), "people": people, "viewers": viewers}


@pytest.mark.parametrize("viewer", VIEWERS)
def test_conseiller_fiche_matrix(client, login, world, viewer):
    headers = login(world["viewers"][viewer])
    targets = ("a1", "a2", "b1", "c1", "k", "mover")
    got = tuple(
        client.get(
            f"/api/conseillers/{world['people'][t].conseiller_id}", headers=headers
        ).status_code
        for t in targets
    )
    assert got == CONSEILLER_ACCESS[viewer]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_structure_matrix(client, login, world, viewer):
    headers = login(world["viewers"][viewer])
    got = tuple(
        client.get(f"/api/structures/{s.id}", headers=headers).status_code
        for s in world["structures"]
    )
    assert got == STRUCTURE_ACCESS[viewer]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_conseiller_list_matches_the_fiches(client, login, world, viewer):
    response = client.get("/api/conseillers", headers=login(world["viewers"][viewer]))
    if viewer == "cnfs_a1":
        assert response.status_code == 403
        return
    listed = {item["id"] for item in response.json["items"]}
    expected = {
        world["people"][t].conseiller_id
        for t, code in zip(
            ("a1", "a2", "b1", "c1", "k", "mover"), CONSEILLER_ACCESS[viewer], strict=True
        )
        if code == 200
    }
    assert listed == expected


@pytest.mark.parametrize("viewer", ["structure_a", "prefet_69", "admin"])
def test_conseiller_list_narrowed_to_one_structure(client, login, world, viewer):
    a = world["structures"][0]
    response = client.get(
        f"/api/conseillers?structure_id={a.id}", headers=login(world["viewers"][viewer])
    )
    assert response.status_code == 200
    assert {item["id"] for item in response.json["items"]} == {
        world["people"][t].conseiller_id for t in ("a1", "a2", "k")
    }


@pytest.mark.parametrize("value", ["abc", "0", "1.5", "-3"])
def test_conseiller_list_refuses_a_structure_id_that_is_no_id(client, login, world, value):
    response = client.get(
        f"/api/conseillers?structure_id={value}", headers=login(world["viewers"]["admin"])
    )
    assert response.status_code == 422
    assert "structure_id" in response.json["errors"]


def test_refusal_is_indistinguishable_from_absence(client, login, world):
    headers = login(world["viewers"]["cnfs_a1"])
    hidden = client.get(f"/api/conseillers/{world['people']['c1'].conseiller_id}", headers=headers)
    missing = client.get("/api/conseillers/987654", headers=headers)
    assert (hidden.status_code, hidden.json) == (missing.status_code, missing.json)


def test_structure_list_is_scoped(client, login, world):
    response = client.get("/api/structures", headers=login(world["viewers"]["prefet_69"]))
    assert {s["nom"] for s in response.json["items"]} == {
        "Mairie de Lyon",
        "Médiathèque de Villeurbanne",
    }
