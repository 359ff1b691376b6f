"""The maintenance switch: writes refused with 503 and Retry-After, reads and sessions kept,
the switch from the API, the command line and the admin's page, the pages' banner."""

import pytest
from flask import g
from sqlalchemy import func, select

from server.extensions import db
from server.models import CraOperation
from server.services import maintenance
from tests.conftest import PASSWORD
from tests.cra_payloads import create_op
from tests.test_pilotage import form_token

MESSAGE = "Mise à jour du service jusqu'à 14 h."


def operations() -> int:
    return db.session.scalar(select(func.count()).select_from(CraOperation))


@pytest.fixture
def admin(make_user):
    return make_user("admin")


def test_a_write_during_maintenance_is_a_503_with_retry_after_and_changes_nothing(
    client, push, app
):
    maintenance.basculer(True, MESSAGE, retry_after=120)
    response = client.post(
        "/api/sync/push", json={"operations": [create_op()]}, headers=push.headers
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "120"
    assert response.json == {"code": 503, "status": "Service Unavailable", "message": MESSAGE}
    assert operations() == 0


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/lieux"),
        ("put", "/api/lieux/1"),
        ("delete", "/api/lieux/1"),
        ("post", "/api/invitations"),
        ("put", "/api/rappels"),
        ("post", "/api/invitations/un-jeton"),
    ],
)
def test_every_kind_of_write_is_refused_before_its_view(client, push, method, path):
    maintenance.basculer(True, MESSAGE)
    response = getattr(client, method)(path, json={}, headers=push.headers)
    assert response.status_code == 503, (method, path, response.json)
    assert response.json["message"] == MESSAGE
    assert response.headers["Retry-After"] == str(maintenance.DEFAULT_RETRY_AFTER)


def test_reads_and_sessions_keep_working_during_maintenance(client, push, conseiller):
    assert push(create_op())[0]["status"] == "applied"
    maintenance.basculer(True, MESSAGE)
    assert client.get("/api/cras", headers=push.headers).json["total"] == 1
    assert client.get("/api/sync/pull", headers=push.headers).status_code == 200
    login = client.post("/api/auth/login", json={"email": conseiller.email, "password": PASSWORD})
    assert login.status_code == 200
    refresh = {"Authorization": f"Bearer {login.json['refresh_token']}"}
    assert client.post("/api/auth/refresh", headers=refresh).status_code == 200
    logout = client.post(
        "/api/auth/logout",
        json={"refresh_token": login.json["refresh_token"]},
        headers={"Authorization": f"Bearer {login.json['access_token']}"},
    )
    assert logout.status_code == 200


def test_writes_are_accepted_again_once_maintenance_is_off(push):
    maintenance.basculer(True, MESSAGE)
    push(create_op(), expect=503)
    maintenance.basculer(False)
    assert push(create_op())[0]["status"] == "applied"
    assert operations() == 1


def test_the_admin_switches_maintenance_through_the_api(client, login, admin):
    headers = login(admin)
    assert client.get("/api/maintenance").json["active"] is False  # public, no token
    response = client.put(
        "/api/maintenance",
        json={"active": True, "message": MESSAGE, "retry_after": 30},
        headers=headers,
    )
    assert response.status_code == 200
    assert response.json["active"] is True and response.json["retry_after"] == 30
    assert client.get("/api/maintenance").json["message"] == MESSAGE
    # The switch itself stays writable, or maintenance could not end.
    off = client.put("/api/maintenance", json={"active": False}, headers=headers)
    assert off.status_code == 200 and off.json["active"] is False
    assert maintenance.en_cours() is None


def test_maintenance_needs_its_message(client, login, admin):
    response = client.put(
        "/api/maintenance", json={"active": True, "message": "  "}, headers=login(admin)
    )
    assert response.status_code == 422
    assert response.json["errors"] == {
        "message": ["Indiquez le message montré pendant la maintenance."]
    }


@pytest.mark.parametrize("role", ["conseiller", "coordinateur", "structure", "prefet"])
def test_only_the_admin_switches_maintenance(client, login, make_user, make_structure, role):
    links = {"departement_code": "69"} if role == "prefet" else {}
    user = make_user(role, structure=make_structure(), **links)
    response = client.put(
        "/api/maintenance", json={"active": True, "message": MESSAGE}, headers=login(user)
    )
    assert response.status_code == 403
    assert maintenance.en_cours() is None


def test_the_command_line_switches_maintenance(runner, push):
    result = runner.invoke(args=["maintenance", "on", MESSAGE, "--retry-after", "5"])
    assert result.exit_code == 0 and MESSAGE in result.output
    assert push(create_op(), expect=503)["message"] == MESSAGE
    result = runner.invoke(args=["maintenance", "off"])
    assert result.exit_code == 0
    assert push(create_op())[0]["status"] == "applied"


def open_pages(app, user):
    """A new browser logged in on the pilotage pages (the test's app context, which requests
    share, forgets the previous page's user first)."""
    g.pop("utilisateur", None)
    g.pop("csrf_token", None)
    client = app.test_client()
    token = form_token(client.get("/pilotage/connexion"))
    response = client.post(
        "/pilotage/connexion",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    return client


def test_the_admin_page_turns_maintenance_on_and_off(app, admin):
    pages = open_pages(app, admin)
    page = pages.get("/pilotage/maintenance")
    assert "Le service n'est pas en maintenance." in page.text
    refused = pages.post(
        "/pilotage/maintenance",
        data={"csrf_token": form_token(page), "action": "activer", "message": ""},
    )
    assert refused.status_code == 422
    assert "Indiquez le message montré pendant la maintenance." in refused.text
    on = pages.post(
        "/pilotage/maintenance",
        data={"csrf_token": form_token(page), "action": "activer", "message": MESSAGE},
        follow_redirects=True,
    )
    assert "La maintenance est activée" in on.text and "data-maintenance" in on.text
    assert maintenance.en_cours().changed_by_id == admin.id
    off = pages.post(
        "/pilotage/maintenance",
        data={"csrf_token": form_token(on), "action": "terminer"},
        follow_redirects=True,
    )
    assert "La maintenance est terminée" in off.text and "data-maintenance" not in off.text
    assert maintenance.en_cours() is None


def test_the_maintenance_page_is_the_admins_only(app, make_user, make_structure):
    structure = make_user("structure", structure=make_structure())
    assert open_pages(app, structure).get("/pilotage/maintenance").status_code == 403


def test_the_pilotage_pages_show_a_banner_during_maintenance(app, make_user, make_structure):
    structure = make_user("structure", structure=make_structure())
    pages = open_pages(app, structure)
    home = f"/pilotage/structures/{structure.structure_id}"
    assert "Maintenance en cours" not in pages.get(home, follow_redirects=True).text
    maintenance.basculer(True, MESSAGE)
    page = pages.get(home, follow_redirects=True)
    assert page.status_code == 200
    assert "Maintenance en cours" in page.text
    assert "Mise à jour du service jusqu&#39;à 14 h." in page.text
    assert "Maintenance en cours" in app.test_client().get("/statistiques").text


def test_a_hostile_message_is_shown_as_text_on_every_page(app, admin):
    message = '<script>alert(1)</script> =HYPERLINK("http://x")'
    maintenance.basculer(True, message, par=admin)
    pages = open_pages(app, admin)
    for path in ("/pilotage/maintenance", "/pilotage/journal", "/statistiques"):
        page = pages.get(path).text
        assert "<script>alert(1)" not in page, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt; =HYPERLINK(&#34;http://x&#34;)" in page, path
