"""A device's report in each push, a conseiller's devices, and the support page's filters."""

from marshmallow import fields, validate

from server.models.appareil import MAX_VERSION
from server.schemas import BaseSchema
from server.schemas import fields as f

MAX_EN_ATTENTE = 1_000_000
MAX_JOURS = 3650


class RapportAppareilSchema(BaseSchema):
    """What the app tells of itself in a push, beside its operations (all optional: an app
    that says nothing is served as before). The label (« appareil ») is read apart, and kept
    only when it is one (services/cras.device_label). Loaded with unknown=EXCLUDE: the
    batch's own fields are beside it."""

    appareil_id = fields.UUID(
        load_default=None,
        allow_none=True,
        error_messages={"invalid_uuid": "Identifiant d'appareil invalide (UUID attendu)."},
        metadata={
            "description": "Identifiant de l'appareil, fait par l'application à son installation."
        },
    )
    version = f.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(
            min=1, max=MAX_VERSION, error=f"Version de 1 à {MAX_VERSION} caractères."
        ),
        metadata={"description": "Version de l'application qui envoie."},
    )
    en_attente = f.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(
            min=0, max=MAX_EN_ATTENTE, error="Nombre d'opérations en attente invalide."
        ),
        metadata={
            "description": "Opérations que la file d'envoi de l'appareil garde en plus de "
            "celles de ce lot."
        },
    )


class AppareilSchema(BaseSchema):
    """One of the conseiller's devices, as the server last heard of it."""

    id = fields.UUID(attribute="appareil_id")
    libelle = fields.String(allow_none=True)
    version = fields.String(allow_none=True)
    en_attente = fields.Integer(allow_none=True)
    derniere_synchro = fields.DateTime(
        allow_none=True, metadata={"description": "Dernier envoi réussi (heure du serveur)."}
    )
    derniere_erreur = fields.String(allow_none=True)
    derniere_erreur_at = fields.DateTime(allow_none=True)
    en_erreur = fields.Boolean(
        metadata={"description": "Sa dernière requête s'est terminée par une erreur."}
    )


class VersionServieSchema(BaseSchema):
    """The app's version the server serves: a device reporting another one runs an older
    app (or, during a deployment, a newer one)."""

    version = fields.String(
        metadata={"description": "Empreinte des fichiers de l'application (celle des envois)."}
    )
    date = fields.DateTime(
        allow_none=True,
        metadata={"description": "Date de ses sources, à montrer à sa place (null : inconnue)."},
    )


class AppareilsSchema(BaseSchema):
    items = fields.List(fields.Nested(AppareilSchema))
    version_servie = fields.Nested(VersionServieSchema)


class SupportArgsSchema(BaseSchema):
    """The support page's filters (each optional; together they narrow the list)."""

    jours = f.Integer(
        strict=False,
        load_default=None,
        validate=validate.Range(
            min=1, max=MAX_JOURS, error=f"Nombre de jours entre 1 et {MAX_JOURS}."
        ),
    )
    en_erreur = f.Boolean(load_default=False)
    version_ancienne = f.Boolean(load_default=False)
    page = f.Integer(
        strict=False,
        load_default=1,
        validate=validate.Range(min=1, max=100_000, error="Page invalide."),
    )
