"""What the service worker precaches, and /sw.js stamped with the version of those files.

The list is made at request time from the folders, so a new script, style or icon is precached
without editing sw.js, and any change to any of them changes VERSION: the browser then installs a
new worker, which the app offers to the user.
"""

import hashlib
import json
import logging
import re
from functools import cache
from pathlib import Path

from server.pages.referentiel import referentiel_json

ROOT = Path(__file__).resolve().parent.parent.parent
PWA = ROOT / "pwa"
DSFR = ROOT / "node_modules" / "@gouvfr" / "dsfr" / "dist"
IDB = ROOT / "node_modules" / "idb" / "build"
COMMUNES = PWA / "data" / "communes.json"
TEMPLATE = PWA / "sw.js"
VERSION_PLACEHOLDER = "const VERSION = 'dev';"
PRECACHE_PLACEHOLDER = "const PRECACHE = {};"
# Files of the DSFR the pages use; the fonts and icons its stylesheet needs are read from it.
ICONS_CSS = "utility/icons/icons.min.css"
DSFR_FILES = ("dsfr.min.css", ICONS_CSS, "dsfr.module.min.js", "favicon/favicon.svg")
CSS_ASSET = re.compile(r"url\(((?:fonts|icons)/[^)]+\.(?:woff2|svg))\)")
CSS_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
ICON_CLASS = re.compile(r"\bfr-icon-([a-z0-9-]+)")
ICON_URL = re.compile(r"url\(\.\./\.\./(icons/[^)]+\.svg)\)")

logger = logging.getLogger(__name__)


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:16]


@cache
def _dsfr_package() -> tuple[list[str], dict[str, str]]:
    """The DSFR files every page needs (with the fonts and component icons dsfr.min.css uses),
    and its icons by name. Read once: the package does not change under a running server."""
    stylesheet = (DSFR / "dsfr.min.css").read_text(encoding="utf-8")
    needed = list(dict.fromkeys([*DSFR_FILES, *CSS_ASSET.findall(stylesheet)]))
    icons = {}  # fr-icon-delete-line → icons/system/delete-bin-line.svg: read the classes' rules
    for selectors, body in CSS_RULE.findall((DSFR / ICONS_CSS).read_text(encoding="utf-8")):
        if url := ICON_URL.search(body):
            for name in ICON_CLASS.findall(selectors):
                icons.setdefault(name, url.group(1))
    return needed, icons


def _dsfr_files() -> list[str]:
    """DSFR paths to precache: what every page needs, and the icons whose fr-icon-* class
    appears in the app's page or scripts."""
    needed, icons = _dsfr_package()
    app_text = "\n".join(
        p.read_text(encoding="utf-8")
        for p in [PWA / "index.html", *sorted((PWA / "js").rglob("*.js"))]
    )
    used = sorted(set(ICON_CLASS.findall(app_text)) & icons.keys())
    return list(dict.fromkeys([*needed, *(icons[name] for name in used)]))


def precache_files() -> dict[str, Path]:
    """URL → file of everything the app needs offline (/referentiel.json apart: it is built)."""
    files = {"/": PWA / "index.html", "/manifest.webmanifest": PWA / "manifest.webmanifest"}
    for folder, pattern in (("css", "*.css"), ("js", "*.js"), ("icons", "*.png")):
        for path in sorted((PWA / folder).rglob(pattern)):
            files[f"/{folder}/{path.relative_to(PWA / folder).as_posix()}"] = path
    files["/data/communes.json"] = COMMUNES
    files.update({f"/dsfr/{name}": DSFR / name for name in _dsfr_files()})
    files["/vendor/idb/index.js"] = IDB / "index.js"
    return files


def precache_revisions() -> dict[str, str]:
    """URL → revision (content hash) of every precached resource."""
    revisions = {}
    for url, path in precache_files().items():
        if path.is_file():
            revisions[url] = _digest(path.read_bytes())
        else:  # e.g. pwa/data/communes.json not built: the rest still works offline
            logger.warning("Fichier absent, non mis en cache hors ligne : %s", path)
    revisions["/referentiel.json"] = _digest(referentiel_json())
    return revisions


def service_worker_script() -> str:
    """sw.js with its VERSION (a hash of the worker and every precached file) and PRECACHE."""
    template = TEMPLATE.read_text(encoding="utf-8")
    if VERSION_PLACEHOLDER not in template or PRECACHE_PLACEHOLDER not in template:
        raise RuntimeError(
            f"pwa/sw.js must contain {VERSION_PLACEHOLDER!r} and {PRECACHE_PLACEHOLDER!r}"
        )
    revisions = precache_revisions()
    listing = json.dumps(revisions, sort_keys=True, separators=(",", ":"))
    version = _digest((template + listing).encode())
    return template.replace(VERSION_PLACEHOLDER, f"const VERSION = '{version}';").replace(
        PRECACHE_PLACEHOLDER, f"const PRECACHE = {json.dumps(revisions, indent=2)};"
    )
