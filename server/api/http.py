"""What the API views share: URL converters, the JSON body, downloads and the role check."""

from functools import wraps

from flask import Response, request, stream_with_context
from flask_jwt_extended import current_user, jwt_required
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter, UnicodeConverter

from server.errors import ApiError
from server.schemas.fields import MAX_ID
from server.services.exports import content_disposition


class IdConverter(IntegerConverter):
    """<id:name> in a URL: a database id. A larger number names nothing and would not even
    bind (PostgreSQL: integer out of range, SQLite: overflow), so it is a 404 at once: with
    max= werkzeug would answer 405 when a sibling rule of the path has another method."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > MAX_ID:
            raise NotFound()
        return number


class TextConverter(UnicodeConverter):
    """The default <name> converter without NUL, which no column holds: such a name is 404."""

    def __init__(self, map, *args, **kwargs):
        super().__init__(map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", "[^/\\x00]")


def json_payload():
    """The request's JSON body; 415/400 in French when it is not JSON."""
    if not request.is_json:
        raise ApiError(415)
    try:
        payload = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the parser goes; silent= only covers ValueError
        payload = None
    if payload is None:
        raise ApiError(400, "Corps de requête JSON illisible.")
    return payload


def json_body(schema):
    """The request's JSON body loaded by a schema."""
    return schema.load(json_payload())


def download(export: dict) -> Response:
    """A file download from a service's {filename, mimetype, body, lignes}: iterators are
    streamed with the request's context (its database session); `lignes`, when known, is sent
    as X-Nombre-Lignes for the page's progress bar."""
    body = export["body"]
    if not isinstance(body, bytes):
        body = stream_with_context(body)
    response = Response(body, mimetype=export["mimetype"])
    response.headers["Content-Disposition"] = content_disposition(export["filename"])
    if export.get("etag"):  # the same file while its content is the same: 304 on revalidation
        response.set_etag(export["etag"])
        response.cache_control.no_cache = True
        response.cache_control.private = True
        return response.make_conditional(request)
    response.headers["Cache-Control"] = "no-store"
    if export.get("lignes") is not None:
        response.headers["X-Nombre-Lignes"] = str(export["lignes"])
    if export.get("taille") is not None:
        response.content_length = export["taille"]
    return response


# The methods the maintenance switch suspends (api/maintenance.py); the OpenAPI description
# gives them the 503.
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def open_during_maintenance(view):
    """A write still answered during maintenance: login, refresh, logout, the switch itself."""
    view.open_during_maintenance = True
    return view


def roles_required(*roles):
    """Require a valid access token whose user has one of these roles (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        @jwt_required()
        def wrapper(*args, **kwargs):
            if roles and current_user.role.value not in roles:
                raise ApiError(403)
            return view(*args, **kwargs)

        wrapper.roles = roles  # read by the OpenAPI description (bearer token, x-roles)
        return wrapper

    return decorator
