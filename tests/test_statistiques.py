"""Statistics: each indicator against hand-computed values (statistiques.md)."""

from datetime import date

import pytest

from server.services.statistiques import Periode, general, pourcentage
from tests.cra_payloads import atelier_payload, cra_payload, create_op, delete_op


@pytest.fixture
def conseiller(make_user, make_structure):
    return make_user("conseiller", structure=make_structure())


@pytest.fixture
def push(client, login, conseiller):
    headers = login(conseiller)

    def send(*operations):
        response = client.post("/api/sync/push", json={"operations": list(operations)},
                               headers=headers)
        assert {r["status"] for r in response.json["results"]} == {"applied"}, response.json
    send.headers = headers
    return send


@pytest.mark.parametrize("part, total, expected", [
    (1, 3, 33.3), (2, 3, 66.7), (1, 8, 12.5), (1, 16, 6.3), (0, 0, 0.0), (5, 5, 100.0)])
def test_percentages_round_half_up_to_one_decimal(part, total, expected):
    assert pourcentage(part, total) == expected


def test_general_block_on_a_small_fixture(app, push, conseiller):
    # 2 individuels, 1 ponctuel, 1 atelier of 5 with 2 récurrents and 4 follow-ups,
    # 1 deleted CRA, 1 CRA outside the period.
    deleted = create_op(cra_payload(date="2026-11-03"))
    push(create_op(cra_payload(date="2026-11-02")),
         create_op(cra_payload(date="2026-11-05", suivi={"individuel": 1, "atelier": 0,
                                                         "redirection": 0})),
         create_op(cra_payload(date="2026-11-06", activite="ponctuel")),
         create_op(atelier_payload(date="2026-11-10")),
         create_op(cra_payload(date="2026-10-31")), deleted)
    push(delete_op(deleted["cra_id"], base=deleted["op_id"]))
    figures = general(Periode(date(2026, 11, 1), date(2026, 11, 30)),
                      conseiller.conseiller_id)
    assert figures == {
        "cra_enregistres": 4, "accompagnements": 8, "personnes_accompagnees": 6,
        "ateliers": 1, "participants_ateliers": 5, "individuels": 2, "ponctuels": 1,
        "suivi_individuel": 2, "suivi_atelier": 1, "suivi_redirection": 2, "suivi_total": 5,
        "suivi_pourcentage": 62.5,
    }


def test_empty_period_gives_zeros(app, conseiller):
    figures = general(Periode(date(2021, 1, 1), date(2021, 1, 31)), conseiller.conseiller_id)
    assert set(figures.values()) == {0}


def test_mes_statistiques_api(client, push):
    push(create_op(cra_payload(date="2026-11-02")))
    response = client.get("/api/statistiques/conseiller",
                          query_string={"du": "2026-11-01", "au": "2026-11-30"},
                          headers=push.headers)
    assert response.status_code == 200
    values = {f["cle"]: f["valeur"] for f in response.json["figures"]}
    assert values["cra_enregistres"] == 1 and values["suivi_pourcentage"] == "0,0 %"
    assert response.json["figures"][0]["libelle"] == (
        "Personnes totales accompagnées durant cette période")


def test_mes_statistiques_checks_the_period(client, push):
    response = client.get("/api/statistiques/conseiller",
                          query_string={"du": "2026-11-30", "au": "2026-11-01"},
                          headers=push.headers)
    assert response.status_code == 422 and "précéder" in response.json["errors"]["du"][0]
