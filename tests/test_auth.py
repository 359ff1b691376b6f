"""Login, refresh, logout, lockout and the password policy."""

from datetime import timedelta

import pytest
from werkzeug.security import check_password_hash

from server.models.types import utcnow
from server.services.accounts import hash_password, password_problem
from tests.conftest import PASSWORD


def test_login_returns_tokens_and_user(client, make_user):
    user = make_user("admin")
    response = client.post(
        "/api/auth/login", json={"email": user.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 200
    assert response.json["user"]["role"] == "admin"
    assert response.json["access_token"] and response.json["refresh_token"]


@pytest.mark.parametrize(
    "email, password", [("inconnu@test.example", PASSWORD), (None, "Mauvais-mot-2!")]
)
def test_bad_credentials_get_one_french_message(client, make_user, email, password):
    user = make_user("admin")
    response = client.post(
        "/api/auth/login", json={"email": email or user.email, "password": password}
    )
    assert response.status_code == 401
    assert response.json["message"] == "Adresse e-mail ou mot de passe incorrect."


def attempt(client, email, password, address="192.0.2.1"):
    """A login from a client address."""
    return client.post(
        "/api/auth/login",
        json={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_three_failures_lock_the_account_from_that_address_even_with_the_right_password(
    client, make_user
):
    user = make_user("admin")
    answers = [attempt(client, user.email, "Faux-mot-de-passe1") for _ in range(3)]
    assert [answer.status_code for answer in answers] == [401, 401, 429]
    response = attempt(client, user.email, PASSWORD)
    assert response.status_code == 429
    assert "bloquée pendant 15 minute(s)" in response.json["message"]
    # RFC 9110's Retry-After, in whole seconds: the lock's end, from the failure that locks on.
    for locked in (answers[2], response):
        assert 890 <= int(locked.headers["Retry-After"]) <= 900
    assert "Retry-After" not in answers[0].headers


def test_a_stranger_cannot_lock_the_owner_out(client, make_user):
    user = make_user("admin")
    for _ in range(6):
        attempt(client, user.email, "Faux-mot-de-passe1", address="203.0.113.66")
    assert attempt(client, user.email, PASSWORD, address="192.0.2.1").status_code == 200
    assert attempt(client, user.email, PASSWORD, address="203.0.113.66").status_code == 429


def test_unknown_and_known_emails_get_the_same_answers(client, make_user):
    user = make_user("admin")
    answers = {
        email: [
            (response.status_code, response.json["message"])
            for response in (attempt(client, email, "Faux-mot-de-passe1") for _ in range(4))
        ]
        for email in (user.email, "personne@test.example")
    }
    assert answers[user.email] == answers["personne@test.example"]
    assert [code for code, _ in answers[user.email]] == [401, 401, 429, 429]


def test_each_series_of_failures_doubles_the_lock(app, client, make_user):
    from server.extensions import db
    from server.models import LoginFailure

    user = make_user("admin")
    locks = []
    for _ in range(3):
        for _ in range(3):
            attempt(client, user.email, "Faux-mot-de-passe1")
        failure = db.session.scalars(db.select(LoginFailure)).one()
        locks.append(round((failure.bloque_jusqu_a - failure.dernier_echec).total_seconds() / 60))
        failure.bloque_jusqu_a = utcnow() - timedelta(seconds=1)  # the lock has passed
        db.session.commit()
    assert locks == [15, 30, 60]


def test_lock_ends_after_its_delay_and_success_forgets_the_failures(app, client, make_user):
    from server.extensions import db
    from server.models import LoginFailure

    user = make_user("admin")
    for _ in range(3):
        attempt(client, user.email, "Faux-mot-de-passe1")
    failure = db.session.scalars(db.select(LoginFailure)).one()
    failure.bloque_jusqu_a = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert attempt(client, user.email, PASSWORD).status_code == 200
    assert db.session.scalars(db.select(LoginFailure)).all() == []


def test_an_admin_unlocks_an_account_from_every_address(client, make_user, login):
    user = make_user("conseiller")
    for address in ("192.0.2.1", "203.0.113.66"):
        for _ in range(3):
            attempt(client, user.email, "Faux-mot-de-passe1", address=address)
    headers = login(make_user("admin"))
    response = client.post(
        "/api/auth/deverrouillage", headers=headers, json={"email": user.email.upper()}
    )
    assert response.status_code == 200
    assert response.json == {"adresses": 2}
    assert attempt(client, user.email, PASSWORD, address="203.0.113.66").status_code == 200


def test_only_an_admin_unlocks(client, make_user, login):
    user = make_user("conseiller")
    response = client.post(
        "/api/auth/deverrouillage", headers=login(user), json={"email": user.email}
    )
    assert response.status_code == 403


def test_the_unlock_command_lifts_the_locks(runner, client, make_user):
    user = make_user("conseiller")
    for _ in range(3):
        attempt(client, user.email, "Faux-mot-de-passe1")
    result = runner.invoke(args=["users", "unlock", "--email", user.email])
    assert "1 adresse(s)" in result.output
    assert attempt(client, user.email, PASSWORD).status_code == 200


def test_not_activated_account_cannot_log_in(client, make_user):
    user = make_user("conseiller", activated=False)
    assert (
        client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD}).status_code
        == 401
    )


def test_refresh_gives_a_new_access_token(client, make_user):
    user = make_user("admin")
    tokens = client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD}).json
    refreshed = client.post(
        "/api/auth/refresh", headers={"Authorization": f"Bearer {tokens['refresh_token']}"}
    )
    assert refreshed.status_code == 200
    me = client.get(
        "/api/auth/me", headers={"Authorization": f"Bearer {refreshed.json['access_token']}"}
    )
    assert me.json["email"] == user.email


