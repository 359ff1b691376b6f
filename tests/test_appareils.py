"""Devices and their sync state: the report in each push, the conseiller's devices (list,
forget), and the support page (admin's list, filters and CSV; a structure's counts)."""

import csv
import io
import re
import uuid
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import select, update

from server.extensions import db
from server.models import Appareil
from server.models.types import utcnow
from server.services import appareils
from tests.conftest import PASSWORD
from tests.cra_payloads import cra_payload, create_op

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def report(appareil_id=None, **changes) -> dict:
    return {
        "appareil_id": str(appareil_id or uuid.uuid4()),
        "appareil": "Android · Chrome",
        "version": "v-test",
        "en_attente": 0,
        **changes,
    }


def send(client, headers, *operations, expect=200, **extra):
    response = client.post(
        "/api/sync/push", json={"operations": list(operations), **extra}, headers=headers
    )
    assert response.status_code == expect, response.json
    return response.json


def devices(client, headers) -> list[dict]:
    response = client.get("/api/appareils", headers=headers)
    assert response.status_code == 200, response.json
    return response.json["items"]


@pytest.fixture
def headers(login, conseiller):
    return login(conseiller)


def test_a_push_with_its_report_records_the_device(client, headers):
    sent = report(en_attente=3)
    assert send(client, headers, create_op(), **sent)["results"][0]["status"] == "applied"
    (device,) = devices(client, headers)
    assert device["id"] == sent["appareil_id"]
    assert (device["libelle"], device["version"], device["en_attente"]) == (
        "Android · Chrome",
        "v-test",
        3,
    )
    assert device["derniere_synchro"] and not device["en_erreur"]
    assert device["derniere_erreur"] is None


def test_an_app_that_reports_nothing_is_served_as_before(client, headers):
    assert send(client, headers, create_op(), appareil="Android")["results"][0]["status"] == (
        "applied"
    )
    assert devices(client, headers) == []


def test_the_same_device_is_one_row_whose_label_stays_when_not_given(client, headers):
    sent = report()
    send(client, headers, create_op(), **sent)
    later = {key: value for key, value in sent.items() if key != "appareil"}
    send(client, headers, create_op(), **{**later, "version": "v-2", "en_attente": 0})
    (device,) = devices(client, headers)
    assert device["libelle"] == "Android · Chrome" and device["version"] == "v-2"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("appareil_id", "pas-un-uuid"),
        ("appareil_id", 42),
        ("version", ""),
        ("version", "v" * 41),
        ("version", 3),
        ("en_attente", -1),
        ("en_attente", "3"),
        ("en_attente", True),
    ],
)
def test_a_malformed_report_is_refused_in_french_and_applies_nothing(client, headers, field, value):
    answer = send(client, headers, create_op(), expect=422, **report(**{field: value}))
    assert answer["message"].startswith("Informations de l'appareil invalides")
    assert list(answer["errors"]) == [field]
    assert all(isinstance(m, str) for m in answer["errors"][field])
    assert client.get("/api/cras", headers=headers).json["total"] == 0
    assert devices(client, headers) == []


def test_a_refused_item_is_the_devices_last_error_until_a_clean_push(client, headers):
    sent = report()
    refused = create_op(cra_payload(nb_participants=0))
    answer = send(client, headers, refused, create_op(), **sent)
    assert [r["status"] for r in answer["results"]] == ["rejected", "applied"]
    (device,) = devices(client, headers)
    assert device["en_erreur"] and device["derniere_erreur_at"] == device["derniere_synchro"]
    assert device["derniere_erreur"] == (
        "1 opération refusée : Erreur : veuillez corriger les champs signalés."
    )
    send(client, headers, create_op(), **sent)
    (device,) = devices(client, headers)
    assert not device["en_erreur"] and device["derniere_erreur"].startswith("1 opération")


def test_a_request_refused_whole_is_recorded_without_a_sync(client, headers):
    sent = report(en_attente=7)
    response = client.post("/api/sync/push", json={"lot": [], **sent}, headers=headers)
    assert response.status_code == 422
    (device,) = devices(client, headers)
    assert device["en_erreur"] and device["derniere_synchro"] is None
    assert device["derniere_erreur"] == response.json["message"]
    assert device["en_attente"] == 7


