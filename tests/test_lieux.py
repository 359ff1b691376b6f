"""A conseiller's lieux d'activité: one principal, at most 16, archived when CRAs use them."""

import uuid

import pytest

from server.extensions import db
from server.models import LieuActivite
from tests.cra_payloads import cra_payload, create_op

LIEU = {
    "nom": "Médiathèque Lumière",
    "adresse": "2 rue Verte",
    "code_postal": "69100",
    "code_commune": "69266",
    "type_acces": ["libre", "rdv"],
    "horaires": "Lun-Ven 9h-17h",
}


@pytest.fixture
def headers(login, make_user, make_structure):
    return login(make_user("conseiller", structure=make_structure()))


def add(client, headers, **changes):
    return client.post("/api/lieux", json={**LIEU, **changes}, headers=headers)


def test_first_lieu_is_principal_and_named_after_the_official_commune(client, headers):
    response = add(client, headers)
    assert response.status_code == 201
    assert response.json["principal"] is True and response.json["ville"] == "Villeurbanne"


def test_one_principal_at_a_time(client, headers):
    first = add(client, headers).json
    second = add(client, headers, nom="Mairie", principal=True).json
    items = client.get("/api/lieux", headers=headers).json["items"]
    assert [(i["id"], i["principal"]) for i in items] == [
        (second["id"], True),
        (first["id"], False),
    ]


def test_at_most_a_principal_and_fifteen_others(client, headers):
    for number in range(16):
        assert add(client, headers, nom=f"Lieu {number}").status_code == 201
    refused = add(client, headers, nom="Lieu de trop")
    assert refused.status_code == 422 and "15 autres" in refused.json["message"]


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"code_postal": "42000"}, "code_postal"),
        ({"code_commune": "99999"}, "code_commune"),
        ({"type_acces": ["gratuit"]}, "type_acces"),
        ({"nom": ""}, "nom"),
        ({"siret": "123"}, "siret"),
        ({"site_web": "pas une url"}, "site_web"),
    ],
)
def test_invalid_lieu_is_refused_on_its_field(client, headers, changes, field):
    response = add(client, headers, **changes)
    assert response.status_code == 422
    assert any(key.split(".")[0] == field for key in response.json["errors"])


def test_edit_and_delete(client, headers):
    lieu = add(client, headers).json
    edited = client.put(
        f"/api/lieux/{lieu['id']}", json={**LIEU, "nom": "Nouveau nom"}, headers=headers
    )
    assert edited.json["nom"] == "Nouveau nom"
    assert client.delete(f"/api/lieux/{lieu['id']}", headers=headers).status_code == 204
    assert client.get("/api/lieux", headers=headers).json["items"] == []


def test_lieu_used_by_a_cra_is_archived_not_deleted(client, headers):
    lieu = add(client, headers).json
    other = add(client, headers, nom="Annexe").json
    op = create_op(cra_payload(canal="rattachement", lieu_activite_id=lieu["id"]))
    result = client.post("/api/sync/push", json={"operations": [op]}, headers=headers).json
    assert result["results"][0]["status"] == "applied"
    assert client.delete(f"/api/lieux/{lieu['id']}", headers=headers).status_code == 204
    assert db.session.get(LieuActivite, lieu["id"]).archived_at is not None
    items = client.get("/api/lieux", headers=headers).json["items"]
    assert [(i["id"], i["principal"]) for i in items] == [(other["id"], True)]
    again = create_op(cra_payload(canal="rattachement", lieu_activite_id=lieu["id"]))
    refused = client.post("/api/sync/push", json={"operations": [again]}, headers=headers)
    assert refused.json["results"][0]["errors"]["lieu_activite_id"]


def test_lieux_of_another_conseiller_are_invisible(
    client, headers, login, make_user, make_structure
):
    lieu = add(client, headers).json
    other = login(make_user("conseiller", structure=make_structure("B", "13055", "13001")))
    assert client.put(f"/api/lieux/{lieu['id']}", json=LIEU, headers=other).status_code == 404
    assert client.delete(f"/api/lieux/{lieu['id']}", headers=other).status_code == 404
    op = create_op(cra_payload(canal="rattachement", lieu_activite_id=lieu["id"]))
    result = client.post("/api/sync/push", json={"operations": [op]}, headers=other).json
    assert "vôtres" in result["results"][0]["errors"]["lieu_activite_id"][0]


