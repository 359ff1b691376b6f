"""History API: own CRAs, 30 per page, filters, sort, total count; each CRA's operations."""

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from server.services.cras import cra_schema
from tests.cra_payloads import atelier_payload, cra_payload, create_op, delete_op, update_op


@pytest.fixture
def headers(login, make_user, make_structure):
    return login(make_user("conseiller", structure=make_structure()))


def push(client, headers, *operations):
    response = client.post("/api/sync/push", json={"operations": list(operations)}, headers=headers)
    assert all(r["status"] == "applied" for r in response.json["results"]), response.json
    return operations


def history(client, headers, **query):
    response = client.get("/api/cras", query_string=query, headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def test_pages_of_30_with_the_total(client, headers):
    push(
        client,
        headers,
        *[create_op(cra_payload(date=f"2026-10-{day:02d}")) for day in range(1, 31)],
    )
    push(client, headers, *[create_op(cra_payload(date="2026-09-01")) for _ in range(5)])
    first, second = history(client, headers), history(client, headers, page=2)
    assert first["total"] == 35 and len(first["items"]) == 30 and len(second["items"]) == 5
    assert first["items"][0]["date"] == "2026-10-30"
    assert first["per_page"] == 30


def test_filters(client, headers):
    push(
        client,
        headers,
        create_op(cra_payload(date="2026-03-10", themes=["budget"])),
        create_op(
            atelier_payload(
                date="2026-04-10", canal="domicile", code_postal="42000", code_commune="42218"
            )
        ),
        create_op(cra_payload(date="2026-05-10", activite="ponctuel")),
    )
    assert history(client, headers, theme="budget")["total"] == 1
    assert history(client, headers, theme="sante")["total"] == 1
    assert history(client, headers, canal="domicile")["total"] == 1
    assert history(client, headers, activite="ponctuel")["total"] == 1
    assert history(client, headers, du="2026-04-01", au="2026-05-10")["total"] == 2
    assert history(client, headers, code_postal="42000")["items"][0]["nom_commune"] == (
        "Saint-Étienne"
    )
    assert history(client, headers, code_commune="69123")["total"] == 2


def test_sorted_by_last_change(client, headers):
    old, recent = create_op(cra_payload(date="2026-01-05")), create_op()
    push(client, headers, recent)
    push(client, headers, old)
    dates = [i["date"] for i in history(client, headers, tri="modification")["items"]]
    assert dates == ["2026-01-05", "2026-11-02"]


def test_deleted_cras_leave_the_history(client, headers):
    create = create_op()
    push(client, headers, create)
    push(client, headers, delete_op(create["cra_id"], base=create["op_id"]))
    assert history(client, headers)["total"] == 0
    assert client.get(f"/api/cras/{create['cra_id']}", headers=headers).status_code == 404


def test_only_own_cras(client, headers, login, make_user, make_structure):
    create = create_op()
    push(client, headers, create)
    other = login(make_user("conseiller", structure=make_structure("B", "13055", "13001")))
    assert history(client, other)["total"] == 0
    assert client.get(f"/api/cras/{create['cra_id']}", headers=other).status_code == 404


@pytest.mark.parametrize(
    "query", [{"theme": "plage"}, {"page": "0"}, {"du": "hier"}, {"tri": "nom"}, {"page": "x"}]
)
def test_bad_filters_are_french_422(client, headers, query):
    response = client.get("/api/cras", query_string=query, headers=headers)
    assert response.status_code == 422 and response.json["errors"]


def test_today_follows_the_conseillers_time_zone(app, make_user, make_structure):
    reunion = make_user("conseiller", structure=make_structure("Mairie", "97411", "97400"))
    expected = datetime.now(ZoneInfo("Indian/Reunion")).date()
    assert cra_schema(reunion.conseiller).today == expected
    paris = make_user("conseiller", structure=make_structure())
    assert cra_schema(paris.conseiller).today == datetime.now(ZoneInfo("Europe/Paris")).date()
    assert isinstance(expected, date)


# --- each CRA's operations (GET /api/cras/<id>/historique) ---------------------------------

OLDER = {"moins12ans": 0, "de12a18ans": 0, "de18a35ans": 0, "de35a60ans": 1, "plus60ans": 0}


def send(client, headers, *operations, appareil=None):
    extra = {"appareil": appareil} if appareil is not None else {}
    response = client.post(
        "/api/sync/push", json={"operations": list(operations), **extra}, headers=headers
    )
    assert response.status_code == 200, response.json
    return [result["status"] for result in response.json["results"]]


def operations_of(client, headers, cra_id, expect=200):
    response = client.get(f"/api/cras/{cra_id}/historique", headers=headers)
    assert response.status_code == expect, response.json
    return response.json.get("items", response.json)


def test_the_owner_sees_creation_edits_with_their_fields_and_deletion(client, headers):
    create = create_op()
    cra_id = create["cra_id"]
    edit = update_op(cra_id, create["op_id"], cra_payload(annotation="Impôts", age=OLDER))
    assert send(client, headers, create, appareil="Android · Chrome") == ["applied"]
    assert send(client, headers, edit, appareil="Windows · Firefox") == ["applied"]
    assert send(client, headers, delete_op(cra_id, edit["op_id"])) == ["applied"]
    items = operations_of(client, headers, cra_id)
    assert [(i["type"], i["statut"]) for i in items] == [
        ("create", "applied"),
        ("update", "applied"),
        ("delete", "applied"),
    ]
    assert [i["appareil"] for i in items] == ["Android · Chrome", "Windows · Firefox", None]
    assert items[0]["champs"] is None and items[1]["champs"] == ["age", "annotation"]
    assert items[0]["op_id"] == create["op_id"]
    moments = [datetime.fromisoformat(i["date"]) for i in items]
    assert moments == sorted(moments) and all(m.utcoffset() is not None for m in moments)


def test_refused_and_conflicting_operations_are_listed_with_their_messages(client, headers):
    create = create_op()
    cra_id = create["cra_id"]
    first = update_op(cra_id, create["op_id"], cra_payload(annotation="Première"))
    stale = update_op(cra_id, create["op_id"], cra_payload(annotation="Périmée"))
    invalid = update_op(cra_id, create["op_id"], cra_payload(nb_participants=0))
    assert send(client, headers, create, first) == ["applied", "applied"]
    assert send(client, headers, stale, invalid) == ["conflict", "rejected"]
    assert send(client, headers, stale, invalid) == ["conflict", "rejected"]  # a replay
    items = operations_of(client, headers, cra_id)
    assert [(i["type"], i["statut"]) for i in items] == [
        ("create", "applied"),
        ("update", "applied"),
        ("update", "conflict"),
        ("update", "rejected"),
    ]
    assert items[2]["message"].startswith("Ce compte rendu a été modifié entre-temps")
    assert items[3]["message"] == "Erreur : veuillez corriger les champs signalés."
    assert "nb_participants" in items[3]["errors"]


def test_a_replayed_batch_adds_nothing_to_the_history(client, headers):
    create = create_op()
    assert send(client, headers, create) == ["applied"]
    assert send(client, headers, create) == ["duplicate"]
    assert len(operations_of(client, headers, create["cra_id"])) == 1


@pytest.mark.parametrize("appareil", ["x" * 81, "Android\x00", 42, ["Android"], "  "])
def test_a_device_label_that_is_not_one_is_not_kept(client, headers, appareil):
    create = create_op()
    assert send(client, headers, create, appareil=appareil) == ["applied"]
    assert operations_of(client, headers, create["cra_id"])[0]["appareil"] is None


@pytest.mark.parametrize(
    ("viewer", "status"),
    [
        ("a2", 404),  # a colleague of the same structure
        ("k", 404),  # the coordinator of the owner's team
        ("structure_a", 403),
        ("prefet_69", 403),
        ("admin", 403),
    ],
)
def test_nobody_but_the_owner_sees_a_cras_operations(client, login, roles_world, viewer, status):
    """The coordinator, the structure, the prefet and the national team see no more than
    before: no CRA's detail."""
    owner = roles_world["people"]["a1"]
    create = create_op()
    send(client, login(owner), create)
    assert len(operations_of(client, login(owner), create["cra_id"])) == 1
    who = roles_world["people"].get(viewer) or roles_world["viewers"][viewer]
    assert operations_of(client, login(who), create["cra_id"], status)["code"] == status


def test_an_id_never_sent_is_a_404(client, headers):
    assert operations_of(client, headers, uuid.uuid4(), 404)["code"] == 404
