"""Reminders: each user's settings and devices, and the clock's work.

The clock (`flask reminders run`, or `flask reminders send-due` from cron) finds the reminders
due, claims each one, sends it and records every send:

- daily (`quotidien`): on a chosen day, from the chosen local time, when no CRA dated that
  local day has reached the server and no other reminder went to the user that day;
- inactivity (`inactivite`): on a chosen day, from the chosen time, when the user has no CRA
  dated in the last REMINDERS_INACTIVITY_DAYS days (nor turned reminders on in that time), at
  most once in that many days; it stands for the daily one that day.

The claim is a row of `rappel`, unique per (user, kind, local day), inserted with ON CONFLICT
DO NOTHING and committed before anything is sent: whatever the number of clock processes, a
reminder is claimed once, and only its claimer sends it. When the send then fails:
- only temporary failures (network, timeout, 5xx, 429 or a push service we must wait for):
  the claim goes to `a_reessayer` and one clock takes it again, by a conditional UPDATE, after
  `reessai_apres` (the 429's Retry-After, else 10 minutes), the same local day only, at most
  REMINDERS_MAX_ATTEMPTS attempts in all, and not if a CRA of the day has come meanwhile;
- otherwise (every device gone, refused, payload too big, attempts used up): `echec`.
A clock that dies after claiming leaves `en_cours` for good: a lost reminder, never a second.
"""

import hmac
import logging
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import delete, exists, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from server.errors import ApiError
from server.extensions import db
from server.models import Cra, EnvoiPush, PushSubscription, Rappel, RappelPreferences, User
from server.models.push import (
    A_REESSAYER,
    ECHEC,
    EN_COURS,
    ENVOYE,
    ESSAI,
    FIVE_PM,
    FUSEAUX,
    INACTIVITE,
    QUOTIDIEN,
    WEEKDAYS,
)
from server.models.types import utcnow
from server.services import push, territoires

TOPIC = "rappel-cra"  # a newer reminder replaces an unread one on the push service
TOPIC_ESSAI = "rappel-essai"
RETRY_DELAY = timedelta(minutes=10)
BATCH = 500  # reminders sent, then recorded in one commit
MAX_ESSAIS = 10  # test notifications per user and hour
NOT_CONFIGURED = "Les rappels ne sont pas disponibles sur ce serveur."
NOT_SUBSCRIBED = "Cet appareil n'est pas abonné aux rappels : activez-les d'abord."

log = logging.getLogger(__name__)


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


def _dialect():
    """The session's dialect module, for its INSERT … ON CONFLICT."""
    return postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite


def _upsert_statement():
    """Insert a subscription, or update its endpoint's row when the same account sends it again
    or when the sender proves to be the device: only the browser profile holding the
    subscription knows its keys (the endpoint alone travels to the push service and back).
    Returns the row's id, none when the update was refused."""
    table = PushSubscription.__table__
    statement = _dialect().insert(table)
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


def _subscriptions(user_ids) -> dict[int, list[push.Subscription]]:
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


