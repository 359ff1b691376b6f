"""The maintenance switch: one row, turned on and off by the national team."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.types import UtcDateTime, utcnow

DEFAULT_RETRY_AFTER = 60  # seconds: how soon an app tries again
MAX_RETRY_AFTER = 3600


class Maintenance(db.Model):
    """While `active`, the API refuses writes with 503 and Retry-After (services/maintenance.py);
    the single row has id 1, absent until the switch is first used."""

    __tablename__ = "maintenance"
    id: Mapped[int] = mapped_column(primary_key=True)
    active: Mapped[bool] = mapped_column(default=False)
    message: Mapped[str] = mapped_column(String(500), default="")
    retry_after: Mapped[int] = mapped_column(default=DEFAULT_RETRY_AFTER)  # sent as Retry-After
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    # None when switched from the command line.
    changed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
