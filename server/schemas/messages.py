"""French default messages for every marshmallow field, validator and schema.

Applied once, when `server.schemas` is imported, to marshmallow's own classes: a field or a
validator that names no message of its own still answers in the user's language (no "Field may
not be null." can reach the app). Messages given by a schema or a field factory
(`server.schemas.fields`) take precedence, as marshmallow merges them over these defaults.
"""

from marshmallow import Schema, fields, validate

INVALID = "Valeur invalide."

FIELDS = {
    fields.Field: {
        "required": "Ce champ est obligatoire.",
        "null": "Ce champ ne peut pas être vide.",
        "validator_failed": INVALID,
    },
    fields.Boolean: {"invalid": "Valeur vrai/faux attendue."},
    fields.Date: {
        "invalid": "Date invalide (format attendu : JJ/MM/AAAA).",
        "format": "Date impossible à mettre en forme.",
    },
    fields.Decimal: {"special": "Nombre attendu (ni NaN ni infini)."},
    fields.Email: {"invalid": "Adresse e-mail invalide."},
    fields.Enum: {"unknown": "Valeur inconnue : choisissez parmi {choices}."},
    fields.Float: {"special": "Nombre attendu (ni NaN ni infini)."},
    fields.IP: {"invalid_ip": "Adresse IP invalide."},
    fields.IPInterface: {"invalid_ip_interface": "Interface IP invalide."},
    fields.IPv4: {"invalid_ip": "Adresse IPv4 invalide."},
    fields.IPv4Interface: {"invalid_ip_interface": "Interface IPv4 invalide."},
    fields.IPv6: {"invalid_ip": "Adresse IPv6 invalide."},
    fields.IPv6Interface: {"invalid_ip_interface": "Interface IPv6 invalide."},
    fields.Integer: {"invalid": "Nombre entier attendu."},
    fields.List: {"invalid": "Liste attendue."},
    fields.Mapping: {"invalid": "Objet JSON attendu."},
    fields.Nested: {"type": "Objet JSON attendu."},
    fields.Number: {"invalid": "Nombre attendu.", "too_large": "Nombre trop grand."},
    fields.String: {"invalid": "Texte attendu.", "invalid_utf8": "Texte invalide (UTF-8 attendu)."},
    fields.TimeDelta: {
        "invalid": "Durée invalide.",
        "format": "Durée impossible à mettre en forme.",
    },
    fields.Tuple: {"invalid": "Liste attendue."},
    fields.URL: {"invalid": "Adresse web invalide."},
    fields.UUID: {"invalid_uuid": "Identifiant (UUID) invalide."},
    fields._TemporalField: {
        "invalid": "Date ou heure invalide (format ISO 8601 attendu).",
        "invalid_awareness": "Date ou heure invalide : fuseau horaire attendu ou interdit.",
        "format": "Date ou heure impossible à mettre en forme.",
    },
}

VALIDATORS = {
    validate.ContainsNoneOf: {"default_message": "Choix non autorisé : {values}."},
    validate.ContainsOnly: {"default_message": "Choix inconnu : choisissez parmi {choices}."},
    validate.Email: {"default_message": "Adresse e-mail invalide."},
    validate.Equal: {"default_message": "La valeur attendue est {other}."},
    validate.Length: {
        "message_min": "Au moins {min} élément(s) ou caractère(s).",
        "message_max": "Au plus {max} élément(s) ou caractère(s).",
        "message_all": "Entre {min} et {max} élément(s) ou caractère(s).",
        "message_equal": "Exactement {equal} élément(s) ou caractère(s).",
    },
    validate.NoneOf: {"default_message": INVALID},
    validate.OneOf: {"default_message": "Valeur inconnue : choisissez parmi {choices}."},
    validate.Predicate: {"default_message": INVALID},
    validate.Range: {
        "message_min": "La valeur doit être {min_op} {{min}}.",
        "message_max": "La valeur doit être {max_op} {{max}}.",
        "message_all": "La valeur doit être {min_op} {{min}} et {max_op} {{max}}.",
        "message_gte": "supérieure ou égale à",
        "message_gt": "supérieure à",
        "message_lte": "inférieure ou égale à",
        "message_lt": "inférieure à",
    },
    validate.Regexp: {"default_message": "Format invalide."},
    validate.URL: {"default_message": "Adresse web invalide."},
}

SCHEMA = {
    "type": "Données invalides : un objet JSON est attendu.",
    "unknown": "Champ inconnu.",
}


def apply_french_defaults() -> None:
    """Put the French messages in marshmallow's classes (idempotent)."""
    for cls, messages in FIELDS.items():
        # Each class's own dict: marshmallow merges them along the MRO when a field is made.
        cls.default_error_messages = {**cls.__dict__.get("default_error_messages", {}), **messages}
    for cls, messages in VALIDATORS.items():
        for name, text in messages.items():
            setattr(cls, name, text)
    Schema._default_error_messages = {**Schema._default_error_messages, **SCHEMA}
