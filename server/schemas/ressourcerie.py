"""Ressourcerie requests and answers."""

import re

from marshmallow import ValidationError, fields, post_load, pre_load, validate

from server.models.ressourcerie import STATUTS, THEMATIQUES
from server.schemas import BaseSchema
from server.schemas import fields as f

MAX_TAGS = 10


def _tags(text: str | None) -> list[str]:
    """ "Mobile, WhatsApp ; messagerie" → ["mobile", "whatsapp", "messagerie"]."""
    seen = []
    for tag in re.split(r"[,;]", text or ""):
        tag = " ".join(tag.lower().split())
        if tag and tag not in seen:
            seen.append(tag)
    return seen


class DocumentFormSchema(BaseSchema):
    """The form fields of an upload (multipart/form-data, with the PDF as `fichier`)."""

    titre = f.String(
        required=True,
        validate=validate.Length(
            min=3, max=200, error="Le titre doit faire entre 3 et 200 caractères."
        ),
    )
    description = f.String(
        load_default="",
        validate=validate.Length(
            max=1000, error="La description ne peut pas dépasser 1 000 caractères."
        ),
    )
    thematique = f.String(
        required=True,
        validate=validate.OneOf(
            list(THEMATIQUES), error="Thématique inconnue : choisissez dans la liste."
        ),
    )
    tags = f.String(
        load_default="",
        metadata={"description": "Séparés par des virgules."},
        validate=validate.Length(max=500, error="Trop de tags."),
    )

    @post_load
    def split_tags(self, data, **kwargs):
        data["tags"] = _tags(data["tags"])
        data["description"] = data["description"].strip()
        if len(data["tags"]) > MAX_TAGS or any(len(t) > 40 for t in data["tags"]):
            raise ValidationError(f"Au plus {MAX_TAGS} tags de 40 caractères.", "tags")
        return data


class DocumentSchema(BaseSchema):
    id = fields.Integer()
    titre = fields.String()
    description = fields.String()
    thematique = fields.String()
    thematique_libelle = fields.Function(lambda d: THEMATIQUES[d.thematique])
    tags = fields.List(fields.String())
    nom_fichier = fields.String()
    taille = fields.Integer(metadata={"description": "En octets"})
    statut = fields.String(metadata={"description": "propose, publie ou refuse"})
    statut_libelle = fields.Function(lambda d: STATUTS[d.statut])
    created_at = fields.DateTime()
    publie_at = fields.DateTime(allow_none=True)
    url = fields.Function(lambda d: f"/api/ressourcerie/documents/{d.id}/fichier")


class DocumentPageSchema(BaseSchema):
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    items = fields.List(fields.Nested(DocumentSchema))


class DocumentQueryArgsSchema(BaseSchema):
    """ "Rechercher un document": words, a thématique, a tag, a status; a page."""

    @pre_load
    def blanks_are_absent(self, data, **kwargs):
        """A search form sends its empty fields ("thematique=" for "Toutes")."""
        return {key: value for key, value in data.items() if value != ""}

    q = f.String(load_default=None, validate=validate.Length(max=200))
    thematique = f.String(
        load_default=None, validate=validate.OneOf(list(THEMATIQUES), error="Thématique inconnue.")
    )
    tag = f.String(load_default=None, validate=validate.Length(max=40))
    statut = f.String(
        load_default=None,
        validate=validate.OneOf(list(STATUTS), error="Statut inconnu : propose, publie ou refuse."),
    )
    page = fields.Integer(
        load_default=1,
        error_messages={"invalid": "Page invalide."},
        validate=validate.Range(min=1, max=100_000, error="Page invalide."),
    )


class DecisionSchema(BaseSchema):
    decision = f.String(
        required=True,
        validate=validate.OneOf(
            ["publie", "refuse"], error="Décision inconnue : publie ou refuse."
        ),
    )


class TagSchema(BaseSchema):
    tag = fields.String()
    nombre = fields.Integer()


class ThematiqueSchema(BaseSchema):
    cle = fields.String()
    libelle = fields.String()
    nombre = fields.Integer()
