"""Communes search and lookups for the CRA form, départements and régions."""

from flask import Blueprint, request

from server.api.openapi import documented, items_of
from server.errors import ApiError
from server.schemas.territoires import (
    CommuneChoiceSchema,
    CommuneSchema,
    CommuneSearchArgsSchema,
    DepartementSchema,
    RegionSchema,
)
from server.services import territoires

bp = Blueprint("territoires", __name__, url_prefix="/territoires")


@bp.get("/communes")
@documented(query=CommuneSearchArgsSchema, response=items_of(CommuneChoiceSchema))
def search():
    """Communes whose name or postal code starts with ?q=."""
    args = CommuneSearchArgsSchema().load(request.args)
    rows = territoires.search_communes(args["q"])
    return {
        "items": CommuneChoiceSchema(many=True).dump(
            [
                {
                    "code": c.code,
                    "nom": c.nom,
                    "code_postal": cp,
                    "departement_code": c.departement_code,
                }
                for c, cp in rows
            ]
        )
    }


@bp.get("/communes/<code>")
@documented(response=CommuneSchema)
def commune(code):
    """One commune by INSEE code, with its postal codes, département and région."""
    found = territoires.commune(code)
    if found is None:
        raise ApiError(404, "Commune introuvable.")
    return CommuneSchema().dump(found)


@bp.get("/codes-postaux/<code_postal>")
@documented(response=items_of(CommuneSchema))
def code_postal(code_postal):
    """Every commune served by a postal code."""
    return {
        "items": CommuneSchema(many=True).dump(territoires.communes_of_code_postal(code_postal))
    }


@bp.get("/departements")
@documented(response=items_of(DepartementSchema))
def departements():
    """The 101 départements."""
    return {"items": DepartementSchema(many=True).dump(territoires.departements())}


@bp.get("/regions")
@documented(response=items_of(RegionSchema))
def regions():
    """The 18 régions."""
    return {"items": RegionSchema(many=True).dump(territoires.regions())}
