"""JSON API blueprints: load → service → dump, nothing else."""

from functools import wraps

from flask import Blueprint, request
from flask_jwt_extended import current_user, jwt_required

from server.errors import ApiError


def json_body(schema):
    """The request's JSON body loaded by a schema; 415/400 in French when it is not JSON."""
    if not request.is_json:
        raise ApiError(415)
    payload = request.get_json(silent=True)
    if payload is None:
        raise ApiError(400, "Corps de requête JSON illisible.")
    return schema.load(payload)


def roles_required(*roles):
    """Require a valid access token whose user has one of these roles (403 otherwise)."""
    def decorator(view):
        @wraps(view)
        @jwt_required()
        def wrapper(*args, **kwargs):
            if roles and current_user.role.value not in roles:
                raise ApiError(403)
            return view(*args, **kwargs)
        return wrapper
    return decorator


def register_blueprints(app):
    """Mount every API blueprint under /api."""
    from server.api import auth, conseillers, invitations, structures, territoires

    api = Blueprint("api", __name__, url_prefix="/api")
    for module in (auth, invitations, territoires, conseillers, structures):
        api.register_blueprint(module.bp)
    app.register_blueprint(api)
