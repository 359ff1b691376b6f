"""Field factories with French messages, so every schema speaks the user's language."""

from marshmallow import fields

REQUIRED = "Ce champ est obligatoire."
NULL = "Ce champ ne peut pas être vide."


def _messages(**extra):
    return {"required": REQUIRED, "null": NULL, **extra}


def String(**kwargs):
    return fields.String(error_messages=_messages(invalid="Texte attendu."), **kwargs)


def Email(**kwargs):
    return fields.Email(error_messages=_messages(invalid="Adresse e-mail invalide."), **kwargs)


def Integer(**kwargs):
    return fields.Integer(strict=True,
                          error_messages=_messages(invalid="Nombre entier attendu."), **kwargs)


def Boolean(**kwargs):
    return fields.Boolean(error_messages=_messages(invalid="Valeur vrai/faux attendue."),
                          **kwargs)


def Date(**kwargs):
    return fields.Date(error_messages=_messages(
        invalid="Date invalide (format attendu : AAAA-MM-JJ)."), **kwargs)


def DateTime(**kwargs):
    return fields.AwareDateTime(default_timezone=None, error_messages=_messages(
        invalid="Date et heure invalides (format ISO 8601 attendu).",
        naive="Le fuseau horaire est obligatoire."), **kwargs)