def test_access_token_cannot_refresh(client, make_user, login):
    headers = login(make_user("admin"))
    assert client.post("/api/auth/refresh", headers=headers).status_code == 401


def test_logout_revokes_access_and_refresh_tokens(client, make_user):
    user = make_user("admin")
    tokens = client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD}).json
    access = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert (
        client.post(
            "/api/auth/logout", headers=access, json={"refresh_token": tokens["refresh_token"]}
        ).status_code
        == 200
    )
    assert client.get("/api/auth/me", headers=access).status_code == 401
    assert (
        client.post(
            "/api/auth/refresh", headers={"Authorization": f"Bearer {tokens['refresh_token']}"}
        ).status_code
        == 401
    )


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("via", ["login", "refreshed"])
def test_logout_with_the_access_token_alone_revokes_its_refresh_token(client, make_user, via):
    """The refresh token of the same login is revoked, whether the access token used is the
    login's or one the refresh token gave since."""
    user = make_user("admin")
    tokens = client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD}).json
    access = tokens["access_token"]
    if via == "refreshed":
        access = client.post("/api/auth/refresh", headers=bearer(tokens["refresh_token"])).json[
            "access_token"
        ]
    assert client.post("/api/auth/logout", headers=bearer(access), json={}).status_code == 200
    assert client.get("/api/auth/me", headers=bearer(access)).status_code == 401
    assert client.get("/api/auth/me", headers=bearer(tokens["access_token"])).status_code == 401
    refused = client.post("/api/auth/refresh", headers=bearer(tokens["refresh_token"]))
    assert refused.status_code == 401


def test_logout_closes_only_the_device_it_is_sent_from(client, make_user):
    user = make_user("admin")
    phone, desktop = (
        client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD}).json
        for _ in range(2)
    )
    client.post("/api/auth/logout", headers=bearer(phone["access_token"]), json={})
    assert client.get("/api/auth/me", headers=bearer(desktop["access_token"])).status_code == 200
    renewed = client.post("/api/auth/refresh", headers=bearer(desktop["refresh_token"]))
    assert renewed.status_code == 200


def test_token_lifetimes(app):
    assert app.config["JWT_ACCESS_TOKEN_EXPIRES"] == timedelta(minutes=15)
    assert app.config["JWT_REFRESH_TOKEN_EXPIRES"] == timedelta(days=30)


@pytest.mark.parametrize(
    "password, ok",
    [
        ("Abcdefghij1!", True),
        ("Abcdefghi1!", False),
        ("abcdefghij1!", False),
        ("ABCDEFGHIJ1!", False),
        ("Abcdefghijk!", False),
        ("Abcdefghijk1", False),
    ],
)
def test_password_policy(password, ok):
    assert (password_problem(password) is None) is ok


def test_passwords_are_hashed():
    """Accounts get scrypt (the tests' own accounts use a cheap hash, see conftest.py)."""
    hashed = hash_password(PASSWORD)
    assert PASSWORD not in hashed
    assert hashed.startswith("scrypt:")
    assert check_password_hash(hashed, PASSWORD)
