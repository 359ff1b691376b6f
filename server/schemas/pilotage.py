"""The pilotage pages' query strings (their JSON twins are in statistiques.py)."""

from marshmallow import validate

from server.schemas import fields as f
from server.schemas.statistiques import TerritoiresArgsSchema

COLONNES_TRI = (
    "code",
    "nom",
    "cras",
    "personnes_accompagnees",
    "dotation",
    "actives",
    "en_attente",
    "taux_activation",
)


class TerritoiresPageArgsSchema(TerritoiresArgsSchema):
    """The territorial table's filters and the column it is sorted on."""

    tri = f.String(
        load_default="code", validate=validate.OneOf(COLONNES_TRI, error="Colonne de tri inconnue.")
    )
    ordre = f.String(
        load_default="asc",
        validate=validate.OneOf(["asc", "desc"], error="Ordre de tri inconnu : asc ou desc."),
    )