def _envoi(
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


def _record(envois: list[dict], gone: set[int]) -> None:
    if envois:
        db.session.execute(insert(EnvoiPush), envois)
    if gone:
        db.session.execute(delete(PushSubscription).where(PushSubscription.id.in_(gone)))


def send_test(user: User, endpoint: str) -> dict:
    """A test notification to one of the user's devices, now."""
    the_sender = sender()
    now = utcnow()
    recent = db.session.execute(
        select(func.count()).where(
            EnvoiPush.user_id == user.id,
            EnvoiPush.type == ESSAI,
            EnvoiPush.sent_at > now - timedelta(hours=1),
        )
    ).scalar_one()
    if recent >= MAX_ESSAIS:
        raise ApiError(429, "Trop de notifications d'essai : réessayez dans une heure.")
    found = _subscriptions([user.id]).get(user.id, [])
    subscription = next((s for s in found if s.endpoint == endpoint), None)
    if subscription is None:
        raise ApiError(404, NOT_SUBSCRIBED)
    outcome = the_sender.send(subscription, payload(ESSAI), TOPIC_ESSAI, now)
    gone = {subscription.id} if outcome.resultat == push.DISPARU else set()
    if outcome.resultat != push.DIFFERE:
        _record([_envoi(user.id, ESSAI, subscription, outcome, None, gone, now)], gone)
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


# --- the clock --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """A reminder due now, not claimed yet."""

    user_id: int
    type: str
    jour: date


@dataclass(frozen=True)
class Claim:
    """A reminder this process claimed, and must send."""

    id: int
    user_id: int
    type: str
    jour: date
    tentatives: int


def _zones(now: datetime) -> dict[str, datetime]:
    zones = db.session.scalars(
        select(RappelPreferences.fuseau).where(RappelPreferences.actif).distinct()
    )
    return {zone: now.astimezone(ZoneInfo(zone)) for zone in zones}


def _cra_dated(condition):
    return exists().where(
        Cra.conseiller_id == User.conseiller_id, Cra.deleted_at.is_(None), condition
    )


def _eligible(zone: str, local: datetime):
    """Users of this zone whose chosen day it is and chosen time has come, with a device."""
    return (
        select(User.id)
        .join(RappelPreferences, RappelPreferences.user_id == User.id)
        .where(
            RappelPreferences.actif,
            RappelPreferences.fuseau == zone,
            RappelPreferences.jours.op("&")(1 << local.isoweekday()) != 0,
            RappelPreferences.minute <= local.hour * 60 + local.minute,
            User.conseiller_id.is_not(None),
            User.activated_at.is_not(None),
            User.disabled.is_(False),
            exists().where(PushSubscription.user_id == User.id),
        )
    )


def due(kind: str, now: datetime | None = None) -> list[Due]:
    """The reminders of a kind due now, by the rules in this module's docstring."""
    now = now or utcnow()
    found = []
    for zone, local in _zones(now).items():
        day = local.date()
        query = _eligible(zone, local)
        if kind == QUOTIDIEN:
            query = query.where(
                ~_cra_dated(Cra.date == day),
                ~exists().where(Rappel.user_id == User.id, Rappel.jour == day),
            )
        else:
            since = day - timedelta(days=current_app.config["REMINDERS_INACTIVITY_DAYS"])
            query = query.where(
                RappelPreferences.inactivite,
                RappelPreferences.actif_depuis <= since,
                ~_cra_dated(Cra.date > since),
                ~exists().where(
                    Rappel.user_id == User.id, Rappel.type == INACTIVITE, Rappel.jour > since
                ),
            )
        found += [Due(user_id, kind, day) for user_id in db.session.scalars(query)]
    return found


def claim(dues: list[Due], now: datetime | None = None) -> list[Claim]:
    """Claim reminders: only those no other process claimed come back (one commit)."""
    if not dues:
        return []
    now = now or utcnow()
    table = Rappel.__table__
    statement = (
        _dialect()
        .insert(table)
        .on_conflict_do_nothing(index_elements=["user_id", "type", "jour"])
        .returning(table.c.id, table.c.user_id, table.c.type, table.c.jour)
    )
    rows = [
        {
            "user_id": d.user_id,
            "type": d.type,
            "jour": d.jour,
            "statut": EN_COURS,
            "tentatives": 1,
            "claimed_at": now,
        }
        for d in dues
    ]
    claimed = [
        Claim(row.id, row.user_id, row.type, row.jour, 1)
        for row in db.session.connection().execute(statement, rows)
    ]
    db.session.commit()
    return claimed


def _has_cra(user_id: int, day: date) -> bool:
    return db.session.execute(
        select(_cra_dated(Cra.date == day)).where(User.id == user_id)
    ).scalar_one()


def reclaim(now: datetime | None = None) -> list[Claim]:
    """Take again the reminders whose retry time has come; give up those no longer worth it."""
    now = now or utcnow()
    rows = db.session.execute(
        select(
            Rappel.id,
            Rappel.user_id,
            Rappel.type,
            Rappel.jour,
            Rappel.tentatives,
            RappelPreferences.actif,
            RappelPreferences.fuseau,
        )
        .join(RappelPreferences, RappelPreferences.user_id == Rappel.user_id)
        .where(Rappel.statut == A_REESSAYER, Rappel.reessai_apres <= now)
    ).all()
    retry: list[int] = []
    give_up: list[int] = []
    for rappel_id, user_id, kind, day, attempts, actif, zone in rows:
        stale = day != now.astimezone(ZoneInfo(zone)).date()
        done = kind == QUOTIDIEN and not stale and _has_cra(user_id, day)
        worth = actif and not stale and not done
        worth = worth and attempts < current_app.config["REMINDERS_MAX_ATTEMPTS"]
        (retry if worth else give_up).append(rappel_id)
    if give_up:
        db.session.execute(
            update(Rappel)
            .where(Rappel.id.in_(give_up), Rappel.statut == A_REESSAYER)
            .values(statut=ECHEC)
            .execution_options(synchronize_session=False)
        )
    claimed = []
    if retry:
        # The status in the WHERE makes this a claim too: of two clocks, one updates the row.
        claimed = [
            Claim(*row)
            for row in db.session.execute(
                update(Rappel)
                .where(Rappel.id.in_(retry), Rappel.statut == A_REESSAYER)
                .values(
                    statut=EN_COURS,
                    tentatives=Rappel.tentatives + 1,
                    claimed_at=now,
                    reessai_apres=None,
                )
                .returning(Rappel.id, Rappel.user_id, Rappel.type, Rappel.jour, Rappel.tentatives)
                .execution_options(synchronize_session=False)
            )
        ]
    db.session.commit()
    return claimed


def _verdict(claimed: Claim, outcomes: list[push.Outcome], now: datetime) -> dict:
    values = {"id": claimed.id, "statut": ECHEC, "sent_at": None, "reessai_apres": None}
    if any(o.resultat == push.ACCEPTE for o in outcomes):
        values.update(statut=ENVOYE, sent_at=now)
    elif any(o.temporary for o in outcomes) and (
        claimed.tentatives < current_app.config["REMINDERS_MAX_ATTEMPTS"]
    ):
        waits = [o.retry_at for o in outcomes if o.retry_at is not None]
        values.update(statut=A_REESSAYER, reessai_apres=max([now + RETRY_DELAY, *waits]))
    return values


def deliver(claims: list[Claim], now: datetime | None = None) -> dict[str, int]:
    """Send claimed reminders to every device of their users; record every send, delete
    subscriptions gone (404/410), and settle each claim (one commit per batch)."""
    now = now or utcnow()
    the_sender = sender()
    counts: dict[str, int] = defaultdict(int)
    for start in range(0, len(claims), BATCH):
        chunk = claims[start : start + BATCH]
        devices = _subscriptions([c.user_id for c in chunk])
        jobs = [(c, s) for c in chunk for s in devices.get(c.user_id, [])]
        outcomes = the_sender.send_many([(s, payload(c.type), TOPIC) for c, s in jobs], now)
        gone = {
            s.id for (_, s), o in zip(jobs, outcomes, strict=True) if o.resultat == push.DISPARU
        }
        per_claim = defaultdict(list)
        envois = []
        for (c, s), outcome in zip(jobs, outcomes, strict=True):
            per_claim[c.id].append(outcome)
            counts[outcome.resultat] += 1
            if outcome.resultat != push.DIFFERE:  # not attempted: nothing was sent
                envois.append(_envoi(c.user_id, c.type, s, outcome, c.id, gone, now))
        _record(envois, gone)
        verdicts = [_verdict(c, per_claim[c.id], now) for c in chunk]
        db.session.execute(update(Rappel), verdicts)
        for verdict in verdicts:
            counts[verdict["statut"]] += 1
        db.session.commit()
    return dict(counts)


def send_due(now: datetime | None = None) -> dict[str, int]:
    """One run of the clock: retries, inactivity reminders, then the daily ones."""
    now = now or utcnow()
    sender()  # not configured: claim nothing
    claims = reclaim(now)
    claims += claim(due(INACTIVITE, now), now)
    claims += claim(due(QUOTIDIEN, now), now)  # after: a user just reminded is left out
    return deliver(claims, now)


def clock(stop: threading.Event, every: int, report) -> None:
    """Run send_due at each multiple of `every` seconds until `stop` is set; a failed run is
    logged and the next one tried (a second clock sends nothing twice: see the module
    docstring)."""
    while not stop.wait(every - time.time() % every):
        try:
            counts = send_due()
        except Exception:
            log.exception("Échec d'un passage de l'horloge des rappels")
            db.session.rollback()
            continue
        if counts:
            report(counts)
    sender().close()
