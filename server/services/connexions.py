"""Login throttling that a stranger cannot turn against users.

Failures are counted per (e-mail, client address): LOGIN_MAX_FAILURES wrong passwords in a row
lock that e-mail *from that address* for LOGIN_LOCK_MINUTES, and every further series doubles
the lock (up to LOGIN_LOCK_MAX_MINUTES). Someone guessing from elsewhere locks only themselves
out; the owner, from their own address, still logs in. E-mails without an account are counted
and answered exactly alike, so that neither the status nor the message tells which e-mails have
an account. An admin can lift every lock of an account. Trade-off: see README, "Connexion".
"""

import hashlib
import math
from datetime import datetime, timedelta
from typing import cast

from flask import current_app
from sqlalchemy import CursorResult, and_, delete, or_

from server.errors import ApiError, retry_after
from server.extensions import db
from server.models import LoginFailure
from server.models.types import utcnow

# Failures older than this are forgotten (the lock series starts again).
MEMORY = timedelta(days=1)


def compte(email: str) -> str:
    """The key of an e-mail in the failure table."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _locked(until: datetime, now: datetime) -> ApiError:
    """The 429 of a lock ending at `until`: its minutes in the message, its seconds in
    Retry-After."""
    secondes = retry_after(until, now)
    return ApiError(
        429,
        "Trop de tentatives de connexion échouées : la connexion à ce compte depuis votre "
        f"appareil est bloquée pendant {math.ceil(secondes / 60)} minute(s). Réessayez plus tard.",
        headers={"Retry-After": str(secondes)},
    )


def check_not_locked(email: str, adresse: str) -> None:
    """429 while this e-mail is locked from this address, before any password is checked."""
    failure = db.session.get(LoginFailure, (compte(email), adresse))
    now = utcnow()
    if failure is not None and failure.bloque_jusqu_a and failure.bloque_jusqu_a > now:
        raise _locked(failure.bloque_jusqu_a, now)


def record_failure(email: str, adresse: str) -> datetime | None:
    """Count a wrong password (or an unknown e-mail) and commit; the lock's end when this
    failure completes a series."""
    config = current_app.config
    now = utcnow()
    db.session.execute(
        delete(LoginFailure).where(
            LoginFailure.dernier_echec < now - MEMORY,
            or_(LoginFailure.bloque_jusqu_a.is_(None), LoginFailure.bloque_jusqu_a < now),
        )
    )
    failure = db.session.get(LoginFailure, (compte(email), adresse))
    if failure is None:
        failure = LoginFailure(compte=compte(email), adresse=adresse, echecs=0)
        db.session.add(failure)
    failure.echecs += 1
    failure.dernier_echec = now
    series, rest = divmod(failure.echecs, config["LOGIN_MAX_FAILURES"])
    if rest == 0:
        minutes = min(
            config["LOGIN_LOCK_MINUTES"] * 2 ** (series - 1), config["LOGIN_LOCK_MAX_MINUTES"]
        )
        failure.bloque_jusqu_a = now + timedelta(minutes=minutes)
    db.session.commit()
    return failure.bloque_jusqu_a if rest == 0 else None


def refuse(email: str, adresse: str, message: str) -> ApiError:
    """The answer to a failed login: 401, or 429 when this failure locks."""
    until = record_failure(email, adresse)
    if until is not None:
        return _locked(until, utcnow())
    return ApiError(401, message)


def forget_failures(email: str, adresse: str) -> None:
    """A successful login clears the failures from its address (the caller commits)."""
    db.session.execute(
        delete(LoginFailure).where(
            and_(LoginFailure.compte == compte(email), LoginFailure.adresse == adresse)
        )
    )


def unlock(email: str) -> int:
    """An admin lifts every lock and failure count of an e-mail; how many addresses it was
    locked or counted from."""
    statement = delete(LoginFailure).where(LoginFailure.compte == compte(email))
    removed = cast(CursorResult, db.session.execute(statement))
    db.session.commit()
    return removed.rowcount
