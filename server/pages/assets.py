"""The browsers' static files, built once per version and served by WhiteNoise.

`build()` writes into build/static/<stamp>/ (gitignored; `make install` runs it, and the app
builds it at start when the sources changed, e.g. in development):

- /dsfr/dsfr.<hash>.css: the DSFR's core (less the spacing and column utilities the sources do
  not write) and the per-component stylesheets of DSFR_COMPONENTS (in the DSFR's own order),
  the utility icons the app and the pages use (their fr-icon-* classes, found in the sources),
  every icon inlined as a data: URI (no request, offline at once), and only the @font-face of
  FONTS (woff2);
- /dsfr/dsfr.module.<hash>.js: the DSFR's core script and those of DSFR_SCRIPTS (the pilotage
  pages' script; the app uses none);
- /dsfr/fonts/<font>.<hash>.woff2 (subsets: FONT_UNICODES), /dsfr/favicon.<hash>.svg,
  /css/app.<hash>.css: content-hashed names, cached for ever (immutable);
- /js/*.js, /vendor/idb/index.js, /icons/*.png, /data/communes.json, /manifest.webmanifest under
  their own names (ES modules import each other by name): revalidated at each use (no-cache,
  ETag), and kept offline by the service worker;
- index.html and invitation.html pointing at the hashed names (served by pages/__init__.py);
- manifest.json: logical name → URL, the precache list {url: revision}, the app's version
  (a digest of its files, stamped in index.html's <meta name="app-version">) and the date of
  its sources, shown beside it (sources_date.py; never part of the digest).
The files WhiteNoise serves are in public/, the pages and manifest.json beside it.

Every text file gets .gz and .br siblings (whitenoise.compress): WhiteNoise sends them to the
browsers that accept them.
"""

import hashlib
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from urllib.parse import quote

import tinycss2

from server.pages.sources_date import sources_date

ROOT = Path(__file__).resolve().parent.parent.parent
PWA = ROOT / "pwa"
PILOTAGE_TEMPLATES = ROOT / "server" / "templates"
PILOTAGE_STATIC = ROOT / "server" / "static"
DSFR = ROOT / "node_modules" / "@gouvfr" / "dsfr" / "dist"
IDB = ROOT / "node_modules" / "idb" / "build"
BUILD = ROOT / "build" / "static"
MANIFEST = "manifest.json"  # beside public/, the folder WhiteNoise serves
PUBLIC = "public"

# The DSFR components the app and the pilotage pages use: add one here when a page needs it
# (its stylesheet is read from node_modules/@gouvfr/dsfr/dist/component/<name>/;
# tests/test_pages.py fails when a class the sources write is styled by a component missing
# here). Each one costs the first screen its parsing and style matching.
DSFR_COMPONENTS = (
    "alert",
    "badge",
    "button",
    "callout",
    "card",
    "checkbox",
    "footer",
    "form",
    "header",
    "input",
    "link",
    "logo",
    "modal",
    "navigation",
    "notice",
    "pagination",
    "radio",
    "select",
    "skiplink",
    "table",
    "tag",
    "upload",
)
# The DSFR components whose scripts the pilotage pages run, after the DSFR's core, in the order
# of the DSFR's full bundle (a component after those it uses): the header's phone menu is a
# modal holding the navigation; a table's script draws its frame and listens to its rows'
# checkboxes. The full bundle (115 KB) also boots the scripts of every other component:
# its evaluation was most of /statistiques' blocking time. tests/test_pages.py fails when a
# template writes a class that the script of a component missing here looks for.
DSFR_SCRIPTS = ("checkbox", "modal", "navigation", "header", "table")
# The font files the pages use (Marianne: regular text, medium labels and buttons, bold
# headings); italics are synthesized, Spectral is not used.
FONTS = ("Marianne-Regular", "Marianne-Medium", "Marianne-Bold")
# The characters kept in the fonts (fontTools.subset, at build time): Latin-1 and Latin
# Extended-A (œ, Ÿ, the names of neighbouring languages), French typography, plus every
# character the sources write (see font_unicodes). A character outside is drawn in the
# system's font. The DSFR's files hold 598 characters (Greek, Cyrillic, Vietnamese…) in 58 KB;
# the subset is about 16 KB. TrueType hinting is dropped too (half of what is left): Android,
# iOS and macOS ignore it, Chromium on Windows smooths with DirectWrite.
FONT_UNICODES = frozenset(
    [*range(0x20, 0x7F), *range(0xA0, 0x180)]
    + [0x2009, 0x200A, 0x2013, 0x2014, 0x2018, 0x2019, 0x201A, 0x201C, 0x201D, 0x201E, 0x2022]
    + [0x2026, 0x202F, 0x2030, 0x2039, 0x203A, 0x20AC, 0x2122, 0x2192, 0x2212]
)
FONT_CACHE = ROOT / "build" / "fonts"  # subsets by digest: fontTools takes ~1 s per font

