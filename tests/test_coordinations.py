"""The coordinators' CRA: through the sync protocol, its rules, the list, the national counts."""

import csv
import io
import uuid
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from server.extensions import db
from server.models import Cra, CraCoordination, CraOperation, cra_stat_jour
from server.services import cumuls
from tests.cra_payloads import cra_payload, create_op, delete_op, update_op
from tests.test_sync import hide_from_the_prefetch


def rapport(**changes) -> dict:
    """A valid coordination CRA: one event, one partnership, two accompaniments."""
    payload = {
        "date": "2026-11-20",
        "evenements": [
            {
                "nom": "Fête du numérique",
                "organisateurs": ["commune", "ma-structure"],
                "type": "grand-public",
                "date": "2026-11-14",
            }
        ],
        "partenariats": [
            {
                "nom": "CAF du Rhône",
                "type_structure": "etat",
                "natures": ["parcours-usager", "rendez-vous-elu"],
            }
        ],
        "accompagnements": [
            {
                "type": "structure",
                "type_structure": "association",
                "nom_structure": "Les Connectés",
                "problematiques": ["outils"],
                "actions": ["visite", "ressources"],
            },
            {
                "type": "mediateur",
                "nom_mediateur": "Alex Martin",
                "type_structure": "commune",
                "nom_structure": "Mairie de Vénissieux",
                "problematiques": ["cra", "formation"],
                "actions": ["entretien"],
            },
        ],
        "communication_heures": 2.5,
    }
    payload.update(changes)
    return payload


def coordination_op(payload=None, **extra) -> dict:
    return create_op(payload or rapport(), objet="cra_coordination", **extra)


@pytest.fixture
def lyon(make_structure):
    return make_structure("Mairie de Lyon", "69123", "69001")


@pytest.fixture
def coordinateur(make_user, lyon):
    return make_user("coordinateur", structure=lyon)


@pytest.fixture
def push(client, login, coordinateur):
    headers = login(coordinateur)

    def send(*operations):
        response = client.post(
            "/api/sync/push", json={"operations": list(operations)}, headers=headers
        )
        assert response.status_code == 200, response.json
        return response.json["results"]

    send.headers = headers
    return send


def statuses(results):
    return [result["status"] for result in results]


def test_a_coordination_cra_syncs_once_whatever_the_network_does(push, client):
    create = coordination_op()
    assert statuses(push(create)) == ["applied"]
    replay = push(create)  # the answer was lost: the app sends it again
    assert statuses(replay) == ["duplicate"]
    assert replay[0]["cra"]["objet"] == "cra_coordination"
    edit = update_op(create["cra_id"], base=create["op_id"], cra=rapport(communication_heures=4))
    edit["objet"] = "cra_coordination"
    assert statuses(push(create, edit)) == ["duplicate", "applied"]
    db.session.expire_all()
    rows = db.session.scalars(select(CraCoordination)).all()
    assert len(rows) == 1 and rows[0].communication_heures == 4 and rows[0].version == 2
    pulled = client.get("/api/sync/pull", headers=push.headers).json["changes"]
    assert [(c["objet"], c["version"]) for c in pulled] == [("cra_coordination", 2)]
    delete = delete_op(create["cra_id"], base=edit["op_id"])
    delete["objet"] = "cra_coordination"
    assert statuses(push(delete)) == ["applied"]
    assert statuses(push(delete)) == ["duplicate"]


@pytest.mark.parametrize("first", ["cra_coordination", "cra"])
def test_an_op_id_reused_for_the_same_id_under_the_other_objet_is_rejected(push, first):
    """Same op_id, same id, same owner, but the other kind of record: not a replay, so not
    a `duplicate` (which the app would drop, that record never stored)."""
    coordination, cra = coordination_op(), create_op(cra_payload())
    cra["op_id"], cra["cra_id"] = coordination["op_id"], coordination["cra_id"]
    original, reuse = (coordination, cra) if first == "cra_coordination" else (cra, coordination)
    assert statuses(push(original)) == ["applied"]
    for batch in ([reuse], [original, reuse]):  # alone, and within a replayed batch
        results = push(*batch)
        assert statuses(results)[-1] == "rejected"
        assert "nouvel identifiant" in results[-1]["errors"]["op_id"][0]
    assert statuses(push(original)) == ["duplicate"]
    reuse["op_id"] = str(uuid.uuid4())  # what the app does
    assert statuses(push(reuse)) == ["applied"]
    db.session.expire_all()
    assert db.session.get(Cra, uuid.UUID(cra["cra_id"])).head == uuid.UUID(cra["op_id"])
    report = db.session.get(CraCoordination, uuid.UUID(coordination["cra_id"]))
    assert report.head == uuid.UUID(coordination["op_id"])
    logged = db.session.execute(select(CraOperation.objet, CraOperation.op_id)).all()
    assert sorted(logged) == sorted(
        [("cra", uuid.UUID(cra["op_id"])), ("cra_coordination", uuid.UUID(coordination["op_id"]))]
    )


