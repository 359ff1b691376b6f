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


class FigureSchema(BaseSchema):
    cle = fields.String()
    libelle = fields.String()
    valeur = fields.Raw()


class StatistiquesSchema(BaseSchema):
    du = fields.Date()
    au = fields.Date()
    figures = fields.List(fields.Nested(FigureSchema))
    graphiques = fields.List(fields.Dict())
