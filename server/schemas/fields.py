"""Field factories with French messages, so every schema speaks the user's language."""

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


def Date(**kwargs):
    return fields.Date(
        error_messages=_messages(invalid="Date invalide (format attendu : AAAA-MM-JJ)."), **kwargs
    )


def DateTime(**kwargs):
    return fields.AwareDateTime(
        default_timezone=None,
        error_messages=_messages(
            invalid="Date et heure invalides (format ISO 8601 attendu).",
            naive="Le fuseau horaire est obligatoire.",
        ),
        **kwargs,
    )
