"""Exports of a statistics report: the vertical CSV summary users know, one row per CRA (CSV),
an Excel workbook (what it holds, the summary, one row per CRA), an A4 PDF report, and the
territorial table's CSV (../shared/reference/statistiques.md, "Exports").

Figures come from the report (server/services/rapports.py); rows are read from the database on
a server-side cursor and written as they come, so an export never holds a scope's CRAs in
memory. Every CSV and Excel cell goes through server/services/tableur.py, the one writer that
keeps typed text from running as a formula or breaking a file.
"""

import hashlib
import json
import re
import shutil
import tempfile
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from flask import render_template
from fontTools.ttLib import TTFont
from sqlalchemy import select
from weasyprint import HTML, URLFetcher

from server.extensions import db
from server.models import Conseiller, Cra, LieuActivite, Structure
from server.models.cra import (
    ACTIVITES,
    AGES,
    CANAUX,
    DUREES,
    ORGANISMES,
    SOUS_THEMES,
    STATUTS,
    SUIVIS,
    THEMES,
)
from server.services import (
    confidentialite,
    graphiques,
    memoire,
    perimetres,
    statistiques,
    tableur,
)
from server.services.francais import jj_mm_aaaa, nombre
from server.services.statistiques import Perimetre, Periode
from server.services.tableur import Pourcentage

