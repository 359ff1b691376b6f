"""Role × resource matrix: who sees which conseiller and structure; refusals leak nothing."""

import pytest

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


@pytest.mark.parametrize("viewer", VIEWERS)
def test_conseiller_fiche_matrix(client, login, roles_world, viewer):
    headers = login(roles_world["viewers"][viewer])
    targets = ("a1", "a2", "b1", "c1", "k", "mover")
    got = tuple(
        client.get(
            f"/api/conseillers/{roles_world['people'][t].conseiller_id}", headers=headers
        ).status_code
        for t in targets
    )
    assert got == CONSEILLER_ACCESS[viewer]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_structure_matrix(client, login, roles_world, viewer):
    headers = login(roles_world["viewers"][viewer])
    got = tuple(
        client.get(f"/api/structures/{s.id}", headers=headers).status_code
        for s in roles_world["structures"]
    )
    assert got == STRUCTURE_ACCESS[viewer]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_conseiller_list_matches_the_fiches(client, login, roles_world, viewer):
    response = client.get("/api/conseillers", headers=login(roles_world["viewers"][viewer]))
    if viewer == "cnfs_a1":
        assert response.status_code == 403
        return
    listed = {item["id"] for item in response.json["items"]}
    expected = {
        roles_world["people"][t].conseiller_id
        for t, code in zip(
            ("a1", "a2", "b1", "c1", "k", "mover"), CONSEILLER_ACCESS[viewer], strict=True
        )
        if code == 200
    }
    assert listed == expected


@pytest.mark.parametrize("viewer", ["structure_a", "prefet_69", "admin"])
def test_conseiller_list_narrowed_to_one_structure(client, login, roles_world, viewer):
    a = roles_world["structures"][0]
    response = client.get(
        f"/api/conseillers?structure_id={a.id}", headers=login(roles_world["viewers"][viewer])
    )
    assert response.status_code == 200
    assert {item["id"] for item in response.json["items"]} == {
        roles_world["people"][t].conseiller_id for t in ("a1", "a2", "k")
    }


@pytest.mark.parametrize("value", ["abc", "0", "1.5", "-3"])
def test_conseiller_list_refuses_a_structure_id_that_is_no_id(client, login, roles_world, value):
    response = client.get(
        f"/api/conseillers?structure_id={value}", headers=login(roles_world["viewers"]["admin"])
    )
    assert response.status_code == 422
    assert "structure_id" in response.json["errors"]


def test_refusal_is_indistinguishable_from_absence(client, login, roles_world):
    headers = login(roles_world["viewers"]["cnfs_a1"])
    hidden = client.get(
        f"/api/conseillers/{roles_world['people']['c1'].conseiller_id}", headers=headers
    )
    missing = client.get("/api/conseillers/987654", headers=headers)
    assert (hidden.status_code, hidden.json) == (missing.status_code, missing.json)


def test_structure_list_is_scoped(client, login, roles_world):
    response = client.get("/api/structures", headers=login(roles_world["viewers"]["prefet_69"]))
    assert {s["nom"] for s in response.json["items"]} == {
        "Mairie de Lyon",
        "Médiathèque de Villeurbanne",
    }
