"""Login, refresh, logout, lockout and the password policy."""

from datetime import timedelta

import pytest

from server.models.types import utcnow
from server.services.accounts import password_problem
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


def test_account_locked_after_three_failures_even_with_the_right_password(client, make_user):
    user = make_user("admin")
    codes = [
        client.post(
            "/api/auth/login", json={"email": user.email, "password": "Faux-mot-de-passe1"}
        ).status_code
        for _ in range(3)
    ]
    assert codes == [401, 401, 429]
    response = client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "verrouillé" in response.json["message"]


def test_lock_ends_after_its_delay(app, client, make_user):
    from server.extensions import db

    user = make_user("admin")
    user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert (
        client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD}).status_code
        == 200
    )


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


def test_passwords_are_hashed(make_user):
    user = make_user("admin")
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith("scrypt:")
