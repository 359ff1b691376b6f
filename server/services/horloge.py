"""The reminders' clock.

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

import logging
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import exists, select, update

from server.extensions import db
from server.models import Cra, PushSubscription, Rappel, RappelPreferences, User
from server.models.push import A_REESSAYER, ECHEC, EN_COURS, ENVOYE, INACTIVITE, QUOTIDIEN
from server.models.types import utcnow
from server.services import notifications, push, scopes, sql

RETRY_DELAY = timedelta(minutes=10)
BATCH = 500  # reminders sent, then recorded in one commit

log = logging.getLogger(__name__)


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
    return exists().where(scopes.own_records(Cra, User.conseiller_id), condition)


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
        sql.dialect()
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
    the_sender = notifications.sender()
    counts: dict[str, int] = defaultdict(int)
    for start in range(0, len(claims), BATCH):
        chunk = claims[start : start + BATCH]
        devices = notifications.subscriptions_of([c.user_id for c in chunk])
        jobs = [(c, s) for c in chunk for s in devices.get(c.user_id, [])]
        outcomes = the_sender.send_many(
            [(s, notifications.payload(c.type), notifications.TOPIC) for c, s in jobs], now
        )
        gone = {
            s.id for (_, s), o in zip(jobs, outcomes, strict=True) if o.resultat == push.DISPARU
        }
        per_claim = defaultdict(list)
        envois = []
        for (c, s), outcome in zip(jobs, outcomes, strict=True):
            per_claim[c.id].append(outcome)
            counts[outcome.resultat] += 1
            if outcome.resultat != push.DIFFERE:  # not attempted: nothing was sent
                envois.append(notifications.envoi(c.user_id, c.type, s, outcome, c.id, gone, now))
        notifications.record(envois, gone)
        verdicts = [_verdict(c, per_claim[c.id], now) for c in chunk]
        db.session.execute(update(Rappel), verdicts)
        for verdict in verdicts:
            counts[verdict["statut"]] += 1
        db.session.commit()
    return dict(counts)


def send_due(now: datetime | None = None) -> dict[str, int]:
    """One run of the clock: retries, inactivity reminders, then the daily ones."""
    now = now or utcnow()
    notifications.sender()  # not configured: claim nothing
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
    notifications.sender().close()
