"""What a reminder notification says, how it goes to a user's devices (the process's one
sender), and how each send is recorded: shared by the test notification (rappels.py) and the
clock (horloge.py)."""

import logging
from collections import defaultdict
from datetime import datetime

from flask import current_app
from sqlalchemy import delete, insert, select

from server.errors import ApiError
from server.extensions import db
from server.models import EnvoiPush, PushSubscription
from server.models.push import ESSAI, INACTIVITE, QUOTIDIEN
from server.services import push

TOPIC = "rappel-cra"  # a newer reminder replaces an unread one on the push service
TOPIC_ESSAI = "rappel-essai"
NOT_CONFIGURED = "Les rappels ne sont pas disponibles sur ce serveur."

log = logging.getLogger(__name__)


# --- what a notification says -----------------------------------------------------------------


def payload(kind: str) -> dict:
    """The notification of a kind of reminder: text, and the view a tap opens."""
    if kind == INACTIVITE:
        days = current_app.config["REMINDERS_INACTIVITY_DAYS"]
        return {
            "type": kind,
            "titre": f"Aucun compte rendu depuis {days} jours",
            "corps": f"Vous n'avez saisi aucun compte rendu d'activité depuis {days} jours. "
            "Touchez pour voir votre historique.",
            "url": "/?vue=historique",
        }
    if kind == QUOTIDIEN:
        return {
            "type": kind,
            "titre": "Compte rendu du jour",
            "corps": "Pensez à saisir un compte rendu après chaque accompagnement. "
            "Touchez pour en saisir un.",
            "url": "/?vue=saisie",
        }
    return {
        "type": ESSAI,
        "titre": "Notification d'essai",
        "corps": "Les rappels de coop-cra fonctionnent sur cet appareil.",
        "url": "/?vue=rappels",
    }


# --- sending ----------------------------------------------------------------------------------


def sender() -> push.Sender:
    """The app's sender (kept for the life of the process: sessions, pauses after a 429)."""
    if push.vapid() is None:
        raise ApiError(409, NOT_CONFIGURED)
    extensions = current_app.extensions
    if "push_sender" not in extensions:
        extensions["push_sender"] = push.Sender(current_app)
    return extensions["push_sender"]


def subscriptions_of(user_ids) -> dict[int, list[push.Subscription]]:
    found = defaultdict(list)
    rows = db.session.execute(
        select(
            PushSubscription.user_id,
            PushSubscription.id,
            PushSubscription.endpoint,
            PushSubscription.p256dh,
            PushSubscription.auth,
        )
        .where(PushSubscription.user_id.in_(user_ids))
        .order_by(PushSubscription.id)
    )
    for user_id, subscription_id, endpoint, p256dh, auth in rows:
        found[user_id].append(push.Subscription(subscription_id, endpoint, p256dh, auth))
    return found


def envoi(
    user_id: int,
    kind: str,
    subscription: push.Subscription,
    outcome: push.Outcome,
    rappel_id: int | None,
    gone: set[int],
    now: datetime,
) -> dict:
    return {
        "rappel_id": rappel_id,
        "user_id": user_id,
        "type": kind,
        "subscription_id": None if subscription.id in gone else subscription.id,
        "service": subscription.service,
        "statut_http": outcome.statut_http,
        "resultat": outcome.resultat,
        "detail": outcome.detail,
        "sent_at": now,
    }


def record(envois: list[dict], gone: set[int]) -> None:
    if envois:
        db.session.execute(insert(EnvoiPush), envois)
    if gone:
        db.session.execute(delete(PushSubscription).where(PushSubscription.id.in_(gone)))
