"""Pages served to browsers: the conseiller's app (pwa/), its static files, the pilotage pages
(pilotage/), the legal pages, security headers.

Static files (assets.py builds them: DSFR, fonts, the app's scripts, styles, icons, commune
index) are served by WhiteNoise, precompressed (Brotli, gzip): under content-hashed names they are
cached for ever (immutable); the others (ES modules, icons, the commune index, the manifest) are
revalidated at each use (no-cache, ETag), like the app shell and the service worker, so that a new
version is seen at once. Dynamic text answers are compressed on the fly (Flask-Compress).
"""

from datetime import datetime

from flask import Blueprint, Response, current_app, request, send_from_directory
from whitenoise import WhiteNoise

from server.pages import assets, legal, pilotage, session
from server.pages.referentiel import referentiel_json
from server.pages.service_worker import service_worker_script

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; manifest-src 'self'; worker-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
)

bp = Blueprint("pages", __name__)


def _built_page(name: str) -> Response:
    """A page of the build (its links point at the hashed files), revalidated at each use and
    compressed by Flask-Compress."""
    response = send_from_directory(current_app.config["STATIC_BUILD"], name, max_age=0)
    response.direct_passthrough = False
    response.set_data(response.get_data())  # a body, not a file stream: it can be compressed
    return response


@bp.get("/")
def app_shell():
    """The conseiller's app."""
    return _built_page("index.html")


@bp.get("/invitation/<token>")
def invitation(token):
    """The page where an invited person chooses their password (the token stays in the URL)."""
    return _built_page("invitation.html")


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


def static_headers(app):
    """WhiteNoise's add_headers_function: no-cache for the files without a content hash (an
    immutable far-future one is set on the others), and the security headers Flask's answers
    carry (WhiteNoise answers before Flask)."""
    hsts = app.config["HSTS_SECONDS"]

    def add(headers, path, url):
        if not assets.is_hashed(url):
            headers["Cache-Control"] = "no-cache"
        headers["Content-Security-Policy"] = CSP
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        if hsts:
            headers["Strict-Transport-Security"] = f"max-age={hsts}"

    return add


def register_static(app):
    """Serve the static build with WhiteNoise (built now if the sources changed since)."""
    folder = assets.build(compress=app.config["STATIC_COMPRESS"])
    built = assets.manifest(folder)
    app.config["STATIC_BUILD"] = folder
    app.config["STATIC_URLS"] = built["urls"]
    # The app's version this server serves, and its date (services/appareils.version_servie).
    app.config["APP_VERSION"] = built["version"]
    dated = built.get("version_date")
    app.config["APP_VERSION_DATE"] = datetime.fromisoformat(dated) if dated else None
    app.jinja_env.globals["static_url"] = lambda name: app.config["STATIC_URLS"][name]
    app.wsgi_app = WhiteNoise(
        app.wsgi_app,
        root=str(folder / assets.PUBLIC),
        max_age=None,
        immutable_file_test=lambda path, url: assets.is_hashed(url),
        add_headers_function=static_headers(app),
        allow_all_origins=False,
        mimetypes={".webmanifest": "application/manifest+json", ".js": "text/javascript"},
    )


def register_pages(app):
    """Mount the static files, the browser pages, the pilotage pages, the legal pages, their
    cookie session and the security headers."""
    register_static(app)
    app.register_blueprint(bp)
    app.register_blueprint(pilotage.bp)
    app.register_blueprint(legal.bp)
    app.after_request(session.renew_access_cookie)
    app.after_request(security_headers)
