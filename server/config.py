"""Configuration from environment variables (see the table in README.md)."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

DEV_SECRET_FILE = "dev-secrets"
MIN_SECRET_LENGTH = 32


def database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgresql:// URLs (Heroku-style postgres:// too)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    """Settings read from the environment once, at start-up."""

    APP_ENV = os.environ.get("APP_ENV", "development")
    SECRET_KEY = os.environ.get("SECRET_KEY")
    JWT_SECRET_KEY = os.environ.get("JWT_SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    JWT_ACCESS_TOKEN_EXPIRES = timedelta(minutes=int(os.environ.get("JWT_ACCESS_MINUTES", "15")))
    JWT_REFRESH_TOKEN_EXPIRES = timedelta(days=int(os.environ.get("JWT_REFRESH_DAYS", "30")))
    # The app sends its token in the Authorization header, read first; the pilotage pages keep
    # theirs in HttpOnly cookies, with a CSRF double-submit value for what changes state (forms
    # post it in a hidden csrf_token field; pages render it from the token, not from a cookie).
    JWT_TOKEN_LOCATION = ["headers", "cookies"]
    JWT_COOKIE_SAMESITE = "Lax"
    JWT_COOKIE_CSRF_PROTECT = True
    JWT_CSRF_CHECK_FORM = True
    JWT_CSRF_IN_COOKIES = False
    JWT_REFRESH_COOKIE_PATH = "/pilotage"  # only the pages renew a session
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(2 * 1024 * 1024)))
    LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "3"))
    LOGIN_LOCK_MINUTES = int(os.environ.get("LOGIN_LOCK_MINUTES", "15"))
    LOGIN_LOCK_MAX_MINUTES = int(os.environ.get("LOGIN_LOCK_MAX_MINUTES", str(24 * 60)))
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto to trust (0: none):
    # login throttling counts per client address, which without it is the proxy's.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    # The partner API (/api/partenaires): requests per client and per minute.
    PARTENAIRES_REQUETES_PAR_MINUTE = int(os.environ.get("PARTENAIRES_REQUETES_PAR_MINUTE", "60"))
    INVITATION_DAYS = int(os.environ.get("INVITATION_DAYS", "7"))
    # How long the journal of sensitive actions is kept (« flask audit purger » removes older).
    AUDIT_RETENTION_DAYS = int(os.environ.get("AUDIT_RETENTION_DAYS", "365"))
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000")
    SMTP_HOST = os.environ.get("SMTP_HOST")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", "25"))
    SMTP_USER = os.environ.get("SMTP_USER")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD")
    SMTP_STARTTLS = os.environ.get("SMTP_STARTTLS", "0") == "1"
    MAIL_FROM = os.environ.get("MAIL_FROM", "coop-cra <no-reply@coop-cra.localhost>")
    TERRITOIRES_DATA = os.environ.get(
        "TERRITOIRES_DATA",
        str(
            Path(__file__).resolve().parent.parent
            / "node_modules/@etalab/decoupage-administratif/data"
        ),
    )
    DEMO_PASSWORD = "Coop-Demo-2026!"
    # The ressourcerie's files (services/stockage.py): outside the web root; PDFs up to 20 Mo.
    RESSOURCERIE_DIR = os.environ.get("RESSOURCERIE_DIR")  # default: instance/ressourcerie
    RESSOURCERIE_MAX_BYTES = int(os.environ.get("RESSOURCERIE_MAX_MB", "20")) * 2**20
    # Static files (pages/assets.py): precompressed (Brotli, gzip) when built.
    STATIC_COMPRESS = os.environ.get("STATIC_COMPRESS", "1") == "1"
    # Dynamic text answers compressed on the fly above COMPRESS_MIN_SIZE bytes (Flask-Compress);
    # streamed ones (long exports) are not, so that their rows leave as they are written.
    COMPRESS_MIMETYPES = [
        "text/html",
        "text/css",
        "text/csv",
        "text/plain",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/problem+json",
        "application/manifest+json",
        "image/svg+xml",
    ]
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_MIN_SIZE = 1024
    COMPRESS_BR_LEVEL = 5
    COMPRESS_STREAMS = False
    # Web Push reminders (services/push.py, notifications.py, horloge.py). Outside production, a
    # key
    # pair made by `flask push keys` in the instance folder stands in for VAPID_PRIVATE_KEY.
    VAPID_PRIVATE_KEY = os.environ.get("VAPID_PRIVATE_KEY")
    VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT")
    REMINDERS_INACTIVITY_DAYS = int(os.environ.get("REMINDERS_INACTIVITY_DAYS", "7"))
    REMINDERS_TTL_HOURS = int(os.environ.get("REMINDERS_TTL_HOURS", "6"))
    REMINDERS_MAX_ATTEMPTS = int(os.environ.get("REMINDERS_MAX_ATTEMPTS", "3"))
    PUSH_TIMEOUT_SECONDS = float(os.environ.get("PUSH_TIMEOUT_SECONDS", "10"))
    PUSH_WORKERS = int(os.environ.get("PUSH_WORKERS", "16"))
    # Where subscriptions may point: the browsers' push services (the server POSTs there).
    PUSH_SERVICE_HOSTS = os.environ.get(
        "PUSH_SERVICE_HOSTS",
        "fcm.googleapis.com,*.push.services.mozilla.com,"
        "web.push.apple.com,*.push.apple.com,*.notify.windows.com",
    )


def _dev_secrets(instance_path: str) -> tuple[str, str]:
    """Random secrets kept in the instance folder, so dev tokens survive a restart."""
    path = Path(instance_path) / DEV_SECRET_FILE
    if not path.exists():
        path.write_text(f"{secrets.token_hex(32)}\n{secrets.token_hex(32)}\n")
        path.chmod(0o600)
    secret, jwt_secret = path.read_text().split()
    return secret, jwt_secret


def load_config(app, test_config=None) -> None:
    """Fill app.config from Config, then test overrides; refuse weak secrets in production."""
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_object(Config)
    if test_config:
        app.config.update(test_config)
    if app.config["APP_ENV"] == "production":
        for key in ("SECRET_KEY", "JWT_SECRET_KEY"):
            value = app.config.get(key) or ""
            if len(value) < MIN_SECRET_LENGTH or value.lower() in ("dev", "secret", "changeme"):
                raise RuntimeError(
                    f"{key} must be set to a random value of at least "
                    f"{MIN_SECRET_LENGTH} characters in production"
                )
        if not app.config.get("SQLALCHEMY_DATABASE_URI"):
            raise RuntimeError("DATABASE_URL must be set in production")
        subject = app.config.get("VAPID_SUBJECT") or ""
        if app.config.get("VAPID_PRIVATE_KEY") and not subject.startswith(("mailto:", "https:")):
            raise RuntimeError(
                "VAPID_SUBJECT must be a mailto: address with VAPID_PRIVATE_KEY "
                "(push services reject pushes without it)"
            )
    else:
        if not app.config.get("SECRET_KEY") or not app.config.get("JWT_SECRET_KEY"):
            secret, jwt_secret = _dev_secrets(app.instance_path)
            app.config["SECRET_KEY"] = app.config.get("SECRET_KEY") or secret
            app.config["JWT_SECRET_KEY"] = app.config.get("JWT_SECRET_KEY") or jwt_secret
    # Cookies only over HTTPS in production (JWT_COOKIE_SECURE for the pages' session).
    app.config.setdefault("JWT_COOKIE_SECURE", app.config["APP_ENV"] == "production")
    # Strict-Transport-Security in production only: development and tests run over plain HTTP,
    # where a browser that learnt it could no longer reach a local server.
    hsts = os.environ.get(
        "HSTS_SECONDS", "31536000" if app.config["APP_ENV"] == "production" else "0"
    )
    app.config.setdefault("HSTS_SECONDS", int(hsts))
    url = app.config.get("SQLALCHEMY_DATABASE_URI") or (
        "sqlite:///" + os.path.join(app.instance_path, "coop_cra.sqlite")
    )
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(url)
