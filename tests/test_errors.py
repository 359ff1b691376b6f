"""Every error has the same JSON shape with a French message."""

import importlib
import inspect
import pkgutil
import re
from datetime import timedelta

import pytest
from flask_jwt_extended import create_access_token
from marshmallow import Schema, ValidationError

from server import create_app, schemas
from server.errors import field_errors
from server.schemas.cras import CraSchema
from server.services.territoires import commune_connue
from tests.conftest import base_config

# The database changes nothing here: SQLite only (see pytest.ini).
pytestmark = pytest.mark.one_database


def assert_envelope(response, status):
    assert response.status_code == status
    body = response.get_json()
    assert body["code"] == status
    assert isinstance(body["status"], str)
    assert body["message"] and body["message"][0].isupper()
    return body


def test_unknown_url_is_a_french_404(client):
    body = assert_envelope(client.get("/api/rien-ici"), 404)
    assert body["message"] == "Ressource introuvable."


def test_wrong_method_is_405(client):
    assert "Méthode" in assert_envelope(client.put("/api/auth/login"), 405)["message"]


def test_validation_error_lists_fields_in_french(client):
    body = assert_envelope(client.post("/api/auth/login", json={"email": "a@b.fr"}), 422)
    assert body["errors"] == {"password": ["Ce champ est obligatoire."]}


def test_unknown_field_is_refused(client):
    body = assert_envelope(
        client.post("/api/auth/login", json={"email": "a@b.fr", "password": "x", "admin": True}),
        422,
    )
    assert body["errors"]["admin"] == ["Champ inconnu."]


def test_body_that_is_not_json_is_415(client):
    assert_envelope(client.post("/api/auth/login", data="email=x"), 415)


def test_oversized_body_is_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    body = assert_envelope(
        client.post("/api/auth/login", data="x" * 5000, content_type="application/json"), 413
    )
    assert "volumineuse" in body["message"]


def test_unexpected_exception_is_a_500_in_the_same_shape(database_url):
    app = create_app({**base_config(database_url), "PROPAGATE_EXCEPTIONS": False})

    @app.get("/api/boom")  # a route of its own: the shared app takes no new routes once serving
    def boom():
        raise RuntimeError("boom")

    body = assert_envelope(app.test_client().get("/api/boom"), 500)
    assert "boom" not in body["message"]


@pytest.mark.parametrize(
    "headers, message_part",
    [
        ({}, "Authentification requise"),
        ({"Authorization": "Bearer pas-un-jeton"}, "invalide"),
    ],
)
def test_jwt_errors_are_french(client, headers, message_part):
    assert (
        message_part in assert_envelope(client.get("/api/auth/me", headers=headers), 401)["message"]
    )


def test_expired_token_says_session_expired(app, client, make_user):
    user = make_user("admin")
    token = create_access_token(identity=str(user.id), expires_delta=timedelta(seconds=-1))
    body = assert_envelope(
        client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}), 401
    )
    assert body["message"].startswith("Session expirée")


@pytest.mark.parametrize("url", ["/api/territoires/communes?q=" + "a" * 5000, "/api/" + "x" * 5000])
def test_too_long_an_address_is_a_json_414(client, url):
    assert_envelope(client.get(url), 414)


def test_too_large_a_header_is_a_json_431(client):
    assert_envelope(client.get("/api/openapi.json", headers={"X-Grand": "x" * 9000}), 431)


def test_a_long_but_acceptable_address_is_served(client):
    assert client.get("/api/territoires/communes?q=" + "a" * 3000).status_code != 414


# marshmallow's own English defaults, none of which may reach a user.
ENGLISH = re.compile(
    r"Not a valid|may not be|Missing data|Must be|Longer than|Shorter than|Unknown field|"
    r"Invalid (input|type|value)|cannot be formatted|Length must|One or more of the choices"
)


def test_every_schema_answers_in_french_whatever_the_value(app):
    """Each field of each schema given values of every JSON kind: only French messages, under
    text paths."""
    messages = set()
    for module in pkgutil.iter_modules(schemas.__path__):
        loaded = importlib.import_module(f"server.schemas.{module.name}")
        for _, cls in inspect.getmembers(loaded, inspect.isclass):
            if not issubclass(cls, Schema) or cls.__module__ != loaded.__name__:
                continue
            # The CRA schema is given its commune lookup by the services (it sits below them).
            schema = cls(communes=commune_connue) if issubclass(cls, CraSchema) else cls()
            for value in (None, 3, 2.5, "x", "x" * 5000, [1], [None], {"a": None}, True):
                try:
                    schema.load({name: value for name in schema.load_fields})
                except ValidationError as error:
                    for path, texts in field_errors(error.normalized_messages()).items():
                        assert isinstance(path, str)
                        messages.update(texts)
    assert len(messages) > 50
    assert sorted(m for m in messages if ENGLISH.search(m)) == []


def test_a_mistyped_app_address_is_a_french_page_the_api_keeps_json(client):
    html = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    page = client.get("/saisie-cra", headers=html)
    assert page.status_code == 404 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "Page introuvable" in text and "Retour à l'application" in text
    assert "Not Found" not in text
    assert_envelope(client.get("/api/rien-ici", headers=html), 404)
    assert_envelope(client.get("/saisie-cra"), 404)  # a script's fetch, no HTML asked
