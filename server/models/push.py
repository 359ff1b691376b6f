"""Web Push reminders: each device's subscription, each user's reminder settings, the claim
of every reminder and the record of every send."""

import base64
from datetime import date, datetime
from fnmatch import fnmatch
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import Date, ForeignKey, Index, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.types import UtcDateTime, utcnow

# The time zones a conseiller's reminders may follow (metropolitan France and overseas).
FUSEAUX = {
    "Europe/Paris": "Métropole et Corse (heure de Paris)",
    "America/Guadeloupe": "Guadeloupe",
    "America/Martinique": "Martinique",
    "America/Cayenne": "Guyane",
    "Indian/Reunion": "La Réunion",
    "Indian/Mayotte": "Mayotte",
    "America/Miquelon": "Saint-Pierre-et-Miquelon",
    "America/St_Barthelemy": "Saint-Barthélemy",
    "America/Marigot": "Saint-Martin",
    "Pacific/Tahiti": "Polynésie française",
    "Pacific/Noumea": "Nouvelle-Calédonie",
    "Pacific/Wallis": "Wallis-et-Futuna",
}
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def b64url_decode(text: str) -> bytes:
    """Base64url without padding, as the browser's PushSubscription gives its keys."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def allowed_endpoint(endpoint: str) -> bool:
    """Whether the server may POST to this endpoint: HTTPS to a known push service (plain HTTP
    to loopback only), so that a subscription cannot aim the server at any other address."""
    try:
        url = urlsplit(endpoint)
        host = url.hostname or ""
        url.port  # noqa: B018  (raises on a bad port)
    except ValueError:
        return False
    patterns = [p.strip().lower() for p in current_app.config["PUSH_SERVICE_HOSTS"].split(",")]
    if not any(p and fnmatch(host, p) for p in patterns):
        return False
    return url.scheme == "https" or (url.scheme == "http" and host in LOOPBACK)


# Kinds of reminder: after the sessions of the day, and after days without any CRA.
QUOTIDIEN = "quotidien"
INACTIVITE = "inactivite"
ESSAI = "essai"  # a test notification asked from the app: sent, recorded, never claimed

# What became of a claimed reminder (Rappel.statut).
EN_COURS = "en_cours"  # claimed, being sent (stays so if the process died: never resent)
ENVOYE = "envoye"  # at least one device's push service accepted it
A_REESSAYER = "a_reessayer"  # only temporary failures (network, 5xx, 429): retried that day
ECHEC = "echec"  # permanent failures, or the last attempt failed

WEEKDAYS = 0b0111110  # Monday to Friday, in RappelPreferences.jours
FIVE_PM = 17 * 60  # in RappelPreferences.minute


class PushSubscription(db.Model):
    """A device's push subscription (one per browser profile); a user may have several."""

    __tablename__ = "push_subscription"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    endpoint: Mapped[str] = mapped_column(String(2048), unique=True)
    p256dh: Mapped[str] = mapped_column(String(120))  # the device's key, base64url
    auth: Mapped[str] = mapped_column(String(60))  # the device's auth secret, base64url
    user_agent: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    # Updated each time the app resends it (at every start).
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class RappelPreferences(db.Model):
    """When a user wants to be reminded: days, local time, time zone."""

    __tablename__ = "rappel_preferences"
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    actif: Mapped[bool] = mapped_column(default=False)
    # Bit n set (n = 1 for Monday … 7 for Sunday) for the days of the daily reminder.
    jours: Mapped[int] = mapped_column(SmallInteger, default=WEEKDAYS)
    minute: Mapped[int] = mapped_column(SmallInteger, default=FIVE_PM)  # local time, 0…1439
    fuseau: Mapped[str] = mapped_column(String(40), default="Europe/Paris")
    inactivite: Mapped[bool] = mapped_column(default=True)
    # Local day the reminders were turned on: inactivity counts from there at the earliest.
    actif_depuis: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Rappel(db.Model):
    """The claim of one reminder: its unique key is what sends a kind of reminder at most once
    a day to a user, whatever the number of clock processes."""

    __tablename__ = "rappel"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(12))
    jour: Mapped[date] = mapped_column(Date)  # the user's local day
    statut: Mapped[str] = mapped_column(String(12), default=EN_COURS)
    tentatives: Mapped[int] = mapped_column(SmallInteger, default=1)
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reessai_apres: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (
        UniqueConstraint("user_id", "type", "jour", name="uq_rappel_user_type_jour"),
        Index("ix_rappel_jour_statut", "jour", "statut"),
    )


class EnvoiPush(db.Model):
    """One POST to a push service, whatever came of it."""

    __tablename__ = "envoi_push"
    id: Mapped[int] = mapped_column(primary_key=True)
    rappel_id: Mapped[int | None] = mapped_column(
        ForeignKey("rappel.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    # The subscription may be gone (410): the push service's host says where it went.
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("push_subscription.id", ondelete="SET NULL"), index=True
    )
    service: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(12))
    statut_http: Mapped[int | None] = mapped_column(SmallInteger)  # None: no answer
    resultat: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str | None] = mapped_column(String(300))
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
