"""The app shell as the browser gets it: service worker, manifest, referentiel, caching, CSP."""

import gzip
import hashlib
import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

import brotli
import pytest
from PIL import Image

from server import create_app
from server.models.cra import THEMES
from server.pages import assets, service_worker
from server.schemas.cras import CraSchema
from server.services import territoires
from tests.conftest import base_config
from tests.cra_payloads import TODAY, atelier_payload, cra_payload

# The database changes nothing here: SQLite only (see pytest.ini).
pytestmark = pytest.mark.one_database

VERSION = re.compile(r"^const VERSION = '([0-9a-f]{16})';$", re.M)
PRECACHE = re.compile(r"^const PRECACHE = (\{.*?\});$", re.M | re.S)


def fetch(client, url, **kwargs):
    """GET, the body read and the served file closed."""
    return client.get(url, buffered=True, **kwargs)


def worker(client):
    """(VERSION, PRECACHE) of the /sw.js the browser gets."""
    script = fetch(client, "/sw.js").text
    return VERSION.search(script).group(1), json.loads(PRECACHE.search(script).group(1))


def test_service_worker_is_revalidated_and_may_control_the_whole_app(client):
    response = fetch(client, "/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert VERSION.search(response.text) and PRECACHE.search(response.text)
    assert "'dev'" not in response.text


def test_service_worker_precaches_the_whole_app_shell_and_never_the_api(app, client):
    _, precache = worker(client)
    urls = app.config["STATIC_URLS"]
    scripts = {f"/js/{p.name}" for p in (assets.PWA / "js").glob("*.js")}
    assert scripts and scripts <= precache.keys()
    assert {
        "/",
        "/manifest.webmanifest",
        "/icons/icon-192.png",
        "/icons/icon-maskable-512.png",
        "/data/communes.json",
        "/referentiel.json",
        "/vendor/idb/index.js",
        urls["css/app.css"],
        urls["dsfr/dsfr.css"],
        urls["dsfr/dsfr.module.js"],
        urls["dsfr/favicon.svg"],
        urls["dsfr/fonts/Marianne-Regular.woff2"],
        urls["dsfr/fonts/Marianne-Bold.woff2"],
    } <= precache.keys()
    assert not [url for url in precache if url.startswith("/api/")]
    assert not [url for url in precache if "Spectral" in url or "Italic" in url]


def test_every_precached_url_is_served_with_the_content_of_its_revision(client):
    _, precache = worker(client)
    for url, revision in precache.items():
        response = fetch(client, url, headers={"Accept-Encoding": "identity"})
        assert response.status_code == 200, url
        assert hashlib.sha256(response.data).hexdigest()[:16] == revision, url


def test_the_shell_links_the_hashed_stylesheets_it_precaches(app, client):
    shell = fetch(client, "/").text
    urls = app.config["STATIC_URLS"]
    for name in ("dsfr/dsfr.css", "css/app.css", "dsfr/favicon.svg"):
        assert f'href="{urls[name]}"' in shell
        assert re.search(r"\.[0-9a-f]{12}\.", urls[name])
    # The fetches the browser would only discover later: the modules app.js imports (one
    # level per round trip) and the headings' font (once the stylesheet has come).
    preloaded = set(re.findall(r'<link rel="modulepreload" href="([^"]+)">', shell))
    assert {"/js/api.js", "/js/db.js", "/vendor/idb/index.js", "/js/sync.js"} <= preloaded
    assert "/js/app.js" not in preloaded and "/js/invitation.js" not in preloaded
    # The views are imported once someone logs in (views.js): not on the login screen's path.
    assert not {"/js/views.js", "/js/saisie.js", "/js/rules.js", "/js/history.js"} & preloaded
    assert f'<link rel="preload" href="{urls["dsfr/fonts/Marianne-Bold.woff2"]}" as="font"' in shell


def test_version_changes_when_a_precached_file_changes(client, monkeypatch):
    before, precache = worker(client)
    assert worker(client)[0] == before  # stable while nothing changes
    changed = {**precache, "/js/app.js": "0" * 16}
    monkeypatch.setattr(service_worker, "precache_revisions", lambda: changed)
    after, served = worker(client)
    assert after != before
    assert {url for url in precache if precache[url] != served[url]} == {"/js/app.js"}


def test_a_new_build_comes_with_new_sources(tmp_path, monkeypatch):
    first = assets.build(compress=False, root=tmp_path)
    assert assets.build(compress=False, root=tmp_path) == first  # built once
    script = tmp_path / "essai.js"
    script.write_text("export const essai = 1;\n")
    sources = assets._sources()
    monkeypatch.setattr(assets, "_sources", lambda: [*sources, script])
    with_script = assets.stamp()
    assert with_script != first.name
    script.write_text("export const essai = 22;\n")
    changed = assets.stamp()
    assert changed != with_script
    # A commit changes no file but the version's date, which the build holds: built again.
    later = datetime(2026, 12, 7, 13, 5, tzinfo=UTC)
    monkeypatch.setattr(assets, "sources_date", lambda paths, root: later)
    assert assets.stamp() != changed


def test_the_date_of_the_sources_changes_neither_the_version_nor_the_precache(
    tmp_path, monkeypatch
):
    """Machines with and without git build the same files: the same version for the devices
    to report, and no update offered to the phones for a date alone."""
    moment = datetime(2026, 12, 7, 13, 5, tzinfo=UTC)
    monkeypatch.setattr(assets, "sources_date", lambda paths, root: moment)
    dated = assets.manifest(assets.build(compress=False, root=tmp_path / "git"))
    monkeypatch.setattr(assets, "sources_date", lambda paths, root: None)
    undated = assets.manifest(assets.build(compress=False, root=tmp_path / "archive"))
    assert (dated["version_date"], undated["version_date"]) == ("2026-12-07T13:05:00+00:00", None)
    assert dated["version"] == undated["version"]
    assert dated["precache"] == undated["precache"]


def test_the_app_serves_the_version_and_date_of_its_build(app):
    built = assets.manifest(app.config["STATIC_BUILD"])
    assert app.config["APP_VERSION"] == built["version"]
    dated = app.config["APP_VERSION_DATE"]
    assert (dated.isoformat() if dated else None) == built["version_date"]


def test_dsfr_stylesheet_holds_the_used_components_icons_and_fonts_only(app, client):
    css = fetch(client, app.config["STATIC_URLS"]["dsfr/dsfr.css"]).text
    assert ".fr-btn{" in css and ".fr-header{" in css and ".fr-table" in css
    assert ".fr-consent-banner" not in css and ".fr-follow" not in css  # not in the app
    assert ".fr-icon-delete-line:before" in css  # used by the app
    assert ".fr-icon-delete-bin-fill" not in css  # not used
    assert "url(../" not in css  # every icon inlined, every font at its hashed URL
    fonts = set(re.findall(r"/dsfr/fonts/([A-Za-z-]+)\.[0-9a-f]{12}\.woff2", css))
    assert fonts == set(assets.FONTS)


def test_fonts_are_subsets_with_the_french_characters(app, client):
    from fontTools.ttLib import TTFont

    for name in assets.FONTS:
        data = fetch(client, app.config["STATIC_URLS"][f"dsfr/fonts/{name}.woff2"]).data
        assert len(data) < 25_000, name  # the DSFR's file: 58 KB
        cmap = TTFont(io.BytesIO(data)).getBestCmap()
        assert set("àâçéèêëîïôöùûüÿœæÀÇÉÈÊŒ«»’–—…€") | {"\u202f", "\u00a0"} <= {
            chr(c) for c in cmap
        }, name
        assert chr(0x0416) not in {chr(c) for c in cmap}  # Cyrillic Zhe: not kept


def test_dsfr_script_holds_the_core_and_the_pages_components_only(app, client):
    script = fetch(client, app.config["STATIC_URLS"]["dsfr/dsfr.module.js"]).text
    for instance in ("HeaderLinks", "ModalButton", "NavigationItem", "TableWrapper"):
        assert f'"{instance}"' in script
    assert '"AccordionsGroup"' not in script and '"TabsGroup"' not in script  # no page has one
    assert "sourceMappingURL" not in script
    assert len(script) < 0.75 * len((assets.DSFR / "dsfr.module.min.js").read_text())


def test_every_dsfr_script_the_pilotage_templates_need_is_built():
    """A DSFR component whose script looks for a class the pilotage pages write is in
    DSFR_SCRIPTS. Three classes are looked for only beside another one: .fr-btn in an
    .fr-btns-group--equisized, .fr-tag with aria-pressed or --dismiss, .fr-fieldset in a
    .fr-display."""
    written = set()
    for folder, pattern in (
        (assets.PILOTAGE_TEMPLATES, "*.html"),
        (assets.PILOTAGE_STATIC, "*.js"),
    ):
        for path in folder.rglob(pattern):
            written |= set(re.findall(r"\bfr-[a-z0-9_-]*[a-z0-9]\b", path.read_text()))
    written -= {"fr-btn", "fr-tag", "fr-fieldset"}
    needed = set()
    for script in (assets.DSFR / "component").glob("*/*.module.min.js"):
        looked_for = re.findall(r'selector\("([a-z0-9_-]+)', script.read_text())
        if {f"fr-{name}" for name in looked_for} & written:
            needed.add(script.parent.name)
    assert needed == set(assets.DSFR_SCRIPTS)


def test_pilotage_pages_preload_the_headings_font(app, client):
    page = fetch(client, "/statistiques").text
    font = app.config["STATIC_URLS"]["dsfr/fonts/Marianne-Bold.woff2"]
    assert f'<link rel="preload" href="{font}" as="font" type="font/woff2" crossorigin>' in page


@pytest.mark.parametrize(
    ("url", "cache_control"),
    [
        ("/", "no-cache"),
        ("/sw.js", "no-cache"),
        ("/js/app.js", "no-cache"),
        ("/icons/icon-512.png", "no-cache"),
        ("/data/communes.json", "no-cache"),
        ("/manifest.webmanifest", "no-cache"),
        ("/referentiel.json", "no-cache"),
        ("/vendor/idb/index.js", "no-cache"),
        ("css/app.css", "max-age=315360000, public, immutable"),
        ("dsfr/dsfr.css", "max-age=315360000, public, immutable"),
        ("dsfr/fonts/Marianne-Bold.woff2", "max-age=315360000, public, immutable"),
    ],
)
def test_hashed_files_are_immutable_and_the_others_revalidated(app, client, url, cache_control):
    url = url if url.startswith("/") else app.config["STATIC_URLS"][url]
    response = fetch(client, url)
    assert response.status_code == 200
    assert cache_control in response.headers["Cache-Control"]
    assert "no-store" not in response.headers["Cache-Control"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    if "no-cache" in cache_control:
        revalidated = fetch(client, url, headers={"If-None-Match": response.headers["ETag"]})
        assert revalidated.status_code == 304


@pytest.mark.parametrize("encoding", ["br", "gzip"])
@pytest.mark.parametrize("url", ["dsfr/dsfr.css", "/js/app.js", "/data/communes.json"])
def test_static_text_is_sent_precompressed(app, client, url, encoding):
    url = url if url.startswith("/") else app.config["STATIC_URLS"][url]
    plain = fetch(client, url, headers={"Accept-Encoding": "identity"})
    response = fetch(client, url, headers={"Accept-Encoding": f"{encoding}, identity"})
    assert "Content-Encoding" not in plain.headers
    assert response.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    assert len(response.data) < len(plain.data) / 2
    decode = brotli.decompress if encoding == "br" else gzip.decompress
    assert decode(response.data) == plain.data


def test_fonts_and_images_are_not_compressed_again(app, client):
    font = app.config["STATIC_URLS"]["dsfr/fonts/Marianne-Regular.woff2"]
    for url in (font, "/icons/icon-512.png"):
        response = fetch(client, url, headers={"Accept-Encoding": "br, gzip"})
        assert "Content-Encoding" not in response.headers


@pytest.mark.parametrize("encoding", ["br", "gzip"])
@pytest.mark.parametrize("url", ["/", "/sw.js", "/referentiel.json", "/statistiques"])
def test_dynamic_text_is_compressed_on_the_fly(client, url, encoding):
    response = fetch(client, url, headers={"Accept-Encoding": encoding})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == encoding
    decode = brotli.decompress if encoding == "br" else gzip.decompress
    plain = fetch(client, url, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    if url != "/statistiques":  # the page carries a fresh CSRF token
        assert decode(response.data) == plain.data


def test_small_dynamic_answers_are_not_compressed(client):
    response = fetch(client, "/api/auth/me", headers={"Accept-Encoding": "br, gzip"})
    assert len(response.data) < 1024
    assert "Content-Encoding" not in response.headers


def test_static_files_carry_the_security_headers(client):
    response = fetch(client, "/js/app.js")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "Strict-Transport-Security" not in response.headers  # not in development


def test_static_files_carry_hsts_in_production(database_url):
    app = create_app({**base_config(database_url), "HSTS_SECONDS": 600})
    response = app.test_client().get("/js/app.js", buffered=True)
    response.close()
    assert response.headers["Strict-Transport-Security"] == "max-age=600"


def test_vendor_folder_serves_only_the_package_build(client):
    assert fetch(client, "/vendor/idb/index.js").mimetype == "text/javascript"
    assert fetch(client, "/vendor/idb/../package.json").status_code == 404
    assert fetch(client, "/manifest.json").status_code == 404  # the build's, beside public/


def test_manifest_makes_the_app_installable_in_french(client):
    response = fetch(client, "/manifest.webmanifest")
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json(force=True)
    assert manifest["name"] == "coop-cra – Comptes rendus d'activité"
    assert (manifest["short_name"], manifest["lang"], manifest["display"]) == (
        "coop-cra",
        "fr",
        "standalone",
    )
    assert (manifest["start_url"], manifest["scope"]) == ("/?vue=saisie", "/")
    assert (manifest["theme_color"], manifest["background_color"]) == ("#000091", "#ffffff")
    icons = {(icon["sizes"], icon["purpose"]): icon["src"] for icon in manifest["icons"]}
    assert icons.keys() == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    for (sizes, _), src in icons.items():
        image = Image.open(io.BytesIO(fetch(client, src).data))
        assert (image.format, "x".join(map(str, image.size))) == ("PNG", sizes)


def test_maskable_icon_keeps_its_mark_inside_the_safe_zone(client):
    png = fetch(client, "/icons/icon-maskable-512.png").data
    image = Image.open(io.BytesIO(png)).convert("RGB")
    size = image.width
    marks = [
        (x, y)
        for x in range(0, size, 4)
        for y in range(0, size, 4)
        if image.getpixel((x, y)) != (0, 0, 0x91)
    ]
    assert marks
    radius = 0.4 * size  # launchers may crop to this circle
    assert all((x - size / 2) ** 2 + (y - size / 2) ** 2 < radius**2 for x, y in marks)


class InlineCode(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' blocks: inline scripts, styles, handlers."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        if tag == "style" or "style" in names or any(n.startswith("on") for n in names):
            self.found.append(tag)
        if tag == "script" and "src" not in names:
            self.found.append("inline script")


@pytest.mark.parametrize("url", ["/", "/invitation/jeton"])
def test_pages_carry_a_csp_they_satisfy(client, url):
    response = fetch(client, url)
    csp = response.headers["Content-Security-Policy"]
    for directive in (
        "script-src 'self'",
        "style-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
    ):
        assert directive in csp
    assert "unsafe" not in csp
    parser = InlineCode()
    parser.feed(response.text)
    assert parser.found == []


def test_index_links_the_manifest(client):
    assert '<link rel="manifest" href="/manifest.webmanifest">' in fetch(client, "/").text


def test_referentiel_gives_the_forms_keys_and_labels_in_order(client):
    response = fetch(client, "/referentiel.json")
    assert response.headers["Cache-Control"] == "no-cache"
    referentiel = response.get_json()
    assert list(referentiel) == [
        "canaux",
        "activites",
        "activites_aide",
        "ages",
        "statuts",
        "themes",
        "sous_themes",
        "durees",
        "suivis",
        "organismes",
        "types_acces",
        "coordination",
        "limites",
    ]
    assert list(referentiel["themes"]) == list(THEMES)
    assert len(referentiel["themes"]) == 17
    assert referentiel["themes"]["tpe/pme"] == {
        "label": "Assister un professionnel",
        "stats_label": "Numérique et TPE/PME",
    }
    assert list(referentiel["canaux"]) == ["rattachement", "autre lieu", "distance", "domicile"]
    assert list(referentiel["durees"]) == ["0-30", "30-60", "60+"]
    assert referentiel["sous_themes"]["sante"] == {"espace-sante": "Mon espace santé"}
    assert referentiel["organismes"][0] == "ANTS" and len(referentiel["organismes"]) == 20
    assert referentiel["activites_aide"].keys() == referentiel["activites"].keys()


def refused_fields(payload):
    return set(CraSchema(today=TODAY, communes=territoires.commune_connue).validate(payload))


def test_referentiel_limits_are_those_the_schema_enforces(client):
    limits = fetch(client, "/referentiel.json").get_json()["limites"]
    first, most = limits["annotation_min"], limits["annotation_max"]
    assert not refused_fields(cra_payload(annotation="a" * first))
    assert not refused_fields(cra_payload(annotation="a" * most))
    assert refused_fields(cra_payload(annotation="a" * (first - 1))) == {"annotation"}
    assert refused_fields(cra_payload(annotation="a" * (most + 1))) == {"annotation"}
    low, high, step = (
        limits[k] for k in ("duree_minutes_min", "duree_minutes_max", "duree_minutes_pas")
    )
    for minutes in (low, low + step, high):
        assert not refused_fields(atelier_payload(duree_minutes=minutes))
    for minutes in (low - step, low + 1, high + step):
        assert refused_fields(atelier_payload(duree_minutes=minutes)) == {"duree_minutes"}

    def crowd(count):
        return atelier_payload(
            nb_participants=count,
            nb_recurrents=0,
            age={"de18a35ans": count},
            statut={"heterogene": count},
            suivi={},
            organismes=[],
        )

    assert not refused_fields(crowd(limits["participants_max"]))
    assert "nb_participants" in refused_fields(crowd(limits["participants_max"] + 1))
    first_day = date.fromisoformat(limits["premiere_date"])
    assert not refused_fields(cra_payload(date=first_day.isoformat()))
    assert refused_fields(cra_payload(date=(first_day - timedelta(days=1)).isoformat())) == {"date"}


def test_every_dsfr_class_the_sources_write_is_in_the_trimmed_stylesheet(app, client):
    """The stylesheet keeps DSFR_COMPONENTS and the used utilities only: a class written in a
    page or a script that the full DSFR styles must be styled by it too."""
    written = set(re.findall(r"\bfr-[a-z0-9_-]*[a-z0-9]\b", assets._markup_sources()))
    dsfr = assets.DSFR
    full = (dsfr / "dsfr.main.min.css").read_text() + (
        dsfr / "utility" / "icons" / "icons.main.min.css"
    ).read_text()
    css = fetch(client, app.config["STATIC_URLS"]["dsfr/dsfr.css"]).text
    styled = set(re.findall(r"\.(fr-[a-z0-9_-]+)", css))
    full_styled = set(re.findall(r"\.(fr-[a-z0-9_-]+)", full))
    only_in_a_search_bar = {"fr-input--error"}  # the search component styles it, nothing else
    assert (written & full_styled) - only_in_a_search_bar <= styled
    assert {"fr-mb-3w", "fr-col-md-8", "fr-py-4w"} <= styled  # utilities written in the pages
    assert "fr-mt-9v" not in styled and "fr-col-offset-xl-11" not in styled  # nobody writes them
