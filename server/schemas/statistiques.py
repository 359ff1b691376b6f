"""Statistics requests and answers."""

from datetime import date

from marshmallow import ValidationError, fields, validate, validates_schema

from server.schemas import BaseSchema
from server.schemas import fields as f


class PeriodeSchema(BaseSchema):
    """A period; default bounds are chosen by the service for each scope."""

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


class PeriodeArgsSchema(PeriodeSchema):
    """A period and a commune filter."""

    code_postal = f.String(
        load_default=None,
        validate=validate.Regexp(r"^\d{5}$", error="Code postal invalide : 5 chiffres."),
    )
    code_commune = f.String(
        load_default=None,
        validate=validate.Regexp(r"^[0-9][0-9AB][0-9]{3}$", error="Code commune (INSEE) invalide."),
    )


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


class PerimetreSchema(BaseSchema):
    type = fields.String(
        metadata={"description": "conseiller, equipe, structure, departement, region ou national."}
    )
    nom = fields.String()
    ident = fields.String()
    code_postal = fields.String(allow_none=True)
    code_commune = fields.String(allow_none=True)


class ArrondissementSchema(BaseSchema):
    code = fields.String(metadata={"description": "Code INSEE de l'arrondissement municipal"})
    nom = fields.String()
    cras = fields.Integer(metadata={"description": "CRA enregistrés"})
    personnes_accompagnees = fields.Integer()
    accompagnements = fields.Integer()


class StatistiquesSchema(BaseSchema):
    perimetre = fields.Nested(PerimetreSchema)
    titre = fields.String()
    du = fields.Date()
    au = fields.Date()
    figures = fields.List(fields.Nested(FigureSchema))
    indicateurs = fields.Nested(IndicateursSchema)
    arrondissements = fields.List(
        fields.Nested(ArrondissementSchema),
        metadata={
            "description": "Filtre sur Paris, Lyon ou Marseille : les CRA par arrondissement "
            "(vide sinon)."
        },
    )
    graphiques = fields.List(fields.Nested(GraphiqueSchema))


class TerritoiresArgsSchema(PeriodeSchema):
    """The territorial table: by département or by région, over a period."""

    maille = f.String(
        load_default="departement",
        validate=validate.OneOf(
            ["departement", "region"], error="Maille inconnue : departement ou region."
        ),
    )


class TerritoireSchema(BaseSchema):
    code = fields.String()
    nom = fields.String()
    cras = fields.Integer(metadata={"description": "CRA enregistrés"})
    personnes_accompagnees = fields.Integer()
    accompagnements = fields.Integer()
    dotation = fields.Integer(metadata={"description": "Dotation de conseillers"})
    actives = fields.Integer(metadata={"description": "CnFS activés"})
    en_attente = fields.Integer(
        metadata={"description": "Dotation − activés (postes non pourvus compris)"}
    )
    taux_activation = fields.Integer(metadata={"description": "En %"})


class TerritoiresSchema(BaseSchema):
    maille = fields.String()
    du = fields.Date()
    au = fields.Date()
    items = fields.List(fields.Nested(TerritoireSchema))