def test_a_conseiller_sees_and_forgets_only_their_own_devices(
    client, login, conseiller, make_user, make_structure
):
    mine, theirs = login(conseiller), login(make_user("conseiller", structure=make_structure()))
    own, other = report(), report()
    send(client, mine, create_op(), **own)
    send(client, theirs, create_op(), **other)
    assert [d["id"] for d in devices(client, mine)] == [own["appareil_id"]]
    assert client.delete(f"/api/appareils/{other['appareil_id']}", headers=mine).status_code == 404
    assert [d["id"] for d in devices(client, theirs)] == [other["appareil_id"]]
    assert client.delete(f"/api/appareils/{own['appareil_id']}", headers=mine).status_code == 204
    assert devices(client, mine) == []
    assert client.delete(f"/api/appareils/{own['appareil_id']}", headers=mine).status_code == 404
    send(client, mine, create_op(), **own)  # a forgotten device comes back with its next push
    assert len(devices(client, mine)) == 1


@pytest.mark.parametrize(
    ("date", "dumped"),
    [(datetime(2026, 12, 7, 13, 5, tzinfo=UTC), "2026-12-07T13:05:00+00:00"), (None, None)],
)
def test_the_devices_come_with_the_served_version_and_its_date(app, client, headers, date, dumped):
    app.config["APP_VERSION_DATE"] = date  # the build's (assets.py), restored after the test
    send(client, headers, create_op(), **report(version=app.config["APP_VERSION"]))
    answer = client.get("/api/appareils", headers=headers).json
    assert answer["version_servie"] == {"version": app.config["APP_VERSION"], "date": dumped}
    assert [device["version"] for device in answer["items"]] == [app.config["APP_VERSION"]]


@pytest.mark.parametrize("role", ["structure", "prefet", "admin"])
def test_only_those_who_sync_have_devices(client, login, make_user, make_structure, role):
    links = {"departement_code": "69"} if role == "prefet" else {}
    user = make_user(role, structure=make_structure(), **links)
    assert client.get("/api/appareils", headers=login(user)).status_code == 403
    deleted = client.delete(f"/api/appareils/{uuid.uuid4()}", headers=login(user))
    assert deleted.status_code == 403


# --- the support page ------------------------------------------------------------------------


@pytest.fixture
def browser(app):
    """A new browser logged in to the pilotage pages as a user."""

    def open_as(user):
        client = app.test_client()
        page = client.get("/pilotage/connexion")
        token = unescape(CSRF_FIELD.search(page.text).group(1))
        response = client.post(
            "/pilotage/connexion",
            data={"email": user.email, "password": PASSWORD, "csrf_token": token},
        )
        assert response.status_code == 302, response.text
        return client

    return open_as


@pytest.fixture
def parc(client, login, roles_world):
    """Devices of a1 (structure A): one quiet for 10 days with 4 CRAs waiting, one in error;
    of c1 (structure C): one on an older version, label typed as a formula."""
    people = roles_world["people"]
    a1, c1 = login(people["a1"]), login(people["c1"])
    current = appareils.version_servie()["version"]
    quiet, failing, old = report(en_attente=4), report(), report(appareil="=1+1", version="vieux")
    send(client, a1, create_op(), **{**quiet, "version": current})
    send(client, a1, create_op(cra_payload(nb_participants=0)), **{**failing, "version": current})
    send(client, c1, create_op(), **old)
    db.session.execute(
        update(Appareil)
        .where(Appareil.appareil_id == uuid.UUID(quiet["appareil_id"]))
        .values(derniere_synchro=utcnow() - timedelta(days=10))
    )
    db.session.commit()
    return {"quiet": quiet, "failing": failing, "old": old, **roles_world}