FORMATS = {
    "resume.csv": "text/csv",
    "cras.csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
CHUNK = 5_000
# Whoever may export a scope reads these columns of its conseillers: professional ones only.
CONSEILLER_COLUMNS = confidentialite.professionnels(Conseiller, "prenom", "nom")
# Change it when a cached export's layout changes: the same figures then give new files.
RENDER_VERSION = "2"
CACHE_SIZE = 64  # summaries of ~5-300 KB


# The cache -------------------------------------------------------------------------------------

_cache: OrderedDict[str, bytes] = OrderedDict()
_cache_lock = threading.Lock()


def cle(report: dict, format_: str) -> str:
    """A summary export's key, its ETag: a hash of everything it shows (who, period, filters,
    figures, the day of edition it prints), so the same figures give the same file."""
    perimetre = report["perimetre"]
    content = json.dumps(
        [
            RENDER_VERSION,
            format_,
            report["titre"],
            perimetre.nom,
            perimetre.code_postal,
            perimetre.code_commune,
            report["indicateurs"],
            perimetres.today_paris(),
        ],
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(content.encode()).hexdigest()


def en_cache(key: str, build: Callable[[], bytes]) -> bytes:
    """The file of that key, built once per process (least recently used dropped first)."""
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    body = build()
    with _cache_lock:
        _cache[key] = body
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return body


# File names --------------------------------------------------------------------------------


def _who(perimetre: Perimetre) -> str:
    text = unicodedata.normalize("NFC", perimetre.nom)
    return re.sub(r"[^\w-]+", "_", text).strip("_") or "statistiques"


def nom_fichier(perimetre: Perimetre, periode: Periode, format_: str) -> str:
    """`Statistiques_<who>_<dd-mm-yyyy>_<dd-mm-yyyy>.csv` (the reference's name), with
    `_CRA` for the rows."""
    base = (
        f"Statistiques_{_who(perimetre)}_{jj_mm_aaaa(periode.du, '-')}_"
        f"{jj_mm_aaaa(periode.au, '-')}"
    )
    return {
        "resume.csv": f"{base}.csv",
        "cras.csv": f"{base}_CRA.csv",
        "xlsx": f"{base}.xlsx",
        "pdf": f"{base}.pdf",
    }[format_]


def content_disposition(filename: str) -> str:
    """attachment with an ASCII fallback and the UTF-8 name (RFC 6266)."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


# The summary ---------------------------------------------------------------------------------


def blocs(report: dict) -> list[tuple[str, list[tuple[str, int | float]]]]:
    """The summary's blocks in the order and with the labels users know; shares in percent are
    marked (tableur.Pourcentage) so that a workbook shows them with a % format."""
    values = report["indicateurs"]
    general = values["general"]

    def lines(name, field="nombre"):
        wrap = Pourcentage if field == "pourcentage" else (lambda value: value)
        return [(line["libelle"], wrap(line[field])) for line in values[name]]

    return [
        (
            "Général",
            [
                (
                    "Personnes totales accompagnées durant cette période",
                    general["personnes_accompagnees"],
                ),
                ("Accompagnements totaux enregistrés (dont récurrent)", general["accompagnements"]),
                ("Ateliers réalisés", general["ateliers"]),
                ("Total des participants aux ateliers", general["participants_ateliers"]),
                ("Accompagnements individuels", general["individuels"]),
                ("Demandes ponctuelles", general["ponctuels"]),
                ("Accompagnements avec suivi", general["suivi_total"]),
                (
                    "Pourcentage du total des usagers accompagnés sur cette période",
                    Pourcentage(general["suivi_pourcentage"]),
                ),
                ("Accompagnements individuels", general["suivi_individuel"]),
                ("Accompagnements en atelier collectif", general["suivi_atelier"]),
                ("Redirections vers une autre structure agréée", general["suivi_redirection"]),
            ],
        ),
        ("Thèmes des accompagnements", lines("themes")),
        ("Canaux d'accompagnements", lines("canaux")),
        ("Temps en accompagnements (heures)", lines("temps", "heures")),
        ("Durée des accompagnements", lines("durees")),
        ("Tranches d'âge des usagers (en %)", lines("ages", "pourcentage")),
        ("Statut des usagers (en %)", lines("statuts", "pourcentage")),
        ("Évolution des comptes rendus d'activité", lines("evolution")),
        ("Usager.ères réorienté.es (en %)", lines("reorientations", "pourcentage")),
    ]


def _resume_lignes(report: dict) -> Iterator[list]:
    yield [report["titre"]]
    yield []
    for title, lines in blocs(report):
        yield [title]
        yield from ([label, value] for label, value in lines)
        yield []


def resume_csv(report: dict) -> bytes:
    """The vertical summary: `;`, UTF-8 with BOM, one `label;value` per line, in blocks."""
    return tableur.csv_octets(_resume_lignes(report))


# One row per CRA ---------------------------------------------------------------------------

SOUS_THEME_KEYS = [(theme, key) for theme, found in SOUS_THEMES.items() for key in found]
COLUMNS = [
    "Identifiant",
    "Date",
    "Conseiller",
    "Structure",
    "Lieu",
    "Lieu d'activité",
    "Code postal",
    "Code commune (INSEE)",
    "Commune",
    "Type d'activité",
    "Participants",
    "Dont déjà accompagnés (récurrents)",
    *(f"Âge : {label}" for label in AGES.values()),
    *(f"Statut : {label}" for label in STATUTS.values()),
    *(f"Thème : {label}" for label, _ in THEMES.values()),
    *(f"Précision : {SOUS_THEMES[theme][key]}" for theme, key in SOUS_THEME_KEYS),
    "Annotation",
    "Durée",
    "Durée exacte (minutes)",
    *(f"Suivi : {label}" for label in SUIVIS.values()),
    *(f"Redirection : {name}" for name in ORGANISMES),
    "Redirection : autres organismes",
    "Enregistré le",
    "Modifié le",
]


def _rows_query(perimetre: Perimetre, periode: Periode):
    return (
        select(
            Cra.id,
            Cra.date,
            *(getattr(Conseiller, name).label(f"{name}_conseiller") for name in CONSEILLER_COLUMNS),
            Structure.nom.label("structure"),
            Cra.canal,
            LieuActivite.nom.label("lieu"),
            Cra.code_postal,
            Cra.code_commune,
            Cra.nom_commune,
            Cra.activite,
            Cra.nb_participants,
            Cra.nb_recurrents,
            *(getattr(Cra, f"age_{key}") for key in AGES),
            *(getattr(Cra, f"statut_{key}") for key in STATUTS),
            Cra.themes,
            Cra.sous_themes,
            Cra.annotation,
            Cra.duree,
            Cra.duree_minutes,
            *(getattr(Cra, f"suivi_{key}") for key in SUIVIS),
            Cra.organismes,
            Cra.received_at,
            Cra.updated_at,
        )
        .join(Conseiller, Cra.conseiller_id == Conseiller.id)
        .outerjoin(Structure, Cra.structure_id == Structure.id)
        .outerjoin(LieuActivite, Cra.lieu_activite_id == LieuActivite.id)
        .where(*statistiques.cra_conditions(perimetre, periode))
        .order_by(Cra.date, Cra.received_at, Cra.id)
    )


def _une_ligne(text: str) -> str:
    """A typed name on one line: the line break then separates names without ambiguity."""
    return " ".join(text.split())


def _row(cra) -> list:
    """One CRA as people read it: labels, typed numbers and dates, 0/1 per thème and
    précision, a count per listed organisme and the others one per line as « nom (n) »."""
    themes = set(cra.themes or ())
    precisions = {(theme, key) for theme, keys in (cra.sous_themes or {}).items() for key in keys}
    organismes = {name: 0 for name in ORGANISMES}
    autres = []
    for organisme in cra.organismes or ():
        if organisme["nom"] in organismes:
            organismes[organisme["nom"]] += organisme["nombre"]
        else:
            autres.append(f"{_une_ligne(organisme['nom'])} ({organisme['nombre']})")
    return [
        str(cra.id),
        cra.date,
        f"{cra.prenom_conseiller} {cra.nom_conseiller}",
        cra.structure,
        CANAUX.get(cra.canal, cra.canal),
        cra.lieu,
        cra.code_postal,
        cra.code_commune,
        cra.nom_commune,
        ACTIVITES.get(cra.activite, cra.activite),
        cra.nb_participants,
        cra.nb_recurrents,
        *(getattr(cra, f"age_{key}") for key in AGES),
        *(getattr(cra, f"statut_{key}") for key in STATUTS),
        *(int(key in themes) for key in THEMES),
        *(int(pair in precisions) for pair in SOUS_THEME_KEYS),
        cra.annotation,
        DUREES.get(cra.duree, cra.duree),
        cra.duree_minutes,
        *(getattr(cra, f"suivi_{key}") for key in SUIVIS),
        *organismes.values(),
        "\n".join(autres),
        cra.received_at,
        cra.updated_at,
    ]


def lignes(perimetre: Perimetre, periode: Periode) -> Iterator[list]:
    """The scope's CRAs of the period, oldest first, as rows (server-side cursor)."""
    query = _rows_query(perimetre, periode).execution_options(
        stream_results=True, max_row_buffer=CHUNK
    )
    for cra in db.session.connection().execute(query):
        yield _row(cra)


def nombre_de_lignes(perimetre: Perimetre, periode: Periode) -> int:
    """How many rows the CRA exports of this scope and period have."""
    return statistiques.indicateurs(perimetre, periode, ("general",))["general"]["cra_enregistres"]


def cras_csv(perimetre: Perimetre, periode: Periode) -> Iterator[bytes]:
    """One row per CRA: `;`, UTF-8 with BOM, streamed; the same columns as the workbook's."""

    def rows():
        yield COLUMNS
        yield from lignes(perimetre, periode)

    return tableur.csv_flux(rows())


# The workbook ------------------------------------------------------------------------------


def description(report: dict, contenu: str) -> list[tuple[str, object]]:
    """What a workbook holds, for its first sheet."""
    perimetre = report["perimetre"]
    filtres = [
        f"{label} {value}"
        for label, value in (
            ("code postal", perimetre.code_postal),
            ("commune (INSEE)", perimetre.code_commune),
        )
        if value
    ]
    return [
        ("Périmètre", perimetre.nom),
        ("Période du", report["du"]),
        ("Période au", report["au"]),
        ("Exporté le", perimetres.today_paris()),
        ("Filtres", ", ".join(filtres) or "Aucun"),
        ("Contenu", contenu),
    ]


def classeur(
    report: dict, perimetre: Perimetre, periode: Periode, with_rows: bool
) -> Iterator[bytes]:
    """An Excel workbook: « À propos », « Statistiques » (the summary as a table) and, when
    allowed, « CRA » (one row per CRA; past Excel's limit, « CRA (2) » and so on). A generator:
    the rows are read while the response streams, in the request's context."""
    contenu = "Statistiques (résumé)" + (
        " ; CRA (une ligne par CRA, les mêmes colonnes que l'export CSV)" if with_rows else ""
    )
    workbook = tableur.Classeur(report["titre"], description(report, contenu))
    summary = workbook.feuille("Statistiques", ["Rubrique", "Indicateur", "Valeur"])
    for title, lines in blocs(report):
        for label, value in lines:
            summary.ajouter([title, label, value])
    if with_rows:
        workbook.tableau("CRA", COLUMNS, lignes(perimetre, periode))
    yield from workbook.flux()


# The PDF report ----------------------------------------------------------------------------

FONTS = Path(__file__).resolve().parents[2] / "node_modules" / "@gouvfr" / "dsfr" / "dist" / "fonts"
# The chart drawn next to each block of blocs() (the first, « Général », has none).
GRAPHIQUES_DES_BLOCS = (
    None,
    "themes",
    "canaux",
    "temps",
    "durees",
    "ages",
    "statuts",
    "evolution",
    "reorientations",
)
UNITES = {"temps": "Heures", "ages": "%", "statuts": "%", "reorientations": "%", "evolution": "CRA"}


POLICES_PDF = ("Marianne-Regular", "Marianne-Bold")
POLICES_DIR = Path(__file__).resolve().parents[2] / "build" / "polices-pdf"


def _convertir_polices(folder: Path) -> None:
    for name in POLICES_PDF:
        font = TTFont(FONTS / f"{name}.woff2")
        font.flavor = None
        font.save(folder / f"{name}.ttf")


@lru_cache(maxsize=1)
def polices() -> str:
    """A folder holding Marianne as TrueType: WeasyPrint would otherwise decompress the DSFR's
    WOFF2 files at every report (half of a report's CPU time). Converted once per font version
    into build/polices-pdf/<digest>/ (`make install` does it, else the first report), so that
    even a worker's first report pays only for reading them (the conversion was 0.3 s of it);
    in a temporary folder when build/ cannot be written."""
    sources = b"".join((FONTS / f"{name}.woff2").read_bytes() for name in POLICES_PDF)
    folder = POLICES_DIR / hashlib.sha256(sources).hexdigest()[:16]
    if folder.is_dir():
        return folder.as_uri()
    try:
        POLICES_DIR.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix="en-cours-", dir=POLICES_DIR))
    except OSError:
        staging = Path(tempfile.mkdtemp(prefix="coop-cra-polices-"))
        _convertir_polices(staging)
        return staging.as_uri()
    _convertir_polices(staging)
    try:
        staging.rename(folder)  # whole or absent: another process may have made it meanwhile
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
    return folder.as_uri()


