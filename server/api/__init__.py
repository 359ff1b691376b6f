"""JSON API blueprints: load → service → dump, nothing else."""

from flask import Blueprint

from server.api import (
    appareils,
    audit,
    auth,
    conseillers,
    coordinations,
    cras,
    donnees_ouvertes,
    invitations,
    lieux,
    maintenance,
    openapi,
    partenaires,
    rappels,
    ressourcerie,
    statistiques,
    structures,
    sync,
    territoires,
)
from server.api.http import IdConverter, TextConverter


def register_blueprints(app):
    """Mount every API blueprint under /api."""
    app.url_map.converters.update(id=IdConverter, default=TextConverter, string=TextConverter)
    api = Blueprint("api", __name__, url_prefix="/api")
    for module in (
        auth,
        invitations,
        territoires,
        conseillers,
        structures,
        lieux,
        cras,
        sync,
        appareils,
        statistiques,
        donnees_ouvertes,
        coordinations,
        rappels,
        ressourcerie,
        maintenance,
        audit,
        partenaires,
        openapi,
    ):
        api.register_blueprint(module.bp)
    api.before_request(maintenance.refuse_writes)
    app.register_blueprint(api)
