"""Accounts: password policy, login (throttled by connexions.py), token revocation,
invitations."""

import hashlib
import re
import secrets
import smtplib
from datetime import UTC, datetime, timedelta

from flask import current_app, g
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token
from sqlalchemy import ColumnElement, delete, exists, select
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from server.errors import ApiError
from server.extensions import db, jwt
from server.models import (
    Commune,
    Conseiller,
    Invitation,
    RevokedSession,
    RevokedToken,
    Role,
    Structure,
    User,
)
from server.models.types import utcnow
from server.services import audit, confidentialite, connexions, mail

PASSWORD_RULE = (
    "Le mot de passe doit contenir au moins 12 caractères, dont une minuscule, "
    "une majuscule, un chiffre et un caractère spécial."
)
BAD_CREDENTIALS = "Adresse e-mail ou mot de passe incorrect."
# Computed once so that an unknown e-mail costs the same time as a wrong password.
_DUMMY_HASH = generate_password_hash("coop-cra-dummy-password")


def password_problem(password: str) -> str | None:
    """The French reason a password is refused, or None when it meets the policy."""
    checks = (
        len(password) >= 12,
        re.search(r"[a-z]", password),
        re.search(r"[A-Z]", password),
        re.search(r"\d", password),
        re.search(r"[^A-Za-z0-9]", password),
    )
    return None if all(checks) else PASSWORD_RULE


def hash_password(password: str) -> str:
    """Strong salted hash (werkzeug's scrypt)."""
    return generate_password_hash(password)


def find_user(email: str) -> User | None:
    """The account with this e-mail, case-insensitive."""
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def login(email: str, password: str, adresse: str | None) -> dict:
    """Check credentials from a client address; return tokens and the user. Failures are
    throttled per (e-mail, address) by connexions.py, alike for e-mails without an account."""
    adresse = adresse or "inconnue"  # a server on a Unix socket knows no client address
    connexions.check_not_locked(email, adresse)
    user = find_user(email)
    if user is None or user.password_hash is None or user.disabled:
        check_password_hash(_DUMMY_HASH, password)  # the same cost as a wrong password
        raise connexions.refuse(email, adresse, BAD_CREDENTIALS)
    if not check_password_hash(user.password_hash, password):
        raise connexions.refuse(email, adresse, BAD_CREDENTIALS)
    connexions.forget_failures(email, adresse)
    user.last_login_at = utcnow()
    audit.noter("connexion", user, user.email, adresse)
    db.session.commit()
    return issue_tokens(user)


def issue_tokens(user: User) -> dict:
    """A short-lived access token and a long-lived refresh token for this user, sharing a new
    session id (`sid`, one per device login) by which logout revokes them together."""
    sid = secrets.token_urlsafe(16)
    claims = {"role": user.role.value, "sid": sid}
    return {
        "sid": sid,
        "access_token": create_access_token(identity=str(user.id), additional_claims=claims),
        "refresh_token": create_refresh_token(identity=str(user.id), additional_claims=claims),
        "user": user,
    }


def refresh(user: User, sid: str | None, csrf: str | None = None) -> dict:
    """A new access token for a valid refresh token's owner, in the same session (`sid`). A
    cookie session keeps its CSRF value (`csrf`), so the forms already on screen stay valid."""
    claims = (
        {"role": user.role.value} | ({"sid": sid} if sid else {}) | ({"csrf": csrf} if csrf else {})
    )
    return {"access_token": create_access_token(identity=str(user.id), additional_claims=claims)}


def logout(jwt_payload: dict, refresh_token: str | None) -> None:
    """Close the session of the token used: its id is revoked, and with it the refresh token
    issued at the same login, sent or not. Tokens without a session id (issued before there
    were any) are revoked one by one: the one used and, when given, its refresh token."""
    payloads = [jwt_payload]
    if refresh_token:
        try:
            other = decode_token(refresh_token)
        except Exception as error:  # an already invalid token needs no revocation
            current_app.logger.info("logout with an invalid refresh token: %s", error)
        else:
            if other["sub"] == jwt_payload["sub"]:
                payloads.append(other)
    now = utcnow()
    db.session.execute(delete(RevokedToken).where(RevokedToken.expires_at < now))
    db.session.execute(delete(RevokedSession).where(RevokedSession.expires_at < now))
    sessions = {payload["sid"] for payload in payloads if payload.get("sid")}
    for sid in sessions:
        if db.session.get(RevokedSession, sid) is None:
            # No token of the session outlives its refresh token, issued before now.
            ends = now + current_app.config["JWT_REFRESH_TOKEN_EXPIRES"]
            db.session.add(RevokedSession(sid=sid, expires_at=ends))
    for payload in payloads:
        if db.session.get(RevokedToken, payload["jti"]) is None:
            db.session.add(RevokedToken(jti=payload["jti"], expires_at=_expiry(payload)))
    db.session.commit()


