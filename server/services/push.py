"""Web Push transport: the VAPID key pair, and sending to subscriptions (RFC 8030, 8291, 8292).

What to send and to whom is the business of services/notifications.py and horloge.py; this
module only knows how to reach a push service and what its answer means.
"""

import base64
import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from flask import current_app
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from server.models.types import utcnow

PRIVATE_FILE = "vapid-private.pem"
PUBLIC_FILE = "vapid-public.txt"
DEV_SUBJECT = "mailto:rappels@coop-cra.localhost"
DEFAULT_RETRY_AFTER = 60  # seconds, when a 429 does not say
MAX_RETRY_AFTER = 3600

# What became of one send (EnvoiPush.resultat).
ACCEPTE = "accepte"  # 201: the push service holds it for the device
DISPARU = "disparu"  # 404/410: the subscription is gone, delete it
LIMITE = "limite"  # 429: too many sends, back off
TROP_GROS = "trop_gros"  # 413: payload over 4 KB
REFUSE = "refuse"  # other 4xx (e.g. 403: made with another VAPID key)
ERREUR = "erreur"  # 5xx, timeout, no connection
DIFFERE = "differe"  # not attempted: the push service asked us to wait
TEMPORARY = {LIMITE, ERREUR, DIFFERE}

log = logging.getLogger(__name__)


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def public_key_of(vapid: Vapid) -> str:
    """The applicationServerKey of the app: the public key as an uncompressed point, base64url."""
    return b64url(
        vapid.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )


def generate_keys(folder: str, force: bool = False) -> Vapid:
    """Write a new key pair in the folder (private PEM readable by the owner only)."""
    private, public = Path(folder) / PRIVATE_FILE, Path(folder) / PUBLIC_FILE
    if private.exists() and not force:
        raise FileExistsError(str(private))
    vapid = Vapid()
    vapid.generate_keys()
    private.touch(mode=0o600)
    private.write_bytes(vapid.private_pem())
    public.write_text(public_key_of(vapid) + "\n")
    return vapid


def raw_private_key(vapid: Vapid) -> str:
    """The private key as VAPID_PRIVATE_KEY takes it: the 32-byte scalar, base64url."""
    return b64url(vapid.private_key.private_numbers().private_value.to_bytes(32, "big"))


def _load(config: dict, instance_path: str) -> Vapid | None:
    key = config.get("VAPID_PRIVATE_KEY")
    if key:
        key = key.strip()
        return Vapid.from_pem(key.encode()) if key.startswith("-----") else Vapid.from_string(key)
    path = Path(instance_path) / PRIVATE_FILE
    if config.get("APP_ENV") != "production" and path.exists():
        return Vapid.from_pem(path.read_bytes())
    return None


def vapid() -> Vapid | None:
    """The server's VAPID key pair, None when reminders are not configured."""
    extensions = current_app.extensions
    if "vapid" not in extensions:
        extensions["vapid"] = _load(current_app.config, current_app.instance_path)
    return extensions["vapid"]


def public_key() -> str | None:
    """The key the app subscribes with, None when reminders are not configured."""
    keys = vapid()
    return public_key_of(keys) if keys else None


@dataclass(frozen=True)
class Subscription:
    """What a send needs of a subscription."""

    id: int
    endpoint: str
    p256dh: str
    auth: str

    @property
    def service(self) -> str:
        return urlsplit(self.endpoint).netloc[:255]


@dataclass(frozen=True)
class Outcome:
    """What came of one send."""

    resultat: str
    statut_http: int | None = None
    detail: str | None = None
    retry_at: datetime | None = None  # for LIMITE and DIFFERE

    @property
    def temporary(self) -> bool:
        return self.resultat in TEMPORARY


def _retry_at(header: str | None, now: datetime) -> datetime:
    seconds: float = DEFAULT_RETRY_AFTER
    if header:
        try:
            seconds = int(header)
        except ValueError:
            try:
                seconds = (parsedate_to_datetime(header) - now).total_seconds()
            except (TypeError, ValueError):
                pass
    return now + timedelta(seconds=min(max(seconds, 1), MAX_RETRY_AFTER))


