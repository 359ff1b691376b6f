"""The app shell as the browser gets it: service worker, manifest, referentiel, caching, CSP."""

import hashlib
import io
import json
import re
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from PIL import Image

from server.models.cra import THEMES
from server.pages import service_worker
from server.schemas.cras import CraSchema
from server.services import territoires
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


def test_service_worker_precaches_the_whole_app_shell_and_never_the_api(client):
    _, precache = worker(client)
    scripts = {f"/js/{p.name}" for p in (service_worker.PWA / "js").glob("*.js")}
    assert scripts and scripts <= precache.keys()
    assert {
        "/",
        "/manifest.webmanifest",
        "/css/app.css",
        "/icons/icon-192.png",
        "/icons/icon-maskable-512.png",
        "/data/communes.json",
        "/referentiel.json",
        "/vendor/idb/index.js",
        "/dsfr/dsfr.min.css",
        "/dsfr/utility/icons/icons.min.css",
        "/dsfr/dsfr.module.min.js",
        "/dsfr/favicon/favicon.svg",
        "/dsfr/fonts/Marianne-Regular.woff2",
        "/dsfr/fonts/Marianne-Bold.woff2",
        "/dsfr/icons/system/close-line.svg",
    } <= precache.keys()
    assert not [url for url in precache if url.startswith("/api/")]


def test_every_precached_url_is_served_with_the_content_of_its_revision(client):
    _, precache = worker(client)
    for url, revision in precache.items():
        response = fetch(client, url)
        assert response.status_code == 200, url
        assert hashlib.sha256(response.data).hexdigest()[:16] == revision, url


def test_version_changes_when_any_precached_file_changes(client, monkeypatch, tmp_path):
    script = tmp_path / "essai.js"
    script.write_text("export const essai = 1;\n")
    files = service_worker.precache_files()
    monkeypatch.setattr(service_worker, "precache_files", lambda: {**files, "/js/essai.js": script})
    before, precache = worker(client)
    assert worker(client)[0] == before  # stable while nothing changes
    script.write_text("export const essai = 2;\n")
    after, changed = worker(client)
    assert after != before
    assert {url for url in precache if precache[url] != changed[url]} == {"/js/essai.js"}


def test_icons_the_app_uses_are_precached_by_their_class(monkeypatch, tmp_path):
    (tmp_path / "js").mkdir()
    (tmp_path / "index.html").write_text('<span class="fr-icon-delete-line"></span>')
    (tmp_path / "js" / "vue.js").write_text("button.className = 'fr-btn fr-icon-add-line';")
    monkeypatch.setattr(service_worker, "PWA", tmp_path)
    files = service_worker.precache_files()
    assert {
        "/js/vue.js",
        "/dsfr/icons/system/delete-bin-line.svg",
        "/dsfr/icons/system/add-line.svg",
    } <= files.keys()
    assert "/dsfr/icons/system/delete-bin-fill.svg" not in files


@pytest.mark.parametrize(
    ("url", "cache_control"),
    [
        ("/", "no-cache"),
        ("/js/app.js", "no-cache"),
        ("/css/app.css", "no-cache"),
        ("/icons/icon-512.png", "no-cache"),
        ("/data/communes.json", "no-cache"),
        ("/manifest.webmanifest", "no-cache"),
        ("/referentiel.json", "no-cache"),
        ("/dsfr/dsfr.min.css", "max-age=86400"),
        ("/vendor/idb/index.js", "max-age=86400"),
    ],
)
def test_app_files_are_revalidated_and_package_files_kept_a_day(client, url, cache_control):
    response = fetch(client, url)
    assert response.status_code == 200
    assert cache_control in response.headers["Cache-Control"]
    assert "no-store" not in response.headers["Cache-Control"]
    revalidated = fetch(client, url, headers={"If-None-Match": response.headers["ETag"]})
    assert revalidated.status_code == 304


def test_vendor_folder_serves_only_the_package_build(client):
    assert fetch(client, "/vendor/idb/index.js").mimetype == "text/javascript"
    assert fetch(client, "/vendor/idb/../package.json").status_code == 404


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
