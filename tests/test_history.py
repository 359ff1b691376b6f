"""History API: own CRAs, 30 per page, filters, sort, total count."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from server.services.cras import cra_schema
from tests.cra_payloads import atelier_payload, cra_payload, create_op, delete_op


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