def affiche(value) -> str:
    """A figure as the report prints it: French numbers, « 71,4 % » for shares."""
    if isinstance(value, str):
        return graphiques.libelle(value)
    if isinstance(value, Pourcentage):
        return f"{nombre(float(value))} %"
    return nombre(value)


def grille(evolution: list[dict]) -> list[tuple[str, list, int]] | None:
    """A period longer than a year's monthly counts as a grid, one row per year (its months in
    columns, blank outside the period, and its total): a page instead of a table of one line
    per month over several pages, whose layout was half of the report's CPU time."""
    if len(evolution) <= 12:
        return None
    years: dict[str, list] = {}
    for line in evolution:
        years.setdefault(line["cle"][:4], [None] * 12)[int(line["cle"][5:7]) - 1] = line["nombre"]
    return [
        (year, months, sum(value for value in months if value is not None))
        for year, months in years.items()
    ]


def barres(lines: list[tuple[str, int | float]]) -> list[float]:
    """Each line's bar as a share of the longest (0-100), for a chart drawn in its table."""
    top = max((float(value) for _, value in lines), default=0)
    return [round(float(value) * 100 / top, 1) if top else 0 for _, value in lines]


def rapport_html(report: dict, images: Path) -> str:
    """The report as an HTML page with its print stylesheet (A4, header, page numbers).

    Each block's chart is drawn where it costs least to print: bars of categories in their
    table's rows (vector rectangles beside the figures, in Marianne), the évolution as
    the matplotlib SVG of the pages, written into `images`. WeasyPrint lays out SVG text one
    letter at a time: the seven bar charts' labels were two fifths of a report's CPU time."""
    sections = []
    for (title, lines), nom in zip(blocs(report), GRAPHIQUES_DES_BLOCS, strict=True):
        image = None
        if nom == "evolution":
            image = images / f"{nom}.svg"
            image.write_bytes(graphiques.image(nom, report["indicateurs"], "svg")[1])
        sections.append(
            {
                "titre": title,
                "image": image.as_uri() if image else None,
                "grille": grille(report["indicateurs"]["evolution"]) if image else None,
                "colonne": "Mois" if nom == "evolution" else "Libellé",
                "unite": UNITES.get(nom or "", "Nombre"),
                "lignes": lines,
                "barres": barres(lines) if nom and not image else None,
            }
        )
    return render_template(
        "exports/rapport.html",
        rapport=report,
        blocs=sections,
        edition=perimetres.today_paris(),
        fonts=polices(),
        jj_mm_aaaa=jj_mm_aaaa,
        affiche=affiche,
        texte=graphiques.libelle,
        mois=graphiques.MOIS_COURTS,
    )


