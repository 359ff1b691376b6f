"""Pages served to browsers: the conseiller's app (pwa/), DSFR assets, the pilotage pages
(pilotage/), security headers.

The app's own files are served with `no-cache` and an ETag: the service worker keeps them
offline, and every new version must reach it. Package files (DSFR, idb) may be cached a day.
"""

from flask import Blueprint, Response, current_app, request, send_from_directory

from server.pages import legal, pilotage, session
from server.pages.referentiel import referentiel_json
from server.pages.service_worker import DSFR, IDB, PWA, service_worker_script

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; manifest-src 'self'; worker-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
)
PACKAGE_MAX_AGE = 86400

bp = Blueprint("pages", __name__)


@bp.get("/")
def app_shell():
    """The conseiller's app."""
    return send_from_directory(PWA, "index.html", max_age=0)


@bp.get("/invitation/<token>")
def invitation(token):
    """The page where an invited person chooses their password (the token stays in the URL)."""
    return send_from_directory(PWA, "invitation.html", max_age=0)


@bp.get("/<any(js, css, icons, data):folder>/<path:filename>")
def pwa_asset(folder, filename):
    """The app's own scripts, styles, icons and commune index."""
    return send_from_directory(PWA / folder, filename, max_age=0)


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest: installable as "coop-cra"."""
    return send_from_directory(
        PWA, "manifest.webmanifest", max_age=0, mimetype="application/manifest+json"
    )


def _revalidated(body, mimetype: str) -> Response:
    """A built document the browser must revalidate at each use (ETag, then 304)."""
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/sw.js")
def worker_script():
    """The service worker, stamped with the version of the files it precaches."""
    response = _revalidated(service_worker_script(), "text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/referentiel.json")
def form_referentiel():
    """The CRA form's keys, labels and limits, in the order of the form."""
    return _revalidated(referentiel_json(), "application/json")


@bp.get("/dsfr/<path:filename>")
def dsfr_asset(filename):
    """The State design system, from its npm package."""
    return send_from_directory(DSFR, filename, max_age=PACKAGE_MAX_AGE)


@bp.get("/vendor/idb/<path:filename>")
def idb_asset(filename):
    """idb, the IndexedDB wrapper of the outbox, as ES modules from its npm package."""
    return send_from_directory(IDB, filename, max_age=PACKAGE_MAX_AGE)


def security_headers(response):
    """Headers every response carries: CSP the app satisfies, no sniffing, no framing; HTTPS
    only in production (HSTS_SECONDS)."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    if current_app.config["HSTS_SECONDS"]:
        response.headers.setdefault(
            "Strict-Transport-Security", f"max-age={current_app.config['HSTS_SECONDS']}"
        )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if response.mimetype == "application/json":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def register_pages(app):
    """Mount the browser pages, the pilotage pages, the legal pages, their cookie session and
    the security headers."""
    app.register_blueprint(bp)
    app.register_blueprint(pilotage.bp)
    app.register_blueprint(legal.bp)
    app.after_request(session.renew_access_cookie)
    app.after_request(security_headers)