HASHED = re.compile(r"\.[0-9a-f]{12}\.[a-z0-9]+$")
ICON_CLASS = re.compile(r"\bfr-icon-[a-z0-9-]+")
UTILITY_CLASS = re.compile(r"\bfr-(?:[mp][trblxy]?|col)-[a-z0-9-]+")
UTILITY_SELECTOR = re.compile(r"\.(fr-(?:[mp][trblxy]?|col)-[a-z0-9-]+)(?::not\(\.[a-z0-9-]+\))?")
CSS_URL = re.compile(r"url\(([\"']?)([^)\"']+)\1\)")
SOURCE_MAP = re.compile(r"^//# sourceMappingURL=\S+$", re.M)
FONT_FACE = re.compile(r"@font-face\{[^}]*\}")
FONT_FILE = re.compile(r"fonts/([A-Za-z_-]+)\.woff2")
STATIC_IMPORT = re.compile(r"^import\s[^;]*?\sfrom\s'([^']+\.js)';", re.M)
MODULE_SCRIPT = re.compile(r'<script type="module" src="(/js/[^"]+\.js)"></script>')
# The page's <meta name="app-version" content="…">, stamped by the build.
APP_VERSION_PLACEHOLDER = 'name="app-version" content="dev"'
# Whose last commit dates the app's version: the app, this build, the npm packages it reads.
VERSION_SOURCES = (PWA, Path(__file__).resolve(), ROOT / "package-lock.json")
TEXT_SUFFIXES = (".html", ".css", ".js", ".json", ".svg", ".webmanifest")

logger = logging.getLogger(__name__)


def digest(content: bytes, length: int = 16) -> str:
    return hashlib.sha256(content).hexdigest()[:length]


def _sources() -> list[Path]:
    """Every file a build reads (its stamp is made of their sizes and dates)."""
    files = [Path(__file__), DSFR.parent / "package.json", IDB / "index.js"]
    for folder in (PWA, PILOTAGE_TEMPLATES, PILOTAGE_STATIC):
        files += sorted(p for p in folder.rglob("*") if p.is_file() and "tools" not in p.parts)
    return files


def stamp() -> str:
    """A digest of the sources' paths, sizes and dates, and of the version's date (a commit
    changes it, not the files): a new one means a new build."""
    parts = [f"version_date:{sources_date(list(VERSION_SOURCES), ROOT)}"]
    for path in _sources():
        try:
            info = path.stat()
        except FileNotFoundError:
            continue
        parts.append(f"{path}:{info.st_size}:{info.st_mtime_ns}")
    return digest("\n".join(parts).encode(), 12)


# --- the DSFR stylesheet ---------------------------------------------------------------------


def _markup_sources() -> str:
    """The text of the app, its pages and their templates: where DSFR classes are written."""
    texts = []
    for folder, patterns in (
        (PWA, ("*.html", "*.js")),
        (PILOTAGE_TEMPLATES, ("*.html",)),
        (PILOTAGE_STATIC, ("*.js",)),
    ):
        for pattern in patterns:
            texts += [p.read_text(encoding="utf-8") for p in folder.rglob(pattern)]
    return "\n".join(texts)


def used_icon_classes() -> set[str]:
    """The fr-icon-* classes written in the app, its pages and their templates."""
    return set(ICON_CLASS.findall(_markup_sources()))


def used_utility_classes() -> set[str]:
    """The core's spacing and grid column classes (fr-mt-2w, fr-col-md-6…) written in the
    sources: always whole words there, never built from parts."""
    return set(UTILITY_CLASS.findall(_markup_sources()))


def _kept_rules(rules, pick: Callable[[list[str]], list[str]]) -> str:
    """The rules (tinycss2's) with the selectors `pick` keeps of each: a rule it keeps none of
    is dropped, one it keeps in part is written with those only, and an @media is filtered
    the same way (dropped when emptied); other at-rules are kept as they are."""
    kept = []
    for rule in rules:
        if rule.type == "qualified-rule":
            selectors = [s.strip() for s in tinycss2.serialize(rule.prelude).split(",")]
            mine = pick(selectors)
            if len(mine) == len(selectors):
                kept.append(tinycss2.serialize([rule]))
            elif mine:
                kept.append(",".join(mine) + "{" + tinycss2.serialize(rule.content) + "}")
        elif rule.type == "at-rule" and rule.content is not None and rule.at_keyword == "media":
            inner = _kept_rules(
                tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True),
                pick,
            )
            if inner:
                prelude = tinycss2.serialize(rule.prelude).strip()
                kept.append(f"@media {prelude}{{{inner}}}")
        else:
            kept.append(tinycss2.serialize([rule]))
    return "".join(kept)


