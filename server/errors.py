"""One JSON error shape for every failure: {"code", "status", "message", "errors"}."""

import logging
import math
from datetime import datetime
from http import HTTPStatus

from flask import current_app, jsonify, make_response, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from server.extensions import db, jwt

log = logging.getLogger(__name__)

FRENCH_MESSAGES = {
    400: "Requête invalide.",
    401: "Authentification requise : veuillez vous connecter.",
    403: "Vous n'avez pas accès à cette ressource.",
    404: "Ressource introuvable.",
    405: "Méthode non autorisée pour cette adresse.",
    409: "Conflit avec l'état actuel de la ressource.",
    413: "La requête est trop volumineuse.",
    414: "L'adresse demandée est trop longue.",
    415: "Type de contenu non pris en charge : envoyez du JSON.",
    422: "Erreur : veuillez corriger les champs signalés.",
    429: "Trop de tentatives : veuillez réessayer plus tard.",
    431: "En-têtes de requête trop volumineux.",
    500: "Erreur interne du serveur : veuillez réessayer plus tard.",
    503: "Service en maintenance : veuillez réessayer plus tard.",
}


# The pilotage pages and the public statistics page get their errors as French pages.
PAGES = ("/pilotage", "/statistiques")


def is_page(path: str) -> bool:
    """A path of the pilotage pages or of the public statistics page."""
    return any(path == prefix or path.startswith(prefix + "/") for prefix in PAGES)


def _for_a_page() -> bool:
    """The pages' paths, and any other address a browser opens as a page (a mistyped address
    of the app): the API keeps its JSON envelope."""
    if is_page(request.path):
        return True
    api = request.path == "/api" or request.path.startswith("/api/")
    return not api and any(mime == "text/html" for mime, _ in request.accept_mimetypes)


class ApiError(Exception):
    """An expected failure with an HTTP status and a French message for the user."""

    def __init__(self, status: int, message: str | None = None, errors=None, headers=None):
        super().__init__(message)
        self.status = status
        self.message = message or FRENCH_MESSAGES.get(status, HTTPStatus(status).phrase)
        self.errors = errors
        self.headers = headers or {}  # e.g. Retry-After of a 429 or a 503


def retry_after(until: datetime, now: datetime) -> int:
    """The seconds from now to `until`, rounded up and at least 1: a Retry-After (RFC 9110
    §10.2.3, a whole number of seconds) after which the retry is not refused again."""
    return max(1, math.ceil((until - now).total_seconds()))


def field_errors(errors) -> dict[str, list[str]]:
    """Field errors in the one key shape of the API: a flat object whose keys are text paths
    ("date", "organismes.0.nom", "sous_themes.sante.value.1") and whose values are lists of
    French messages. marshmallow nests the errors of list items under integer keys and of a
    whole list or object under "_schema" next to them: mixed keys that JSON cannot sort, and
    that an app cannot show under a field. A message about a whole nested value is put under
    that value's path; "_schema" stays only for errors of the whole body."""
    flat: dict[str, list[str]] = {}

    def walk(path: str, value) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                name = "_schema" if key is None else str(key)
                if name == "_schema" and path:
                    walk(path, inner)
                else:
                    walk(f"{path}.{name}" if path else name, inner)
        elif isinstance(value, list | tuple):
            for inner in value:
                walk(path, inner)
        else:
            flat.setdefault(path or "_schema", []).append(str(value))

    walk("", errors)
    return flat


def error_response(status: int, message: str | None = None, errors=None):
    """Build the JSON error envelope."""
    body = {
        "code": status,
        "status": HTTPStatus(status).phrase,
        "message": message or FRENCH_MESSAGES.get(status, HTTPStatus(status).phrase),
    }
    if errors:
        body["errors"] = field_errors(errors)
    return jsonify(body), status


def failure(status: int, message: str | None = None, errors=None):
    """The JSON envelope; for a page, the same French message on an HTML page."""
    page = current_app.extensions.get("error_page")
    if page is not None and _for_a_page():
        return page(status, message or FRENCH_MESSAGES.get(status, HTTPStatus(status).phrase))
    return error_response(status, message, errors)


# Below gunicorn's own limits (Procfile: request line 8190, header field 16380 bytes), so that
# what the app refuses gets the one envelope; beyond them gunicorn answers its plain page.
MAX_URI = 4096
MAX_HEADER = 8190


def refuse_oversized_requests():
    """414 for an address longer than MAX_URI, 431 for a header longer than MAX_HEADER."""
    uri = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.full_path
    if len(uri) > MAX_URI:
        raise ApiError(414)
    if any(len(name) + len(value) > MAX_HEADER for name, value in request.headers.items()):
        raise ApiError(431)


def register_errorhandlers(app, error_page=None):
    """Route every error, JWT ones included, to the one envelope; error_page(status, message)
    renders the French HTML page for the paths of the pages (given by the factory, since the
    pages sit above this module)."""
    app.extensions["error_page"] = error_page
    app.before_request(refuse_oversized_requests)

    @app.errorhandler(ApiError)
    def handle_api_error(error):
        response = make_response(failure(error.status, error.message, error.errors))
        response.headers.update(error.headers)
        return response

    @app.errorhandler(ValidationError)
    def handle_validation_error(error):
        return failure(422, None, error.normalized_messages())

    @app.errorhandler(HTTPException)
    def handle_http_exception(error):
        return failure(error.code or 500)

    @app.errorhandler(Exception)
    def handle_unexpected(error):
        db.session.rollback()
        log.exception("unexpected error")
        return failure(500)

    @jwt.unauthorized_loader
    def missing_token(reason):
        return error_response(401)

    @jwt.invalid_token_loader
    def invalid_token(reason):
        return error_response(401, "Jeton d'authentification invalide : veuillez vous reconnecter.")

    @jwt.expired_token_loader
    def expired_token(header, payload):
        return error_response(
            401, "Session expirée : veuillez vous reconnecter.", {"token": ["expired"]}
        )

    @jwt.revoked_token_loader
    def revoked_token(header, payload):
        return error_response(401, "Session terminée : veuillez vous reconnecter.")

    @jwt.user_lookup_error_loader
    def unknown_user(header, payload):
        return error_response(401, "Compte introuvable ou désactivé : veuillez vous reconnecter.")

    @jwt.needs_fresh_token_loader
    def needs_fresh(header, payload):
        return error_response(401, "Veuillez saisir à nouveau votre mot de passe.")
