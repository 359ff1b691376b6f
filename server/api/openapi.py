"""The OpenAPI description of the JSON API, built from the views' marshmallow schemas.

A view says what it reads and answers with @documented; the description is built once per
app, on the first request, by walking app.url_map.
"""

import copy
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask import Blueprint, current_app
from marshmallow import Schema, fields

from server.api.http import WRITES
from server.errors import FRENCH_MESSAGES
from server.schemas.fields import MAX_ID

bp = Blueprint("openapi", __name__)

METHODS = ("get", "post", "put", "patch", "delete")
# <converter(args):name> or <name> in a werkzeug rule.
RULE_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
CONVERTERS = {
    "int": {"type": "integer", "minimum": 0},
    "id": {"type": "integer", "minimum": 0, "maximum": MAX_ID},
    "uuid": {"type": "string", "format": "uuid"},
}
BINARY = {"type": "string", "format": "binary"}
HEADERS = {
    429: {
        "headers": {
            "Retry-After": {
                "description": "Secondes avant un nouvel essai qui ne sera pas refusé.",
                "schema": {"type": "integer", "minimum": 1},
            }
        }
    },
    503: {
        "headers": {
            "Retry-After": {
                "description": "Secondes avant un nouvel essai (fin de maintenance espérée).",
                "schema": {"type": "integer", "minimum": 1},
            }
        }
    },
}
TOKENS = {
    "access_token": "Jeton d'accès (15 minutes) donné par /api/auth/login.",
    "refresh_token": "Jeton de rafraîchissement (30 jours) donné par /api/auth/login.",
}


class ErrorSchema(Schema):
    """The one error envelope of server/errors.py."""

    code = fields.Integer(required=True, metadata={"description": "Statut HTTP."})
    status = fields.String(required=True, metadata={"description": "Libellé HTTP (anglais)."})
    message = fields.String(required=True, metadata={"description": "Message en français."})
    errors = fields.Dict(
        metadata={
            "description": "Messages par champ : clés = chemins du champ en texte "
            "(« date », « organismes.0.nom »), valeurs = listes de messages en français."
        }
    )


def documented(
    body=None,
    query=None,
    response=None,
    status=200,
    token=None,
    errors=(),
    form=None,
    files=(),
):
    """Describe a view: schema classes of its JSON body (or multipart `form`, whose file
    fields are named in the schema's Meta.files), query string and answer, and status.

    token is "access" or "refresh" for views guarded by jwt_required rather than
    roles_required; errors lists statuses the view answers beyond the usual ones; files lists
    the media types of a view that answers a file (a download, an image) instead of JSON.
    """

    def decorator(view):
        view.openapi = {
            "body": body,
            "query": query,
            "response": response,
            "status": status,
            "token": token,
            "errors": tuple(errors),
            "form": form,
            "files": tuple(dict.fromkeys(files)),
        }
        return view

    return decorator


def items_of(schema) -> dict:
    """The {"items": [...]} answer of the list endpoints."""
    return {"type": "object", "properties": {"items": {"type": "array", "items": schema}}}


def _component_names():
    """apispec's schema_name_resolver: the class name without "Schema", module-qualified on a
    clash so that two schemas never share a component."""
    owners = {}

    def resolve(schema):
        cls = resolve_schema_cls(schema)
        name = cls.__name__.removesuffix("Schema") or cls.__name__
        if owners.setdefault(name, cls) is not cls:
            name = f"{cls.__module__.rsplit('.', 1)[-1]}.{name}"
            owners.setdefault(name, cls)
        return name

    return resolve


def _path_and_parameters(rule: str) -> tuple[str, list]:
    parameters = [
        {
            "in": "path",
            "name": m["name"],
            "required": True,
            "schema": dict(CONVERTERS.get(m["converter"], {"type": "string"})),
        }
        for m in RULE_ARGUMENT.finditer(rule)
    ]
    return RULE_ARGUMENT.sub(r"{\g<name>}", rule), parameters


