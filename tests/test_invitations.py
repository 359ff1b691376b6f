"""Invitations: one-time links to choose a password, by e-mail when SMTP is configured."""

import socket
import threading

import pytest
from aiosmtpd.controller import Controller

from server.extensions import db
from server.models import User


class Inbox:
    """A real SMTP server on loopback that keeps what it receives."""

    def __init__(self):
        self.messages = []
        self.received = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode()))
        self.received.set()
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def invite(client, headers, **body):
    return client.post("/api/invitations", headers=headers, json=body)


def test_admin_invites_and_sees_the_link_without_smtp(client, make_user, login):
    response = invite(client, login(make_user("admin")), email="Nouveau@Test.example", role="admin")
    assert response.status_code == 201
    assert response.json["email_sent"] is False
    assert response.json["link"].startswith("http://testserver/invitation/")
    assert response.json["user"]["email"] == "nouveau@test.example"


def test_invitation_link_activates_once(client, make_user, make_structure, login):
    structure = make_structure()
    conseiller = make_user("conseiller", structure=structure, activated=False)
    db.session.delete(db.session.get(User, conseiller.id))
    db.session.commit()
    response = invite(
        client,
        login(make_user("structure", structure=structure)),
        email="cnfs@test.example",
        role="conseiller",
        conseiller_id=conseiller.conseiller_id,
    )
    token = response.json["link"].rsplit("/", 1)[1]
    assert client.get(f"/api/invitations/{token}").json == {"email": "cnfs@test.example"}
    weak = client.post(f"/api/invitations/{token}", json={"password": "court"})
    assert weak.status_code == 422 and "12 caractères" in weak.json["errors"]["password"][0]
    accepted = client.post(f"/api/invitations/{token}", json={"password": "Un-Bon-Mot2passe"})
    assert accepted.status_code == 200
    user = db.session.scalar(db.select(User).where(User.email == "cnfs@test.example"))
    assert user.active and user.conseiller.active
    again = client.post(f"/api/invitations/{token}", json={"password": "Un-Bon-Mot2passe"})
    assert again.status_code == 404
    assert (
        client.post(
            "/api/auth/login", json={"email": "cnfs@test.example", "password": "Un-Bon-Mot2passe"}
        ).status_code
        == 200
    )


def test_invitation_is_emailed_when_smtp_is_configured(app, client, make_user, login, smtp_server):
    inbox, port = smtp_server
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    response = invite(
        client,
        login(make_user("admin")),
        email="prefet@test.example",
        role="prefet",
        departement_code="69",
    )
    assert response.status_code == 201
    assert response.json["email_sent"] is True and response.json["link"] is None
    assert inbox.received.wait(5)
    recipients, content = inbox.messages[0]
    assert recipients == ["prefet@test.example"]
    assert "http://testserver/invitation/" in content


def test_structure_cannot_invite_another_structures_conseiller(
    client, make_user, make_structure, login
):
    mine, other = make_structure("A"), make_structure("B", "13055", "13001")
    stranger = make_user("conseiller", structure=other)
    response = invite(
        client,
        login(make_user("structure", structure=mine)),
        email="x@test.example",
        role="coordinateur",
        conseiller_id=stranger.conseiller_id,
    )
    assert response.status_code == 404


@pytest.mark.parametrize("role", ["conseiller", "coordinateur", "prefet"])
def test_only_admin_and_structure_invite(client, make_user, make_structure, login, role):
    user = make_user(
        role, structure=make_structure(), **({"departement_code": "69"} if role == "prefet" else {})
    )
    assert invite(client, login(user), email="x@test.example", role="admin").status_code == 403


def test_structure_cannot_create_an_admin(client, make_user, make_structure, login):
    headers = login(make_user("structure", structure=make_structure()))
    assert invite(client, headers, email="x@test.example", role="admin").status_code == 403


def test_invitation_needs_the_right_links(client, make_user, login):
    headers = login(make_user("admin"))
    response = invite(client, headers, email="x@test.example", role="prefet")
    assert response.status_code == 422 and "departement_code" in response.json["errors"]
    assert (
        invite(
            client, headers, email="x@test.example", role="structure", structure_id=999
        ).status_code
        == 422
    )


def test_email_already_used_is_409(client, make_user, login):
    admin = make_user("admin")
    response = invite(client, login(admin), email=admin.email, role="admin")
    assert response.status_code == 409


def test_unknown_invitation_is_404(client):
    assert client.get("/api/invitations/nimportequoi").status_code == 404
