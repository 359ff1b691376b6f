"""Configuration from the environment and the production guard."""

import pytest

from server import create_app
from server.config import database_url

# The database changes nothing here: SQLite only (see pytest.ini).
pytestmark = pytest.mark.one_database


@pytest.mark.parametrize("secret", [None, "", "dev", "short-secret"])
def test_production_refuses_missing_or_weak_secret(secret):
    config = {
        "APP_ENV": "production",
        "SECRET_KEY": secret,
        "JWT_SECRET_KEY": "j" * 40,
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
    }
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config)


def test_production_refuses_missing_database_url():
    config = {
        "APP_ENV": "production",
        "SECRET_KEY": "s" * 40,
        "JWT_SECRET_KEY": "j" * 40,
        "SQLALCHEMY_DATABASE_URI": None,
    }
    with pytest.raises(RuntimeError, match="DATABASE_URL"):
        create_app(config)


def test_production_starts_with_strong_secrets():
    app = create_app(
        {
            "APP_ENV": "production",
            "SECRET_KEY": "s" * 40,
            "JWT_SECRET_KEY": "j" * 40,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
        }
    )
    assert app.config["SECRET_KEY"] == "s" * 40


def test_development_generates_and_keeps_secrets(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = create_app({"SECRET_KEY": None, "JWT_SECRET_KEY": None})
    second = create_app({"SECRET_KEY": None, "JWT_SECRET_KEY": None})
    assert len(first.config["SECRET_KEY"]) >= 32
    assert first.config["JWT_SECRET_KEY"] == second.config["JWT_SECRET_KEY"]


@pytest.mark.parametrize(
    "given, expected",
    [
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_url_uses_psycopg3(given, expected):
    assert database_url(given) == expected


def production_app(**config):
    return create_app(
        {
            "APP_ENV": "production",
            "SECRET_KEY": "s" * 40,
            "JWT_SECRET_KEY": "j" * 40,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            **config,
        }
    )


@pytest.mark.parametrize("url", ["/", "/api/openapi.json", "/api/nulle-part"])
def test_production_asks_browsers_for_https_only(url):
    response = production_app().test_client().get(url, buffered=True)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_development_over_http_sends_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/", buffered=True).headers


def test_hsts_can_be_turned_off_in_production():
    response = production_app(HSTS_SECONDS=0).test_client().get("/", buffered=True)
    assert "Strict-Transport-Security" not in response.headers