def test_a_batch_planned_again_after_a_lost_race_tells_the_objets_apart(push, monkeypatch):
    """The same rule when the batch is planned again after a lost race: the first round's
    reads miss the op_id, its write finds it taken, the second round rejects the reuse."""
    coordination = coordination_op()
    push(coordination)
    cra = create_op(cra_payload(), op_id=coordination["op_id"], cra_id=coordination["cra_id"])
    lost = hide_from_the_prefetch(monkeypatch, op_ids={coordination["op_id"]})
    assert statuses(push(create_op(cra_payload()), cra)) == ["applied", "rejected"]
    assert lost == [True, False]
    db.session.expire_all()
    assert db.session.get(Cra, uuid.UUID(cra["cra_id"])) is None


def test_cras_and_coordination_cras_share_a_batch_and_the_pull_sequence(push, client):
    results = push(create_op(cra_payload()), coordination_op(), create_op(cra_payload()))
    assert statuses(results) == ["applied"] * 3
    assert "objet" not in results[0]["cra"]
    pulled = client.get("/api/sync/pull", headers=push.headers, query_string={"limit": 2}).json
    assert [c.get("objet", "cra") for c in pulled["changes"]] == ["cra", "cra_coordination"]
    rest = client.get(
        "/api/sync/pull", headers=push.headers, query_string={"cursor": pulled["cursor"]}
    ).json
    assert [c.get("objet", "cra") for c in rest["changes"]] == ["cra"] and not rest["more"]
    # the daily totals count CRAs only
    assert db.session.scalar(select(func.sum(cra_stat_jour.c.cras))) == 2
    assert cumuls.ecarts() == []


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"date": "2099-01-01"}, "date", "La date ne peut pas être dans le futur."),
        ({"communication_heures": 2.25}, "communication_heures", "par demi-heure"),
        ({"communication_heures": 61}, "communication_heures", "entre 0 et 60"),
        (
            {
                "evenements": [
                    {"nom": "X", "organisateurs": [], "type": "gala", "date": "2026-11-14"}
                ]
            },
            "evenements",
            None,
        ),
        (
            {
                "accompagnements": [
                    {
                        "type": "mediateur",
                        "type_structure": "commune",
                        "nom_structure": "Mairie",
                        "problematiques": ["cra"],
                        "actions": ["entretien"],
                    }
                ]
            },
            "accompagnements",
            None,
        ),
        (
            {
                "partenariats": [
                    {
                        "nom": "CAF",
                        "type_structure": "etat",
                        "natures": ["subvention", "subvention"],
                    }
                ]
            },
            "partenariats",
            None,
        ),
    ],
)
def test_invalid_reports_are_rejected_with_french_field_errors(push, changes, field, message):
    result = push(coordination_op(rapport(**changes)))[0]
    assert result["status"] == "rejected"
    assert any(key.split(".")[0] == field for key in result["errors"])  # "evenements.0.nom"
    if message:
        assert message in result["errors"][field][0]


def test_field_errors_point_at_the_item(push):
    result = push(
        coordination_op(
            rapport(
                evenements=[
                    rapport()["evenements"][0],
                    {"nom": "X", "organisateurs": [], "type": "gala", "date": "2099-11-14"},
                ]
            )
        )
    )[0]
    errors = result["errors"]
    assert errors["evenements.1.nom"] == ["Nom de l'événement : entre 2 et 200 caractères."]
    assert errors["evenements.1.organisateurs"] == ["Cochez au moins un choix."]
    assert "Type d'événement inconnu(e)" in errors["evenements.1.type"][0]
    mediateur = push(
        coordination_op(
            rapport(accompagnements=[{**rapport()["accompagnements"][1], "nom_mediateur": None}])
        )
    )[0]
    assert mediateur["errors"]["accompagnements.0.nom_mediateur"] == [
        "Indiquez le nom du médiateur ou de la médiatrice."
    ]


def test_an_empty_report_says_nothing_to_add(push):
    empty = rapport(evenements=[], partenariats=[], accompagnements=[], communication_heures=0)
    assert statuses(push(coordination_op(empty))) == ["applied"]


def test_only_coordinators_file_coordination_cras(client, login, make_user, lyon):
    headers = login(make_user("conseiller", structure=lyon))
    response = client.post(
        "/api/sync/push", headers=headers, json={"operations": [coordination_op()]}
    )
    assert response.json["results"][0]["errors"] == {
        "objet": ["Seuls les conseillers coordinateurs saisissent un CRA de coordination."]
    }


def test_the_list_shows_own_reports_only(push, client, login, make_user, lyon):
    push(coordination_op(rapport(date="2026-11-02")), coordination_op())
    other = login(make_user("coordinateur", structure=lyon))
    client.post("/api/sync/push", headers=other, json={"operations": [coordination_op()]})
    mine = client.get("/api/coordinations", headers=push.headers).json
    assert mine["total"] == 2 and [r["date"] for r in mine["items"]] == ["2026-11-20", "2026-11-02"]
    one = mine["items"][0]["id"]
    assert client.get(f"/api/coordinations/{one}", headers=push.headers).status_code == 200
    assert client.get(f"/api/coordinations/{one}", headers=other).status_code == 404
    assert client.get(f"/api/coordinations/{uuid.uuid4()}", headers=push.headers).status_code == 404


