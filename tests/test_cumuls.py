"""The daily totals per département never drift from the CRAs (server/services/cumuls.py)."""

import threading
from datetime import date

import pytest
from sqlalchemy import func, select, update

from server.extensions import db
from server.models import Emploi, cra_stat_jour, cra_stat_organisme
from server.services import cumuls
from tests.cra_payloads import atelier_payload, cra_payload, create_op, delete_op, update_op


@pytest.fixture
def lyon(make_structure):
    return make_structure("Mairie de Lyon", "69123", "69001")


@pytest.fixture
def push(client, login, conseiller):
    headers = login(conseiller)

    def send(*operations):
        response = client.post(
            "/api/sync/push", json={"operations": list(operations)}, headers=headers
        )
        assert response.status_code == 200, response.json
        return [result["status"] for result in response.json["results"]]

    return send


def stored_days() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(cra_stat_jour))


def test_creates_edits_deletes_and_replays_keep_the_totals_equal_to_the_cras(push):
    first, second = create_op(atelier_payload(date="2026-10-05")), create_op()
    third = create_op(
        cra_payload(
            date="2026-10-05",
            suivi={"individuel": 0, "atelier": 0, "redirection": 1},
            organismes=[{"nom": "Maison du Vélo", "nombre": 1}],
        )
    )
    assert push(first, second, third) == ["applied"] * 3
    assert cumuls.ecarts() == []
    # replays and a duplicate create change nothing
    assert push(first, second, third) == ["duplicate"] * 3
    assert cumuls.ecarts() == []
    # an edit moving a CRA to another day, theme, duration and organisme
    edit = update_op(
        first["cra_id"],
        base=first["op_id"],
        cra=atelier_payload(
            date="2026-10-07",
            themes=["budget"],
            sous_themes={},
            duree="0-30",
            duree_minutes=None,
            organismes=[{"nom": "CAF", "nombre": 2}],
        ),
    )
    delete = delete_op(second["cra_id"], base=second["op_id"])
    stale = update_op(third["cra_id"], base=first["op_id"])  # conflict: changes nothing
    invalid = create_op(atelier_payload(nb_recurrents=9))  # rejected
    assert push(edit, delete, stale, invalid) == ["applied", "applied", "conflict", "rejected"]
    assert cumuls.ecarts() == []
    assert push(edit, delete) == ["duplicate", "duplicate"]
    last = delete_op(third["cra_id"], base=third["op_id"])
    edited_again = delete_op(first["cra_id"], base=edit["op_id"])
    assert push(last, edited_again) == ["applied", "applied"]
    assert cumuls.ecarts() == []
    # nothing left to count: no day row, no organisme row
    assert stored_days() == 0
    assert db.session.scalar(select(func.count()).select_from(cra_stat_organisme)) == 0


def test_an_edit_that_changes_the_employer_moves_the_cra_between_departements(
    push, conseiller, make_structure
):
    saint_etienne = make_structure("Mairie de Saint-Étienne", "42218", "42000")
    record = conseiller.conseiller
    record.emplois[0].date_debut = date(2024, 1, 1)
    db.session.add(
        Emploi(
            conseiller_id=record.id,
            structure_id=saint_etienne.id,
            date_debut=date(2021, 1, 4),
            date_fin=date(2023, 12, 31),
        )
    )
    db.session.commit()
    create = create_op(cra_payload(date="2026-10-05"))
    push(create)
    assert push(
        update_op(create["cra_id"], base=create["op_id"], cra=cra_payload(date="2023-06-01"))
    ) == ["applied"]
    assert cumuls.ecarts() == []
    rows = db.session.execute(
        select(cra_stat_jour.c.jour, cra_stat_jour.c.departement_code, cra_stat_jour.c.cras)
    ).all()
    assert rows == [(date(2023, 6, 1), "42", 1)]


def test_ecarts_sees_a_tampered_total_and_recalculer_repairs_it(push, runner):
    push(create_op(atelier_payload(date="2026-10-05")), create_op())
    db.session.execute(update(cra_stat_jour).values(cras=cra_stat_jour.c.cras + 1))
    db.session.execute(update(cra_stat_organisme).values(nombre=7))
    db.session.commit()
    problems = cumuls.ecarts()
    assert len(problems) == 2 + 2  # two days, two organismes
    assert "département 69" in problems[0]
    result = runner.invoke(args=["statistiques", "verifier"])
    assert result.exit_code == 1 and "4 écart(s)" in result.output
    result = runner.invoke(args=["statistiques", "recalculer"])
    assert result.exit_code == 0 and "2 jours" in result.output
    assert cumuls.ecarts() == []
    assert runner.invoke(args=["statistiques", "verifier"]).exit_code == 0


def test_a_cra_without_structure_counts_nationally_only(client, login, make_user):
    headers = login(make_user("conseiller", structure=None))
    response = client.post("/api/sync/push", json={"operations": [create_op()]}, headers=headers)
    assert response.json["results"][0]["status"] == "applied"
    assert db.session.execute(
        select(cra_stat_jour.c.departement_code, cra_stat_jour.c.region_code)
    ).all() == [("", "")]
    assert cumuls.ecarts() == []


def test_concurrent_batches_of_one_departement_keep_exact_totals(app, login, make_user, lyon):
    """Eight conseillers of one structure push at once, on the same days, each batch with
    creates, edits and deletes in a different day order: no deadlock, no lost update."""
    users = [make_user("conseiller", structure=lyon) for _ in range(8)]
    headers = [login(user) for user in users]
    days = [f"2026-10-{day:02d}" for day in range(5, 10)]
    barrier = threading.Barrier(len(users))
    failures = []

    def fire(index):
        client = app.test_client()
        order = days[index % len(days) :] + days[: index % len(days)]
        creates = [create_op(cra_payload(date=day)) for day in order]
        creates.append(create_op(atelier_payload(date=order[0])))
        edit = update_op(
            creates[0]["cra_id"],
            base=creates[0]["op_id"],
            cra=cra_payload(date=order[-1], themes=["budget"]),
        )
        delete = delete_op(creates[1]["cra_id"], base=creates[1]["op_id"])
        barrier.wait()
        for batch in ([*creates, edit, delete], creates):  # the second is a replay
            response = client.post(
                "/api/sync/push", json={"operations": batch}, headers=headers[index]
            )
            if response.status_code != 200:
                failures.append(response.json)

    threads = [threading.Thread(target=fire, args=(i,)) for i in range(len(users))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert failures == []
    db.session.expire_all()
    assert cumuls.ecarts() == []
    total = db.session.scalar(select(func.sum(cra_stat_jour.c.cras)))
    assert total == 8 * 5  # 6 created, 1 deleted, per conseiller