def _expiry(payload: dict) -> datetime:
    return datetime.fromtimestamp(payload["exp"], UTC)


# The account as every request loads it: its conseiller and structure joined, without the
# postal codes of the structure's commune nor the conseiller's contracts (each a query of its
# own, which few requests read: they are loaded when read).
_ACCOUNT = (
    joinedload(User.structure).joinedload(Structure.commune).lazyload(Commune.codes_postaux),
    joinedload(User.conseiller).lazyload(Conseiller.emplois),
    joinedload(User.conseiller)
    .joinedload(Conseiller.structure)
    .joinedload(Structure.commune)
    .lazyload(Commune.codes_postaux),
)


@jwt.token_in_blocklist_loader
def _is_revoked(header, payload) -> bool:
    """Whether the token was revoked, asked with its account in one query (every authenticated
    request asks both); the account is kept for _load_user, which comes next."""
    revoked: ColumnElement[bool] = exists().where(RevokedToken.jti == payload["jti"])
    if payload.get("sid"):
        revoked = revoked | exists().where(RevokedSession.sid == payload["sid"])
    found = db.session.execute(
        select(User, revoked).options(*_ACCOUNT).where(User.id == int(payload["sub"]))
    ).first()
    if found is None:  # no such account: _load_user refuses the token
        return db.session.get(RevokedToken, payload["jti"]) is not None
    g.token_account = payload["jti"], found[0]
    return found[1]


@jwt.user_lookup_loader
def _load_user(header, payload) -> User | None:
    jti, user = g.pop("token_account", (None, None))
    if jti != payload["jti"]:
        user = db.session.get(User, int(payload["sub"]), options=_ACCOUNT)
    return user if user is not None and user.active else None


# --- invitations -----------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(inviter: User, email: str, role: Role, **links) -> dict:
    """Create an account without password and a one-time link to choose it.

    The link is e-mailed when SMTP is configured, otherwise returned for the inviter to pass on.
    """
    email = email.strip().lower()
    if find_user(email) is not None:
        raise ApiError(
            409,
            "Un compte existe déjà avec cette adresse e-mail.",
            {"email": ["Un compte existe déjà avec cette adresse e-mail."]},
        )
    user = User(email=email, role=role, **links)
    db.session.add(user)
    token = secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(days=current_app.config["INVITATION_DAYS"])
    db.session.add(
        Invitation(
            token_hash=_token_hash(token),
            user=user,
            created_by_id=inviter.id if inviter else None,
            expires_at=expires,
        )
    )
    audit.noter("invitation", inviter, f"{email} : rôle {role.value}")
    db.session.commit()
    link = f"{current_app.config['PUBLIC_URL'].rstrip('/')}/invitation/{token}"
    try:
        sent = mail.send_invitation(email, link)
    except (OSError, smtplib.SMTPException) as error:
        current_app.logger.warning("invitation e-mail to %s not sent: %s", email, error)
        sent = False
    shown = confidentialite.vue(inviter, user) if inviter else user
    return {
        "user": shown,
        "link": None if sent else link,
        "email_sent": sent,
        "expires_at": expires,
    }


def _valid_invitation(token: str) -> Invitation:
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == _token_hash(token))
    )
    if invitation is None or invitation.used_at is not None or invitation.expires_at < utcnow():
        raise ApiError(404, "Ce lien d'invitation est invalide, expiré ou déjà utilisé.")
    return invitation


def invitation_email(token: str) -> str:
    """The e-mail an invitation was made for (to show on the choose-password page)."""
    return _valid_invitation(token).user.email


def accept_invitation(token: str, password: str) -> dict:
    """Set the password, activate the account, burn the link; log the person in."""
    invitation = _valid_invitation(token)
    problem = password_problem(password)
    if problem:
        raise ApiError(422, problem, {"password": [problem]})
    now = utcnow()
    invitation.used_at = now
    user = invitation.user
    user.password_hash = hash_password(password)
    user.activated_at = user.activated_at or now
    audit.noter("activation", user, user.email)
    db.session.commit()
    return issue_tokens(user)
