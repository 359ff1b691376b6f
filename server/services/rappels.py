"""Reminders, as the app sets them: each user's settings and devices, and the test
notification. The clock that sends the reminders due is horloge.py; what a notification says
and how it is sent, notifications.py."""

import hmac
import math
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import delete, func, select

from server.errors import ApiError, retry_after
from server.extensions import db
from server.models import EnvoiPush, PushSubscription, RappelPreferences, User
from server.models.push import (
    ESSAI,
    FIVE_PM,
    FUSEAUX,
    WEEKDAYS,
)
from server.models.types import utcnow
from server.services import notifications, push, sql, territoires

MAX_ESSAIS = 10  # test notifications per user in FENETRE_ESSAIS
FENETRE_ESSAIS = timedelta(hours=1)
NOT_SUBSCRIBED = "Cet appareil n'est pas abonné aux rappels : activez-les d'abord."


# --- settings and devices (the app's API) -----------------------------------------------------


def _preferences(user: User) -> RappelPreferences:
    prefs = db.session.get(RappelPreferences, user.id)
    if prefs is None:
        departement = (
            user.conseiller.structure.departement_code
            if (user.conseiller and user.conseiller.structure)
            else None
        )
        prefs = RappelPreferences(
            user_id=user.id,
            actif=False,
            jours=WEEKDAYS,
            minute=FIVE_PM,
            fuseau=territoires.time_zone(departement),
            inactivite=True,
        )
    return prefs


def _devices(user: User) -> int:
    return db.session.execute(
        select(func.count()).where(PushSubscription.user_id == user.id)
    ).scalar_one()


def settings(user: User) -> dict:
    """The user's reminder settings, the server's key and the number of subscribed devices."""
    prefs = _preferences(user)
    return {
        "actif": prefs.actif,
        "jours": [d for d in range(1, 8) if prefs.jours & (1 << d)],
        "heure": f"{prefs.minute // 60:02d}:{prefs.minute % 60:02d}",
        "fuseau": prefs.fuseau,
        "inactivite": prefs.inactivite,
        "jours_inactivite": current_app.config["REMINDERS_INACTIVITY_DAYS"],
        "appareils": _devices(user),
        "cle_publique": push.public_key(),
        "fuseaux": [{"code": code, "libelle": label} for code, label in FUSEAUX.items()],
    }


def save_settings(user: User, data: dict) -> dict:
    """Turn reminders on or off and choose days, time and time zone."""
    prefs = _preferences(user)
    hours, minutes = data["heure"].split(":")
    if data["actif"] and not prefs.actif:
        prefs.actif_depuis = utcnow().astimezone(ZoneInfo(data["fuseau"])).date()
    prefs.actif, prefs.fuseau, prefs.inactivite = data["actif"], data["fuseau"], data["inactivite"]
    prefs.jours = sum(1 << d for d in set(data["jours"]))
    prefs.minute = int(hours) * 60 + int(minutes)
    prefs.updated_at = utcnow()
    db.session.add(prefs)
    db.session.commit()
    return settings(user)


def _upsert_statement():
    """Insert a subscription, or update its endpoint's row when the same account sends it again
    or when the sender proves to be the device: only the browser profile holding the
    subscription knows its keys (the endpoint alone travels to the push service and back).
    Returns the row's id, none when the update was refused."""
    table = PushSubscription.__table__
    statement = sql.dialect().insert(table)
    excluded = statement.excluded
    same_device = (table.c.p256dh == excluded.p256dh) & (table.c.auth == excluded.auth)
    return statement.on_conflict_do_update(
        index_elements=["endpoint"],
        set_={
            "user_id": excluded.user_id,
            "p256dh": excluded.p256dh,
            "auth": excluded.auth,
            "user_agent": excluded.user_agent,
            "seen_at": excluded.seen_at,
        },
        where=(table.c.user_id == excluded.user_id) | same_device,
    ).returning(table.c.id)


TAKEN = (
    "Cet abonnement aux rappels est celui d'un appareil lié à un autre compte : activez les "
    "rappels depuis l'appareil lui-même."
)