def _json(schema) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _operation(endpoint: str, method: str, view, path_parameters: list) -> dict:
    meta = copy.deepcopy(getattr(view, "openapi", {}))  # apispec rewrites dicts in place
    roles = getattr(view, "roles", None)
    droit = getattr(view, "droit", None)  # the partner API's views (api/partenaires.py)
    token = "access" if roles is not None else meta.get("token")
    operation = {
        "operationId": endpoint,
        "tags": [endpoint.split(".")[-2]],
        "summary": (view.__doc__ or "").strip().splitlines()[0],
        "parameters": list(path_parameters),
    }
    statuses = set(meta.get("errors", ())) | {414, 431}  # any request may be too long
    if meta.get("query") is not None:
        operation["parameters"].append({"in": "query", "schema": meta["query"]})
        statuses.add(422)
    if meta.get("body") is not None:
        operation["requestBody"] = {"required": True, **_json(meta["body"])}
        statuses |= {400, 413, 415, 422}
    if meta.get("form") is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"multipart/form-data": {"schema": meta["form"]}},
        }
        statuses |= {400, 413, 422}
    if path_parameters:
        statuses.add(404)
    if token:
        operation["security"] = [{f"{token}_token": []}]
        statuses.add(401)
    if roles is not None:
        statuses.add(403)
    if method.upper() in WRITES and not getattr(view, "open_during_maintenance", False):
        statuses.add(503)
    if roles:
        operation["x-roles"] = list(roles)
    if droit:
        operation["security"] = [{"client_api": []}]
        operation["x-droit"] = droit
        statuses |= {401, 403, 429}
    status = meta.get("status", 200)
    answer = {"description": "Réussite." if status != 201 else "Créé."}
    if meta.get("response") is not None:
        answer.update(_json(meta["response"]))
    if meta.get("files"):
        # A JSON document served as a file (the open data's Table Schema) is an object, which
        # clients parse; anything else is bytes.
        answer["content"] = {
            media: {"schema": {"type": "object"} if media.endswith("json") else BINARY}
            for media in meta["files"]
        }
    operation["responses"] = {
        str(status): answer,
        **{str(code): f"Error{code}" for code in sorted(statuses)},
        "default": "Error500",
    }
    return operation


def build_spec(app) -> dict:
    """The OpenAPI 3 description of every /api route of the app."""
    spec = APISpec(
        title="coop-cra",
        version="1",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin(schema_name_resolver=_component_names())],
        info={
            "description": "L'API JSON de coop-cra. Toute erreur a la forme "
            "{code, status, message, errors}."
        },
    )
    spec.components.schema("Error", schema=ErrorSchema)
    for code in FRENCH_MESSAGES:
        spec.components.response(
            f"Error{code}",
            {"description": FRENCH_MESSAGES[code], **_json(ErrorSchema), **HEADERS.get(code, {})},
        )
    for name, description in TOKENS.items():
        spec.components.security_scheme(
            name,
            {"type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": description},
        )
    spec.components.security_scheme(
        "client_api",
        {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "<identifiant>.<secret>",
            "description": "Clé d'un client de l'API partenaires, créée par l'équipe nationale "
            "(secret affiché une seule fois) ; révoquée, elle est refusée (401). "
            "Requêtes limitées par minute et par clé (429 au-delà).",
        },
    )
    paths: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api/"):
            continue
        path, parameters = _path_and_parameters(rule.rule)
        view = app.view_functions[rule.endpoint]
        for method in sorted(m.lower() for m in rule.methods if m.lower() in METHODS):
            paths.setdefault(path, {})[method] = _operation(rule.endpoint, method, view, parameters)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


@bp.get("/openapi.json")
@documented(response={"type": "object"})
def openapi():
    """This description of the API, in OpenAPI 3."""
    extensions = current_app.extensions
    if "openapi" not in extensions:
        extensions["openapi"] = build_spec(current_app)
    return extensions["openapi"]