def test_replayed_creation_creates_nothing(client, headers):
    """A phone whose answer was lost sends the same lieu again: one lieu, the same answer."""
    client_id = str(uuid.uuid4())
    first = add(client, headers, client_id=client_id)
    again = add(client, headers, client_id=client_id)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json and first.json["client_id"] == client_id
    assert len(client.get("/api/lieux", headers=headers).json["items"]) == 1


def test_replay_after_an_edit_keeps_the_edit(client, headers):
    client_id = str(uuid.uuid4())
    lieu = add(client, headers, client_id=client_id).json
    edited = {**LIEU, "nom": "Mairie annexe", "client_id": str(uuid.uuid4())}
    assert client.put(f"/api/lieux/{lieu['id']}", json=edited, headers=headers).status_code == 200
    again = add(client, headers, client_id=client_id).json
    assert (again["id"], again["nom"], again["client_id"]) == (
        lieu["id"],
        "Mairie annexe",
        client_id,
    )
    assert len(client.get("/api/lieux", headers=headers).json["items"]) == 1


def test_replay_is_answered_even_at_the_limit(client, headers):
    """The 16th lieu replayed is not refused as a 17th."""
    for number in range(15):
        add(client, headers, nom=f"Lieu {number}")
    client_id = str(uuid.uuid4())
    assert add(client, headers, client_id=client_id).status_code == 201
    assert add(client, headers, client_id=client_id).status_code == 201
    assert add(client, headers, client_id=str(uuid.uuid4())).status_code == 422


def test_a_retry_racing_the_first_attempt_gets_its_lieu(client, headers, monkeypatch):
    """Both looked the client_id up before either committed: the loser's insert breaks the
    unique constraint and it answers with the winner's lieu."""
    from server.services import lieux

    client_id = str(uuid.uuid4())
    winner = add(client, headers, client_id=client_id).json
    real, calls = lieux._made_by, []

    def not_yet_committed(*args):
        calls.append(args)
        return None if len(calls) == 1 else real(*args)

    monkeypatch.setattr(lieux, "_made_by", not_yet_committed)
    loser = add(client, headers, client_id=client_id)
    assert loser.status_code == 201 and loser.json["id"] == winner["id"] and len(calls) == 2
    monkeypatch.undo()
    assert len(client.get("/api/lieux", headers=headers).json["items"]) == 1


def test_a_client_id_names_a_lieu_per_conseiller(client, headers, login, make_user, make_structure):
    """Another conseiller sending the same client_id gets their own lieu, never this one."""
    client_id = str(uuid.uuid4())
    mine = add(client, headers, client_id=client_id).json
    other = login(make_user("conseiller", structure=make_structure("B", "13055", "13001")))
    theirs = add(client, other, client_id=client_id)
    assert theirs.status_code == 201 and theirs.json["id"] != mine["id"]
    assert [i["id"] for i in client.get("/api/lieux", headers=headers).json["items"]] == [
        mine["id"]
    ]


def test_a_replayed_creation_of_a_deleted_lieu_gives_it_back_archived(client, headers):
    """An archived lieu (used by a CRA) is not made again by a late replay."""
    client_id = str(uuid.uuid4())
    lieu = add(client, headers, client_id=client_id).json
    op = create_op(cra_payload(canal="rattachement", lieu_activite_id=lieu["id"]))
    client.post("/api/sync/push", json={"operations": [op]}, headers=headers)
    assert client.delete(f"/api/lieux/{lieu['id']}", headers=headers).status_code == 204
    assert add(client, headers, client_id=client_id).json["id"] == lieu["id"]
    assert client.get("/api/lieux", headers=headers).json["items"] == []


def test_an_invalid_client_id_is_refused_in_french(client, headers):
    response = add(client, headers, client_id="pas-un-uuid")
    assert response.status_code == 422
    assert response.json["errors"]["client_id"] == ["Identifiant (UUID) invalide."]


def test_structures_have_no_lieux(client, login, make_user, make_structure):
    headers = login(make_user("structure", structure=make_structure()))
    assert client.get("/api/lieux", headers=headers).status_code == 403