def subscribe(user: User, data: dict, user_agent: str | None) -> dict:
    """Store this device's subscription, sent again at every start of the app. An endpoint
    belongs to one browser profile: the last user logged in there owns it, but moving it from
    another account takes the device's keys as proof (409 otherwise), so that knowing an
    endpoint does not divert someone's reminders."""
    now = utcnow()
    stored = db.session.execute(
        _upsert_statement(),
        {
            "user_id": user.id,
            "endpoint": data["endpoint"],
            "p256dh": data["keys"]["p256dh"],
            "auth": data["keys"]["auth"],
            "user_agent": (user_agent or "")[:300] or None,
            "created_at": now,
            "seen_at": now,
        },
    ).first()
    if stored is None:
        db.session.rollback()
        raise ApiError(409, TAKEN, {"endpoint": [TAKEN]})
    db.session.commit()
    return {"cle_publique": push.public_key(), "appareils": _devices(user)}


def unsubscribe(user: User, endpoint: str) -> None:
    """Forget one of the user's devices (reminders turned off there, or logout)."""
    db.session.execute(
        delete(PushSubscription).where(
            PushSubscription.user_id == user.id, PushSubscription.endpoint == endpoint
        )
    )
    db.session.commit()


def renew(old: dict, new: dict) -> None:
    """Replace a subscription the browser renewed (pushsubscriptionchange, in the service
    worker, which has no session): knowing the old endpoint and its auth secret is the proof."""
    current = db.session.scalar(
        select(PushSubscription).where(PushSubscription.endpoint == old["endpoint"])
    )
    if current is None or not _same_secret(current.auth, old["auth"]):
        raise ApiError(404, "Abonnement introuvable.")
    if new["endpoint"] != current.endpoint:
        db.session.execute(
            delete(PushSubscription).where(PushSubscription.endpoint == new["endpoint"])
        )
    current.endpoint, current.seen_at = new["endpoint"], utcnow()
    current.p256dh, current.auth = new["keys"]["p256dh"], new["keys"]["auth"]
    db.session.commit()


def _same_secret(stored: str, given: str) -> bool:
    return hmac.compare_digest(stored.encode(), given.encode())


def send_test(user: User, endpoint: str) -> dict:
    """A test notification to one of the user's devices, now."""
    the_sender = notifications.sender()
    now = utcnow()
    # The MAX_ESSAIS-th newest test of the last hour: while it is in the hour, no more.
    limite = db.session.scalar(
        select(EnvoiPush.sent_at)
        .where(
            EnvoiPush.user_id == user.id,
            EnvoiPush.type == ESSAI,
            EnvoiPush.sent_at > now - FENETRE_ESSAIS,
        )
        .order_by(EnvoiPush.sent_at.desc())
        .offset(MAX_ESSAIS - 1)
        .limit(1)
    )
    if limite is not None:
        secondes = retry_after(limite + FENETRE_ESSAIS, now)
        raise ApiError(
            429,
            f"Trop de notifications d'essai : réessayez dans {math.ceil(secondes / 60)} minute(s).",
            headers={"Retry-After": str(secondes)},
        )
    found = notifications.subscriptions_of([user.id]).get(user.id, [])
    subscription = next((s for s in found if s.endpoint == endpoint), None)
    if subscription is None:
        raise ApiError(404, NOT_SUBSCRIBED)
    outcome = the_sender.send(
        subscription, notifications.payload(ESSAI), notifications.TOPIC_ESSAI, now
    )
    gone = {subscription.id} if outcome.resultat == push.DISPARU else set()
    if outcome.resultat != push.DIFFERE:
        notifications.record(
            [notifications.envoi(user.id, ESSAI, subscription, outcome, None, gone, now)], gone
        )
    db.session.commit()
    if outcome.resultat == push.ACCEPTE:
        message = "Notification d'essai envoyée : elle arrive dans quelques secondes."
    elif gone:
        message = (
            "Cet abonnement n'est plus valable : désactivez puis réactivez les rappels "
            "sur cet appareil."
        )
    else:
        message = "Le service de notification a refusé l'envoi : réessayez plus tard."
    return {"envoye": outcome.resultat == push.ACCEPTE, "message": message}