def _without_unused_utilities(rules, used: set[str]) -> str:
    """The core's rules, less those that only style spacing or column classes nobody writes
    (about 95 of its 176 KB: every margin, padding and column size at every breakpoint)."""

    def pick(selectors: list[str]) -> list[str]:  # a rule is kept whole, or dropped
        matches = [UTILITY_SELECTOR.fullmatch(s) for s in selectors]
        return [] if all(m and m.group(1) not in used for m in matches) else selectors

    return _kept_rules(rules, pick)


def core_stylesheet() -> str:
    """The DSFR's core without the spacing and column utilities the sources do not use."""
    css = (DSFR / "core" / "core.main.min.css").read_text(encoding="utf-8")
    banner, _, body = css.partition("*/")
    rules = tinycss2.parse_stylesheet(body, skip_comments=True, skip_whitespace=True)
    return banner + "*/" + _without_unused_utilities(rules, used_utility_classes())


def _icon_rules(rules, used: set[str]) -> str:
    """The rules of the DSFR's utility icons that style a used class (recursing in @media)."""

    def pick(selectors: list[str]) -> list[str]:
        return [s for s in selectors if ICON_CLASS.search(s) and set(ICON_CLASS.findall(s)) <= used]

    return _kept_rules(rules, pick)


def icons_subset(used: set[str]) -> str:
    """The utility icons' CSS for the used classes only."""
    source = (DSFR / "utility" / "icons" / "icons.main.min.css").read_text(encoding="utf-8")
    rules = tinycss2.parse_stylesheet(source, skip_comments=True, skip_whitespace=True)
    return _icon_rules(rules, used)


def _components_in_dsfr_order() -> list[Path]:
    """The chosen components' stylesheets, in the order of the DSFR's full bundle (the
    cascade depends on it)."""
    bundle = (DSFR / "dsfr.main.min.css").read_text(encoding="utf-8")
    found = []
    for name in DSFR_COMPONENTS:
        path = DSFR / "component" / name / f"{name}.main.min.css"
        body = path.read_text(encoding="utf-8").split("*/", 1)[-1]
        found.append((bundle.find(body[:200]), path))
    return [path for _, path in sorted(found)]


def _inline_svg(path: Path) -> str:
    svg = path.read_text(encoding="utf-8").strip()
    return 'url("data:image/svg+xml;charset=utf-8,' + quote(svg, safe=" /=:;,'-.()#") + '")'


def dsfr_stylesheet(font_urls: dict[str, str]) -> str:
    """The DSFR's CSS the pages need, its icons inlined, its fonts at font_urls[name]."""
    parts = []
    for path in [DSFR / "core" / "core.main.min.css", *_components_in_dsfr_order()]:
        css = core_stylesheet() if path.parent.name == "core" else path.read_text(encoding="utf-8")
        if parts:
            css = css.split("*/", 1)[-1]  # one licence banner is enough

        def keep_font(match):
            font = FONT_FILE.search(match.group(0))
            if not font or font.group(1) not in font_urls:
                return ""
            return re.sub(
                r"src:[^;}]*",
                f'src:url({font_urls[font.group(1)]}) format("woff2")',
                match.group(0),
            )

        css = FONT_FACE.sub(keep_font, css)
        parts.append(_rewrite_urls(css, path.parent))
    parts.append(_rewrite_urls(icons_subset(used_icon_classes()), DSFR / "utility" / "icons"))
    return "\n".join(parts)


def _rewrite_urls(css: str, folder: Path) -> str:
    def rewrite(match):
        url = match.group(2)
        if url.startswith(("data:", "/", "#", "http")):
            return match.group(0)
        target = (folder / url).resolve()
        if target.suffix == ".svg" and target.is_file():
            return _inline_svg(target)
        raise ValueError(f"DSFR: {url} in {folder} is neither an icon nor a font kept")

    return CSS_URL.sub(rewrite, css)


# --- the DSFR script --------------------------------------------------------------------------


