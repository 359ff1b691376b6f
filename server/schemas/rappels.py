"""Reminders: settings, a device's push subscription, a test notification."""

import binascii

from cryptography.hazmat.primitives.asymmetric import ec
from marshmallow import ValidationError, fields, validate, validates, validates_schema

from server.models.push import FUSEAUX, allowed_endpoint, b64url_decode
from server.schemas import BaseSchema
from server.schemas import fields as f

ENDPOINT_MAX = 2048


class FuseauSchema(BaseSchema):
    code = fields.String()
    libelle = fields.String()


class RappelsSchema(BaseSchema):
    actif = f.Boolean(required=True)
    jours = fields.List(
        f.Integer(
            validate=validate.Range(
                min=1, max=7, error="Jour invalide (1 pour lundi … 7 pour dimanche)."
            )
        ),
        required=True,
        metadata={"description": "Jours du rappel : 1 pour lundi … 7 pour dimanche."},
    )
    heure = f.String(
        required=True,
        validate=validate.Regexp(
            r"^([01]\d|2[0-3]):[0-5]\d$", error="Heure invalide (format HH:MM)."
        ),
    )
    fuseau = f.String(
        required=True, validate=validate.OneOf(list(FUSEAUX), error="Fuseau horaire inconnu.")
    )
    inactivite = f.Boolean(
        load_default=True,
        metadata={"description": "Rappel aussi après jours_inactivite jours sans compte rendu."},
    )
    jours_inactivite = fields.Integer(dump_only=True)
    appareils = fields.Integer(dump_only=True, metadata={"description": "Appareils abonnés."})
    cle_publique = fields.String(
        dump_only=True,
        allow_none=True,
        metadata={
            "description": "Clé VAPID du serveur (applicationServerKey) ; absente si les rappels "
            "ne sont pas configurés."
        },
    )
    fuseaux = fields.List(fields.Nested(FuseauSchema), dump_only=True)

    @validates_schema
    def some_day(self, data, **kwargs):
        """Reminders on need at least one day; each day once."""
        days = data.get("jours") or []
        if data.get("actif") and not days:
            raise ValidationError("Choisissez au moins un jour.", "jours")
        if len(set(days)) != len(days):
            raise ValidationError("Chaque jour ne peut être choisi qu'une fois.", "jours")


def _key(text: str, size: int, message: str) -> None:
    try:
        raw = b64url_decode(text)
    except (binascii.Error, ValueError):
        raise ValidationError(message) from None
    if len(raw) != size:
        raise ValidationError(message)
    if size == 65:
        try:
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
        except ValueError:
            raise ValidationError(message) from None


class ClesSchema(BaseSchema):
    p256dh = f.String(
        required=True,
        validate=lambda text: _key(
            text, 65, "Clé p256dh invalide (point P-256 non compressé, en base64url)."
        ),
    )
    auth = f.String(
        required=True,
        validate=lambda text: _key(text, 16, "Secret auth invalide (16 octets en base64url)."),
    )


class AbonnementSchema(BaseSchema):
    """PushSubscription.toJSON() of the browser."""

    endpoint = f.String(
        required=True,
        validate=validate.Length(max=ENDPOINT_MAX, error="Adresse d'abonnement trop longue."),
    )
    keys = fields.Nested(ClesSchema, required=True)
    expirationTime = fields.Float(allow_none=True, load_default=None)  # the DOM spells it so

    @validates("endpoint")
    def known_push_service(self, value, **kwargs):
        """Only a browser's push service: the server POSTs to this address."""
        if not allowed_endpoint(value):
            raise ValidationError("Adresse d'abonnement refusée : service de notification inconnu.")


class AbonnementResultSchema(BaseSchema):
    cle_publique = fields.String(allow_none=True)
    appareils = fields.Integer()


class AncienAbonnementSchema(BaseSchema):
    endpoint = f.String(required=True, validate=validate.Length(max=ENDPOINT_MAX))
    auth = f.String(required=True, validate=validate.Length(max=60))


class RenouvellementSchema(BaseSchema):
    """What the service worker sends on pushsubscriptionchange."""

    ancien = fields.Nested(AncienAbonnementSchema, required=True)
    nouveau = fields.Nested(AbonnementSchema, required=True)


class EndpointSchema(BaseSchema):
    endpoint = f.String(
        required=True,
        validate=validate.Length(max=ENDPOINT_MAX, error="Adresse d'abonnement trop longue."),
    )


class EssaiResultSchema(BaseSchema):
    envoye = fields.Boolean()
    message = fields.String()


class ClePubliqueSchema(BaseSchema):
    cle_publique = fields.String(allow_none=True)
