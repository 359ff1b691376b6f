"""The journal of sensitive actions: what is recorded (who, what, when), what is not, the
admin's page, the retention."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from server.extensions import db
from server.models import Audit
from server.models.types import utcnow
from server.services import maintenance
from tests.test_maintenance import open_pages
from tests.test_ressourcerie import upload


def journal() -> list[tuple]:
    db.session.expire_all()
    return [
        (entry.action, entry.acteur, entry.cible)
        for entry in db.session.scalars(select(Audit).order_by(Audit.id))
    ]


@pytest.fixture
def admin(make_user):
    return make_user("admin")


def test_a_login_is_recorded_with_its_address_and_a_failed_one_is_not(client, login, admin):
    assert (
        client.post(
            "/api/auth/login", json={"email": admin.email, "password": "Mauvais-1!"}
        ).status_code
        == 401
    )
    assert journal() == []
    login(admin)
    (entry,) = db.session.scalars(select(Audit)).all()
    assert (entry.action, entry.acteur_id, entry.acteur) == ("connexion", admin.id, admin.email)
    assert entry.adresse == "127.0.0.1" and utcnow() - entry.at < timedelta(minutes=1)


def test_an_invitation_with_its_role_and_its_activation_are_recorded(client, login, admin):
    headers = login(admin)
    response = client.post(
        "/api/invitations",
        json={"email": "Nouvelle@Test.example", "role": "admin"},
        headers=headers,
    )
    assert response.status_code == 201
    token = response.json["link"].rsplit("/", 1)[1]
    accepted = client.post(f"/api/invitations/{token}", json={"password": "Un-Mot-de-passe-2!"})
    assert accepted.status_code == 200, accepted.json
    assert journal()[1:] == [
        ("invitation", admin.email, "nouvelle@test.example : rôle admin"),
        ("activation", "nouvelle@test.example", "nouvelle@test.example"),
    ]


def test_the_command_lines_invitation_has_no_actor(runner):
    assert runner.invoke(args=["users", "invite-admin", "--email", "a@test.example"]).exit_code == 0
    assert journal() == [("invitation", None, "a@test.example : rôle admin")]


def test_row_level_exports_are_recorded_and_summaries_are_not(
    client, login, make_user, make_structure
):
    lyon = make_structure()
    headers = login(make_user("structure", structure=lyon))
    url = f"/api/statistiques/structure/{lyon.id}/export"
    period = {"du": "2026-10-01", "au": "2026-10-31"}
    assert client.get(f"{url}/resume.csv", headers=headers, query_string=period).status_code == 200
    assert client.get(f"{url}/pdf", headers=headers, query_string=period).status_code == 200
    before = len(journal())
    for format_ in ("cras.csv", "xlsx"):
        response = client.get(f"{url}/{format_}", headers=headers, query_string=period)
        assert response.status_code == 200
        response.close()
    exports = journal()[before:]
    assert [action for action, _, _ in exports] == ["export_lignes", "export_lignes"]
    assert exports[0][2].endswith(".csv") and exports[1][2].endswith(".xlsx")


def test_ressourcerie_decisions_and_removals_are_recorded(client, login, admin, make_user):
    conseiller = make_user("conseiller")
    proposal = upload(client, login(conseiller), titre="Proposé").json["id"]
    headers = login(admin)
    url = f"/api/ressourcerie/documents/{proposal}"
    assert client.post(f"{url}/decision", json={"decision": "refuse"}, headers=headers).json
    assert client.delete(url, headers=headers).status_code in (200, 204)
    assert journal()[-2:] == [
        ("ressourcerie_decision", admin.email, "« Proposé » : refusée"),
        ("ressourcerie_suppression", admin.email, "« Proposé »"),
    ]


def test_the_maintenance_switch_is_recorded(admin):
    maintenance.basculer(True, "Mise à jour.", par=admin)
    maintenance.basculer(False)
    assert journal() == [
        ("maintenance", admin.email, "activée : Mise à jour."),
        ("maintenance", None, "terminée"),
    ]


def test_the_admin_reads_the_journal_newest_first_and_filtered(app, admin):
    pages = open_pages(app, admin)  # a login: the first entry
    maintenance.basculer(True, "Mise à jour.", par=admin)
    page = pages.get("/pilotage/journal")
    assert page.status_code == 200
    rows = page.text.split("<tbody>")[1]
    assert rows.index('data-entree="maintenance"') < rows.index('data-entree="connexion"')
    assert "activée : Mise à jour." in rows and admin.email in rows
    filtered = pages.get("/pilotage/journal?action=connexion").text.split("<tbody>")[1]
    assert 'data-entree="connexion"' in filtered and "maintenance" not in filtered
    refused = pages.get("/pilotage/journal?action=inconnue")
    assert refused.status_code == 200 and "Action inconnue." in refused.text


def test_only_the_admin_reads_the_journal(app, make_user, make_structure):
    structure = make_user("structure", structure=make_structure())
    assert open_pages(app, structure).get("/pilotage/journal").status_code == 403


def test_entries_older_than_the_retention_are_purged(app, runner, admin):
    maintenance.basculer(True, "Ancienne.", par=admin)
    old = db.session.scalars(select(Audit)).one()
    old.at = utcnow() - timedelta(days=app.config["AUDIT_RETENTION_DAYS"] + 1)
    db.session.commit()
    maintenance.basculer(False, par=admin)
    result = runner.invoke(args=["audit", "purger"])
    assert result.exit_code == 0 and "1 entrée(s)" in result.output
    assert journal() == [("maintenance", admin.email, "terminée")]


def test_the_api_lists_the_journal_for_the_admin_only(client, login, admin, make_user):
    headers = login(admin)
    maintenance.basculer(True, "Mise à jour.", par=admin)
    response = client.get("/api/audit", headers=headers)
    assert response.status_code == 200
    assert response.json["total"] == 2 and response.json["per_page"] == 50
    newest = response.json["items"][0]
    assert newest["action"] == "maintenance" and newest["libelle"] == "Maintenance"
    assert newest["acteur"] == admin.email and newest["cible"] == "activée : Mise à jour."
    only = client.get("/api/audit", query_string={"action": "connexion"}, headers=headers).json
    assert [entry["action"] for entry in only["items"]] == ["connexion"]
    assert client.get("/api/audit?action=autre", headers=headers).status_code == 422
    conseiller = login(make_user("conseiller"))
    assert client.get("/api/audit", headers=conseiller).status_code == 403
