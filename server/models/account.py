"""User accounts, roles, invitations and revoked tokens."""

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models.people import Conseiller, Structure
from server.models.types import UtcDateTime, utcnow


class Role(enum.StrEnum):
    CONSEILLER = "conseiller"
    COORDINATEUR = "coordinateur"
    STRUCTURE = "structure"
    PREFET = "prefet"
    ADMIN = "admin"


class User(db.Model):
    """Someone who logs in; what they may see follows from role and links (services.scopes)."""

    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-cased
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(
            Role,
            name="role",
            values_callable=lambda roles: [r.value for r in roles],
            native_enum=False,
            length=20,
        )
    )
    conseiller_id: Mapped[int | None] = mapped_column(ForeignKey("conseiller.id"), unique=True)
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structure.id"), index=True)
    departement_code: Mapped[str | None] = mapped_column(ForeignKey("departement.code"))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    # Set when the person chose their password: the conseiller is then "activé".
    activated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    disabled: Mapped[bool] = mapped_column(default=False)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    conseiller: Mapped[Conseiller | None] = relationship(lazy="joined")
    structure: Mapped[Structure | None] = relationship(lazy="joined")

    @property
    def active(self) -> bool:
        return self.activated_at is not None and not self.disabled


class Invitation(db.Model):
    """A one-time link to choose a password; only the token's hash is stored."""

    __tablename__ = "invitation"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class RevokedToken(db.Model):
    """A JWT revoked by logout, kept until it would have expired anyway."""

    __tablename__ = "revoked_token"
    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class RevokedSession(db.Model):
    """A device's session closed by logout: every token carrying its `sid` (the refresh token
    too, even when the logout did not send it) is refused until the session would have ended."""

    __tablename__ = "revoked_session"
    sid: Mapped[str] = mapped_column(String(32), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class LoginFailure(db.Model):
    """Failed logins of one e-mail address from one client address, and the lock they earned.

    Counted per (account, client address) so that a stranger locks only themselves out; kept
    alike for e-mails without an account, so that answers never tell which ones have one."""

    __tablename__ = "login_failure"
    # sha256 of the lower-cased e-mail: the unknown e-mails typed are not kept in clear.
    compte: Mapped[str] = mapped_column(String(64), primary_key=True)
    adresse: Mapped[str] = mapped_column(String(45), primary_key=True)  # IPv6 at most
    echecs: Mapped[int] = mapped_column(default=0)
    dernier_echec: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    bloque_jusqu_a: Mapped[datetime | None] = mapped_column(UtcDateTime())