def dsfr_script() -> str:
    """The DSFR's core and the scripts of DSFR_SCRIPTS in one module, as the DSFR's documentation
    loads them one after the other: each file in a block of its own (all of them declare their
    own `const e = window.dsfr` at the top), one licence banner, no source-map comment (the
    maps are not served)."""
    paths = [DSFR / "core" / "core.module.min.js"]
    paths += [DSFR / "component" / name / f"{name}.module.min.js" for name in DSFR_SCRIPTS]
    banner = ""
    blocks = []
    for path in paths:
        head, _, body = path.read_text(encoding="utf-8").partition("*/")
        banner = banner or head + "*/"
        blocks.append("{\n" + SOURCE_MAP.sub("", body).strip() + "\n}")
    return banner + "\n" + "\n".join(blocks) + "\n"


# --- the fonts -------------------------------------------------------------------------------


def font_unicodes() -> frozenset[int]:
    """FONT_UNICODES and the characters written in the app, its pages and their templates."""
    written = set()
    for folder in (PWA, PILOTAGE_TEMPLATES, PILOTAGE_STATIC):
        for path in folder.rglob("*"):
            if path.suffix in (".html", ".js", ".css") and "tools" not in path.parts:
                written |= {ord(c) for c in path.read_text(encoding="utf-8") if ord(c) > 0x7E}
    return FONT_UNICODES | written


def subset_font(source: Path, unicodes: frozenset[int], cache_dir: Path = FONT_CACHE) -> bytes:
    """The woff2 font `source` reduced to `unicodes` (and the glyphs their layout features
    reach), without hinting; computed once per font and character set, then read from
    cache_dir."""
    from fontTools import subset, version

    content = source.read_bytes()
    key = digest(b"%s|%s|%r" % (content, version.encode(), sorted(unicodes)))
    cached = cache_dir / f"{source.stem}.{key}.woff2"
    if cached.is_file():
        return cached.read_bytes()
    options = subset.Options()
    options.flavor = "woff2"
    options.hinting = False
    options.desubroutinize = True
    font = subset.load_font(str(source), options)
    try:  # the font keeps its file open (read lazily) until closed
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=unicodes)
        subsetter.subset(font)
        cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=cache_dir, suffix=".tmp", delete=False) as scratch:
            subset.save_font(font, scratch, options)
    finally:
        font.close()
    os.replace(scratch.name, cached)  # atomic: builds in parallel read whole files only
    return cached.read_bytes()


# --- the build -------------------------------------------------------------------------------


def _hashed(out: Path, url_path: str, content: bytes) -> str:
    """Write content under a content-hashed name; return its URL."""
    stem, _, suffix = url_path.rpartition(".")
    url = f"{stem}.{digest(content, 12)}.{suffix}"
    target = out / url.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    return url


def _copy(out: Path, url_path: str, source: Path) -> str:
    target = out / url_path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return url_path


def module_graph(entry: str) -> list[str]:
    """The URLs of the ES modules an entry module imports, directly or not (static imports)."""
    seen: list[str] = []
    pending = [entry]
    while pending:
        url = pending.pop(0)
        if url in seen:
            continue
        seen.append(url)
        source = IDB / "index.js" if url == "/vendor/idb/index.js" else PWA / url.lstrip("/")
        for target in STATIC_IMPORT.findall(source.read_text(encoding="utf-8")):
            pending.append(target if target.startswith("/") else "/js/" + target.lstrip("./"))
    return seen


def _page(source: Path, urls: dict[str, str]) -> str:
    """A page with its links at the hashed URLs, and a modulepreload of every module its
    script imports: the browser fetches them at once instead of one import level per round
    trip (on a 150 ms line, that is most of the first screen's time)."""
    html = source.read_text(encoding="utf-8")
    for logical, url in urls.items():
        html = html.replace(f'"/{logical}"', f'"{url}"')
    preloads = []
    for entry in MODULE_SCRIPT.findall(html):
        preloads += [url for url in module_graph(entry)[1:] if url not in preloads]
    links = "".join(f'  <link rel="modulepreload" href="{url}">\n' for url in preloads)
    if 'class="fr-header' in html:  # the headings' font, before the stylesheet asks for it
        font = urls["dsfr/fonts/Marianne-Bold.woff2"]
        links = (
            f'  <link rel="preload" href="{font}" as="font" type="font/woff2" crossorigin>\n'
            + links
        )
    return html.replace("</head>", links + "</head>", 1)


