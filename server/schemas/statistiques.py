"""Statistics requests and answers."""

from datetime import date

from marshmallow import ValidationError, fields, validates_schema

from server.schemas import BaseSchema
from server.schemas import fields as f


class PeriodeArgsSchema(BaseSchema):
    """A period; defaults are chosen by the service for each scope."""

    du = f.Date(load_default=None)
    au = f.Date(load_default=None)

    @validates_schema
    def ordered(self, data, **kwargs):
        """The start comes before the end, both after the programme began."""
        du, au = data.get("du"), data.get("au")
        if du and au and du > au:
            raise ValidationError("La date de début doit précéder la date de fin.", "du")
        if du and du < date(2020, 1, 1):
            raise ValidationError("La date de début ne peut pas précéder le 01/01/2020.", "du")
        # Evolution lists every month of the period: keep that list bounded.
        if au and au > date(2099, 12, 31):
            raise ValidationError("La date de fin ne peut pas dépasser le 31/12/2099.", "au")


class FigureSchema(BaseSchema):
    cle = fields.String()
    libelle = fields.String()
    valeur = fields.Raw()


class GraphiqueSchema(BaseSchema):
    nom = fields.String()
    titre = fields.String()
    url = fields.String(metadata={"description": "L'image SVG (.png pour PNG), même période."})
    alternative = fields.String(metadata={"description": "Les chiffres du graphique, en texte."})


class IndicateursSchema(BaseSchema):
    """Every indicator of statistiques.md; lines are {cle, libelle, nombre, pourcentage}
    (temps: minutes and heures; reorientations: agree)."""

    general = fields.Dict()
    themes = fields.List(fields.Dict())
    canaux = fields.List(fields.Dict())
    durees = fields.List(fields.Dict())
    temps = fields.List(fields.Dict())
    ages = fields.List(fields.Dict())
    statuts = fields.List(fields.Dict())
    reorientations = fields.List(fields.Dict())
    evolution = fields.List(fields.Dict())


class StatistiquesSchema(BaseSchema):
    du = fields.Date()
    au = fields.Date()
    figures = fields.List(fields.Nested(FigureSchema))
    indicateurs = fields.Nested(IndicateursSchema)
    graphiques = fields.List(fields.Nested(GraphiqueSchema))
