"""Pages served to browsers: the conseiller's app (pwa/), DSFR assets, security headers."""

from pathlib import Path

from flask import Blueprint, send_from_directory

ROOT = Path(__file__).resolve().parent.parent.parent
PWA = ROOT / "pwa"
DSFR = ROOT / "node_modules" / "@gouvfr" / "dsfr" / "dist"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self' data:; connect-src 'self'; manifest-src 'self'; worker-src 'self'; "
       "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'")

bp = Blueprint("pages", __name__)


@bp.get("/")
def app_shell():
    """The conseiller's app."""
    return send_from_directory(PWA, "index.html", max_age=0)


@bp.get("/invitation/<token>")
def invitation(token):
    """The page where an invited person chooses their password (the token stays in the URL)."""
    return send_from_directory(PWA, "invitation.html", max_age=0)


@bp.get("/<any(js, css, icons):folder>/<path:filename>")
def pwa_asset(folder, filename):
    """The app's own scripts, styles and icons."""
    return send_from_directory(PWA / folder, filename, max_age=0)


@bp.get("/dsfr/<path:filename>")
def dsfr_asset(filename):
    """The State design system, from its npm package."""
    return send_from_directory(DSFR, filename, max_age=86400)


def security_headers(response):
    """Headers every response carries: CSP the app satisfies, no sniffing, no framing."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if response.mimetype == "application/json":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def register_pages(app):
    """Mount the browser pages and the security headers."""
    app.register_blueprint(bp)
    app.after_request(security_headers)
