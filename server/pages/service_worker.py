"""What the service worker precaches, and /sw.js stamped with the version of those files.

The list comes from the static build (assets.py): every file the app needs offline, at the URL
the pages use (content-hashed names included), with the digest of its content. Any change to
any of them changes VERSION: the browser then installs a new worker, which fetches only the
files whose revision changed and offers the new version to the user.
"""

import hashlib
import json
from pathlib import Path

from flask import current_app, has_app_context

from server.pages import assets
from server.pages.referentiel import referentiel_json

TEMPLATE = assets.PWA / "sw.js"
VERSION_PLACEHOLDER = "const VERSION = 'dev';"
PRECACHE_PLACEHOLDER = "const PRECACHE = {};"


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:16]


def _build() -> Path:
    if has_app_context() and current_app.config.get("STATIC_BUILD"):
        return current_app.config["STATIC_BUILD"]
    return assets.build()


def precache_revisions() -> dict[str, str]:
    """URL → revision (content digest) of every precached resource."""
    revisions = dict(assets.manifest(_build())["precache"])
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