def test_national_counts_on_a_fixture(push, client, login, make_user, lyon):
    push(
        coordination_op(),
        coordination_op(
            rapport(
                date="2026-11-25",
                communication_heures=1,
                evenements=[
                    {
                        "nom": "Webinaire",
                        "organisateurs": ["etat"],
                        "type": "national",
                        "date": "2026-11-21",
                    },
                    {
                        "nom": "Forum",
                        "organisateurs": ["region"],
                        "type": "grand-public",
                        "date": "2026-11-22",
                    },
                ],
                partenariats=[],
                accompagnements=[rapport()["accompagnements"][0]],
            )
        ),
        coordination_op(rapport(date="2025-01-10", communication_heures=10)),
    )
    second = login(make_user("coordinateur", structure=lyon))
    client.post(
        "/api/sync/push",
        headers=second,
        json={
            "operations": [
                coordination_op(
                    rapport(
                        date="2026-11-03",
                        communication_heures=0,
                        evenements=[],
                        partenariats=[],
                        accompagnements=[],
                    )
                )
            ]
        },
    )
    admin = login(make_user("admin"))
    response = client.get(
        "/api/coordinations/national",
        headers=admin,
        query_string={"du": "2026-11-01", "au": "2026-11-30"},
    )
    counts = response.json

    def by_key(lines):
        return {line["cle"]: line["nombre"] for line in lines}

    assert (counts["cras"], counts["coordinateurs"], counts["evenements"]) == (3, 2, 3)
    assert by_key(counts["evenements_par_type"]) == {
        "grand-public": 2,
        "national": 1,
        "inclusion-numerique": 0,
        "nec-local": 0,
        "autre": 0,
    }
    assert counts["partenariats"] == 1
    assert by_key(counts["partenariats_par_nature"])["rendez-vous-elu"] == 1
    assert (counts["structures_accompagnees"], counts["mediateurs_accompagnes"]) == (2, 1)
    assert counts["communication_heures_moyenne"] == 1.2  # (2.5 + 1 + 0) / 3
    csv_text = client.get(
        "/api/coordinations/national/export.csv",
        headers=admin,
        query_string={"du": "2026-11-01", "au": "2026-11-30"},
    ).data.decode("utf-8-sig")
    assert "Événements : Grand public;2" in csv_text
    assert "Temps moyen dédié à la communication (heures par semaine);1,2" in csv_text
    workbook = load_workbook(
        io.BytesIO(
            client.get(
                "/api/coordinations/national/export.xlsx",
                headers=admin,
                query_string={"du": "2026-11-01", "au": "2026-11-30"},
            ).data
        )
    )
    rows = list(workbook["CRA"].iter_rows(values_only=True))
    assert len(rows) == 4 and "Fête du numérique (Grand public, 14/11/2026" in rows[2][4]
    assert client.get("/api/coordinations/national", headers=push.headers).status_code == 403


def test_an_empty_period_counts_zeros(client, login, make_user):
    admin = login(make_user("admin"))
    counts = client.get(
        "/api/coordinations/national",
        headers=admin,
        query_string={"du": "2021-01-01", "au": "2021-01-31"},
    ).json
    assert counts["cras"] == 0 and counts["communication_heures_moyenne"] == 0.0
    assert date.fromisoformat(counts["du"]) == date(2021, 1, 1)


def test_typed_names_never_run_or_break_the_national_exports(push, client, login, make_user):
    hostile = '=HYPERLINK("https://x.example";"Cliquez ici")'
    payload = rapport()
    payload["evenements"][0]["nom"] = hostile
    payload["partenariats"][0]["nom"] = '+33; "CAF"\r\nRhône'
    payload["accompagnements"][0]["nom_structure"] = "@SUM(A1) $x$ {}"
    assert statuses(push(coordination_op(payload))) == ["applied"]
    admin = login(make_user("admin"))
    period = {"du": "2026-11-01", "au": "2026-11-30"}
    text = client.get(
        "/api/coordinations/national/export.csv", headers=admin, query_string=period
    ).data.decode("utf-8-sig")
    assert {len(row) for row in csv.reader(io.StringIO(text), delimiter=";") if row} <= {1, 2}
    workbook = load_workbook(
        io.BytesIO(
            client.get(
                "/api/coordinations/national/export.xlsx", headers=admin, query_string=period
            ).data
        )
    )
    assert workbook.sheetnames == ["À propos", "Comptes nationaux", "CRA"]
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    rows = list(workbook["CRA"].iter_rows(values_only=True))
    assert rows[1][4].startswith(hostile) and rows[1][1] == datetime(2026, 11, 20)
    assert workbook["CRA"].freeze_panes == "A2" and workbook["CRA"].auto_filter.ref