def shown(page) -> set[str]:
    return set(re.findall(r'data-appareil="([^"]+)"', page.text))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, {"quiet", "failing", "old"}),
        ({"jours": 7}, {"quiet"}),
        ({"jours": 30}, set()),
        ({"en_erreur": 1}, {"failing"}),
        ({"version_ancienne": 1}, {"old"}),
        ({"jours": 7, "en_erreur": 1}, set()),
    ],
)
def test_the_admin_filters_the_devices(browser, parc, query, expected):
    page = browser(parc["viewers"]["admin"]).get("/pilotage/appareils", query_string=query)
    assert page.status_code == 200
    assert shown(page) == {parc[name]["appareil_id"] for name in expected}


def test_the_admin_reads_the_served_version_by_its_date_in_paris(app, browser, parc):
    app.config["APP_VERSION_DATE"] = datetime(2026, 7, 1, 12, 30, tzinfo=UTC)
    page = browser(parc["viewers"]["admin"]).get("/pilotage/appareils")
    version = app.config["APP_VERSION"]
    served = re.search(r"<p [^>]*data-version-servie>(.*?)</p>", page.text)
    assert served and served.group(1) == (
        f"Version en service : version du 01/07/2026 14:30 (<code>{version}</code>)."
        " Heures de Paris."
    )
    row = re.search(rf'data-appareil="{parc["old"]["appareil_id"]}">.*?</tr>', page.text, re.S)
    assert row and "<td>ancienne (vieux)</td>" in row.group(0)


def test_the_admin_sees_the_counts_and_a_refused_filter_in_french(browser, parc):
    page = browser(parc["viewers"]["admin"]).get("/pilotage/appareils?jours=0")
    assert "Nombre de jours entre 1 et 3650." in unescape(page.text)
    counts = dict(re.findall(r'data-compte="(\w+)"><td>[^<]*</td><td>(\d+)</td>', page.text))
    assert counts == {
        "appareils": "3",
        "silencieux": "1",
        "conseillers_silencieux": "1",
        "en_erreur": "1",
        "version_ancienne": "1",
    }


def test_the_admin_exports_the_filtered_devices_with_formulas_neutralised(browser, parc):
    response = browser(parc["viewers"]["admin"]).get("/pilotage/appareils.csv?version_ancienne=1")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Conseiller", "E-mail professionnel", "Structure", "Appareil"]
    (row,) = rows[1:]
    assert row[3] == "'=1+1" and row[4] == parc["old"]["appareil_id"]
    assert row[2] == "CCAS de Marseille" and row[6] == "non"


def test_a_structure_sees_only_counts_of_its_own_conseillers(browser, parc):
    structure_a = browser(parc["viewers"]["structure_a"])
    page = structure_a.get("/pilotage/appareils")
    assert page.status_code == 200 and shown(page) == set()
    counts = dict(re.findall(r'data-compte="(\w+)"><td>[^<]*</td><td>(\d+)</td>', page.text))
    # a1's two devices; c1's (structure C) is not counted
    assert counts["appareils"] == "2" and counts["silencieux"] == "1"
    assert counts["en_erreur"] == "1" and counts["version_ancienne"] == "0"
    assert "cnfs" not in page.text and "Prénom" not in page.text  # no conseiller named
    assert structure_a.get("/pilotage/appareils.csv").status_code == 403


def test_another_structure_counts_only_its_own(browser, parc):
    # One browser per test: the tests' app context (and its g) outlives a request.
    page = browser(parc["viewers"]["structure_c"]).get("/pilotage/appareils")
    counts = dict(re.findall(r'data-compte="(\w+)"><td>[^<]*</td><td>(\d+)</td>', page.text))
    assert counts["appareils"] == "1" and counts["version_ancienne"] == "1"
    assert counts["silencieux"] == "0" and counts["en_erreur"] == "0"


@pytest.mark.parametrize("viewer", ["cnfs_a1", "coord_k", "prefet_69"])
def test_others_may_not_see_the_support_page(browser, parc, viewer):
    client = browser(parc["viewers"][viewer])
    assert client.get("/pilotage/appareils").status_code == 403
    assert client.get("/pilotage/appareils.csv").status_code == 403


def test_forgetting_a_device_removes_its_row(client, headers):
    sent = report()
    send(client, headers, create_op(), **sent)
    client.delete(f"/api/appareils/{sent['appareil_id']}", headers=headers)
    assert db.session.scalars(select(Appareil)).all() == []