def rapport_pdf(report: dict) -> bytes:
    """The A4 report: title with who and period, key figures, then every chart (vector) with
    its figures as a table that flows across pages."""
    with (
        memoire.sans_ramasse_miettes(),
        tempfile.TemporaryDirectory(prefix="coop-cra-rapport-") as folder,
    ):
        html = rapport_html(report, Path(folder))
        # Local files only: the charts and the fonts.
        return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=("file",))).write_pdf()


# The territorial table -----------------------------------------------------------------------

TERRITOIRES_HEADER = [
    "Code",
    "Nom",
    "CRA enregistrés",
    "Personnes accompagnées",
    "Nombre d'accompagnement",
    "Dotation de conseillers",
    "Conum activé sur l'espace coop",
    "Conum en attente d'activation",
    "Taux d'activation",
]
TERRITOIRES_FIELDS = (
    "code",
    "nom",
    "cras",
    "personnes_accompagnees",
    "accompagnements",
    "dotation",
    "actives",
    "en_attente",
    "taux_activation",
)


def territoires_csv(table: dict) -> bytes:
    """The territorial table as the original exported it."""
    rows = [TERRITOIRES_HEADER]
    rows.extend([line[field] for field in TERRITOIRES_FIELDS] for line in table["items"])
    return tableur.csv_octets(rows)


def territoires_nom(table: dict) -> str:
    """Statistiques_departements_<dd-mm-yyyy>_<dd-mm-yyyy>.csv (or _regions_)."""
    return (
        f"Statistiques_{table['maille']}s_{jj_mm_aaaa(table['du'], '-')}_"
        f"{jj_mm_aaaa(table['au'], '-')}.csv"
    )
