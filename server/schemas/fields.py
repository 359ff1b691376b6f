"""Field factories with French messages, so every schema speaks the user's language."""

import re

from marshmallow import ValidationError, fields, validate

REQUIRED = "Ce champ est obligatoire."
NULL = "Ce champ ne peut pas être vide."
UNSTORABLE = "Texte invalide : caractère non autorisé."
# Ids are PostgreSQL integers; a larger one names nothing, and SQLite cannot even bind it.
MAX_ID = 2**31 - 1


def _messages(**extra):
    return {"required": REQUIRED, "null": NULL, **extra}


def _storable(text: str) -> None:
    """Refuse what no database column holds: NUL, and lone surrogates ("\\ud800" in JSON)."""
    try:
        text.encode()
    except UnicodeEncodeError:
        raise ValidationError(UNSTORABLE) from None
    if "\x00" in text:
        raise ValidationError(UNSTORABLE)


def _with_storable(kwargs: dict) -> dict:
    others = kwargs.pop("validate", None)
    others = [others] if callable(others) else list(others or ())
    return {"validate": [_storable, *others], **kwargs}


def String(**kwargs):
    return fields.String(
        error_messages=_messages(invalid="Texte attendu."), **_with_storable(kwargs)
    )


def Email(**kwargs):
    return fields.Email(
        error_messages=_messages(invalid="Adresse e-mail invalide."), **_with_storable(kwargs)
    )


def Integer(strict: bool = True, **kwargs):
    """A whole number; strict (JSON numbers only) unless it comes from a query string, where
    every value is text."""
    return fields.Integer(
        strict=strict, error_messages=_messages(invalid="Nombre entier attendu."), **kwargs
    )


def Id(**kwargs):
    return Integer(
        validate=validate.Range(min=1, max=MAX_ID, error="Identifiant invalide."), **kwargs
    )


def QueryId(**kwargs):
    """An id in a query string ("?structure_id=13"), where every value is text."""
    return Id(strict=False, **kwargs)


def Boolean(**kwargs):
    return fields.Boolean(error_messages=_messages(invalid="Valeur vrai/faux attendue."), **kwargs)


DATE_INVALID = "Date invalide (format attendu : JJ/MM/AAAA)."
FRENCH_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")


class _Date(fields.Date):
    """A date as people write it (JJ/MM/AAAA) or as the API exchanges it (AAAA-MM-JJ)."""

    def _deserialize(self, value, attr, data, **kwargs):
        match = FRENCH_DATE.match(value) if isinstance(value, str) else None
        if match:
            value = f"{match[3]}-{match[2]}-{match[1]}"
        return super()._deserialize(value, attr, data, **kwargs)


def Date(**kwargs):
    return _Date(error_messages=_messages(invalid=DATE_INVALID), **kwargs)


def DateTime(**kwargs):
    return fields.AwareDateTime(
        default_timezone=None,
        error_messages=_messages(
            invalid="Date et heure invalides (format ISO 8601 attendu).",
            naive="Le fuseau horaire est obligatoire.",
        ),
        **kwargs,
    )