def _build_into(build: Path, compress: bool) -> dict:
    out = build / PUBLIC
    urls = {}
    unicodes = font_unicodes()
    fonts = {
        name: _hashed(
            out,
            f"/dsfr/fonts/{name}.woff2",
            subset_font(DSFR / "fonts" / f"{name}.woff2", unicodes),
        )
        for name in FONTS
    }
    urls.update({f"dsfr/fonts/{name}.woff2": url for name, url in fonts.items()})
    urls["dsfr/dsfr.css"] = _hashed(out, "/dsfr/dsfr.css", dsfr_stylesheet(fonts).encode())
    urls["dsfr/dsfr.module.js"] = _hashed(out, "/dsfr/dsfr.module.js", dsfr_script().encode())
    urls["dsfr/favicon.svg"] = _hashed(
        out, "/dsfr/favicon.svg", (DSFR / "favicon" / "favicon.svg").read_bytes()
    )
    urls["css/app.css"] = _hashed(out, "/css/app.css", (PWA / "css" / "app.css").read_bytes())
    for path in sorted((PWA / "js").glob("*.js")):
        urls[f"js/{path.name}"] = _copy(out, f"/js/{path.name}", path)
    for path in sorted((PWA / "icons").glob("*.png")):
        urls[f"icons/{path.name}"] = _copy(out, f"/icons/{path.name}", path)
    urls["vendor/idb/index.js"] = _copy(out, "/vendor/idb/index.js", IDB / "index.js")
    urls["manifest.webmanifest"] = _copy(out, "/manifest.webmanifest", PWA / "manifest.webmanifest")
    communes = PWA / "data" / "communes.json"
    if communes.is_file():
        urls["data/communes.json"] = _copy(out, "/data/communes.json", communes)
    else:  # built by `make install` (node pwa/tools/build-communes.mjs)
        logger.warning("Fichier absent, non servi ni mis en cache hors ligne : %s", communes)
    files = {url: digest((out / url.lstrip("/")).read_bytes()) for url in urls.values()}
    # The app's version, which it reports at each sync: its files and its page's source.
    listing = json.dumps(files, sort_keys=True) + (PWA / "index.html").read_text(encoding="utf-8")
    version = digest(listing.encode(), 12)
    for name in ("index.html", "invitation.html"):
        page = _page(PWA / name, urls).replace(
            APP_VERSION_PLACEHOLDER, f'name="app-version" content="{version}"'
        )
        (build / name).write_text(page, encoding="utf-8")
    precache = {"/": digest((build / "index.html").read_bytes()), **files}
    dated = sources_date(list(VERSION_SOURCES), ROOT)
    manifest = {
        "urls": urls,
        "precache": precache,
        "version": version,
        "version_date": dated.isoformat() if dated else None,
    }
    (build / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    if compress:
        from whitenoise.compress import Compressor

        compressor = Compressor(quiet=True)
        for path in sorted(out.rglob("*")):
            if path.is_file() and path.suffix in TEXT_SUFFIXES:
                for _ in compressor.compress(str(path)):
                    pass
    return manifest


def build(compress: bool = True, root: Path = BUILD) -> Path:
    """Build the static files of the current sources into root/<stamp>/ unless already there;
    return that folder. Safe when several processes build at once (each in its own temporary
    folder, renamed into place)."""
    target = root / stamp()
    if (target / MANIFEST).is_file():
        return target
    root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".build-", dir=root))
    try:
        _build_into(scratch, compress)
        try:
            os.rename(scratch, target)
        except OSError:  # another process built it first
            if not (target / MANIFEST).is_file():
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    logger.info("Fichiers statiques construits : %s", target)
    return target


def prune(root: Path = BUILD, keep: Path | None = None, max_age_days: float = 1) -> None:
    """Remove the builds of older sources made more than max_age_days ago (a server started
    before may still serve a recent one)."""
    oldest = time.time() - max_age_days * 86400
    for folder in root.glob("*"):
        manifest_file = folder / MANIFEST
        if (
            folder != keep
            and not folder.name.startswith(".build-")
            and manifest_file.is_file()
            and manifest_file.stat().st_mtime < oldest
        ):
            shutil.rmtree(folder, ignore_errors=True)


@cache
def manifest(folder: Path) -> dict:
    return json.loads((folder / MANIFEST).read_text())


def is_hashed(url: str) -> bool:
    return bool(HASHED.search(url))


if __name__ == "__main__":  # make install: python -m server.pages.assets
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    built = build()
    prune(keep=built)
    count = len(manifest(built)["precache"])
    print(f"build/static/{built.name} : {count} fichiers", file=sys.stderr)
    from server.services import exports  # the PDF report's fonts, made once here

    exports.polices()