def _outcome(status: int, retry_after: str | None, text: str, now: datetime) -> Outcome:
    detail = text[:300] or None
    if status in (404, 410):
        return Outcome(DISPARU, status, detail)
    if status == 429:
        return Outcome(LIMITE, status, detail, _retry_at(retry_after, now))
    if status == 413:
        return Outcome(TROP_GROS, status, detail)
    return Outcome(ERREUR if status >= 500 else REFUSE, status, detail)


class Sender:
    """Sends to many subscriptions at once: a thread pool, one HTTP session per thread, and a
    pause per push service after a 429 (kept while the clock process runs)."""

    def __init__(self, app):
        self.vapid = vapid()
        if self.vapid is None:
            raise RuntimeError(
                "Rappels non configurés : VAPID_PRIVATE_KEY absente "
                "(ou « flask push keys » hors production)."
            )
        config = app.config
        self.claims = {"sub": config.get("VAPID_SUBJECT") or DEV_SUBJECT}
        self.ttl = config["REMINDERS_TTL_HOURS"] * 3600
        self.timeout = config["PUSH_TIMEOUT_SECONDS"]
        self.workers = config["PUSH_WORKERS"]
        self.paused_until: dict[str, datetime] = {}
        self._local = threading.local()
        self._pool: ThreadPoolExecutor | None = None

    def _session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        return self._local.session

    def send(
        self, subscription: Subscription, payload: dict, topic: str, now: datetime | None = None
    ) -> Outcome:
        """One send; never raises. `now` is the clock's time (the pauses are counted on it)."""
        now = now or utcnow()
        paused = self.paused_until.get(subscription.service)
        if paused and paused > now:
            return Outcome(DIFFERE, retry_at=paused)
        info = {
            "endpoint": subscription.endpoint,
            "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
        }
        try:
            webpush(
                info,
                json.dumps(payload, ensure_ascii=False),
                vapid_private_key=self.vapid,
                vapid_claims=dict(self.claims),  # webpush writes aud and exp into it
                ttl=self.ttl,
                headers={"Topic": topic, "Urgency": "normal"},
                timeout=self.timeout,
                requests_session=self._session(),
            )
            return Outcome(ACCEPTE, 201)
        except WebPushException as error:
            if error.response is None:
                return Outcome(REFUSE, None, str(error.message)[:300])
            outcome = _outcome(error.status_code, error.retry_after, error.response.text or "", now)
        except requests.RequestException as error:
            return Outcome(ERREUR, None, f"{type(error).__name__}: {error}"[:300])
        except (ValueError, TypeError) as error:  # keys that are no curve point, bad base64
            return Outcome(REFUSE, None, f"{type(error).__name__}: {error}"[:300])
        except Exception as error:  # one bad send must not lose the batch's other reminders
            log.exception("Envoi push impossible vers %s", subscription.service)
            return Outcome(ERREUR, None, f"{type(error).__name__}: {error}"[:300])
        if outcome.resultat == LIMITE:
            assert outcome.retry_at is not None  # a 429's outcome says when to retry
            until = max(outcome.retry_at, self.paused_until.get(subscription.service, now))
            self.paused_until[subscription.service] = until
            log.warning(
                "Push service %s: 429, pause jusqu'à %s", subscription.service, until.isoformat()
            )
        return outcome

    def send_many(
        self, jobs: list[tuple[Subscription, dict, str]], now: datetime | None = None
    ) -> list[Outcome]:
        """Send every (subscription, payload, topic), concurrently; outcomes in order."""
        now = now or utcnow()
        if len(jobs) <= 1 or self.workers <= 1:
            return [self.send(*job, now) for job in jobs]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="push")
        return list(self._pool.map(lambda job: self.send(job[0], job[1], job[2], now), jobs))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
