"""Exports of a statistics report: the vertical CSV summary users know, one row per CRA (CSV),
an Excel workbook (summary sheet and one row per CRA), an A4 PDF report, and the territorial
table's CSV (../shared/reference/statistiques.md, "Exports").

Figures come from the report (server/services/rapports.py); rows are read from the database in
chunks on a server-side cursor and written as they come, so an export never holds a scope's
CRAs in memory. Text a user typed is neutralised when it could run as a spreadsheet formula.
"""

import io
import re
import tempfile
import textwrap
import unicodedata
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from openpyxl import Workbook
from sqlalchemy import select

from server.extensions import db
from server.models import Conseiller, Cra, LieuActivite, Structure
from server.models.cra import (
    ACTIVITES,
    AGES,
    CANAUX,
    DUREES,
    SOUS_THEMES,
    STATUTS,
    SUIVIS,
    THEMES,
)
from server.services import confidentialite, graphiques, statistiques
from server.services.statistiques import Perimetre, Periode

FORMATS = {
    "resume.csv": "text/csv",
    "cras.csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
BOM = "\ufeff"
CHUNK = 5_000
EXCEL_MAX_ROWS = 1_048_576 - 1  # the header takes a row
PARIS = ZoneInfo("Europe/Paris")
# Whoever may export a scope reads these columns of its conseillers: professional ones only.
CONSEILLER_COLUMNS = confidentialite.professionnels(Conseiller, "prenom", "nom")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def jj_mm_aaaa(day, separator: str = "/") -> str:
    """A date the French way: 05/01/2022 (or 05-01-2022 in file names)."""
    return day.strftime(f"%d{separator}%m{separator}%Y")


def neutraliser(value):
    """A text cell that a spreadsheet would run as a formula, made plain text (OWASP: prefix
    with a quote); numbers and other texts unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _nombre(value) -> str:
    """A CSV number the French way (decimal comma), as French spreadsheets read it."""
    return str(value).replace(".", ",") if isinstance(value, float) else str(value)


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
    """The summary's blocks in the order and with the labels users know."""
    values = report["indicateurs"]
    general = values["general"]

    def lines(name, field="nombre"):
        return [(line["libelle"], line[field]) for line in values[name]]

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
                    general["suivi_pourcentage"],
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


def resume_csv(report: dict) -> bytes:
    """The vertical summary: `;`, UTF-8 with BOM, one `label;value` per line, in blocks."""
    out = [report["titre"], ""]
    for title, lines in blocs(report):
        out.append(title)
        out.extend(f"{neutraliser(label)};{_nombre(value)}" for label, value in lines)
        out.append("")
    return (BOM + "\r\n".join(out)).encode()


# One row per CRA ---------------------------------------------------------------------------

COLUMNS = {  # header → how the value is written
    "Identifiant": "id",
    "Date": "date",
    "Conseiller": "conseiller",
    "Structure": "structure",
    "Lieu": "canal",
    "Lieu d'activité": "lieu",
    "Code postal": "code_postal",
    "Code commune (INSEE)": "code_commune",
    "Commune": "nom_commune",
    "Type d'activité": "activite",
    "Participants": "nb_participants",
    "Dont déjà accompagnés (récurrents)": "nb_recurrents",
    **{f"Âge : {label}": f"age_{key}" for key, label in AGES.items()},
    **{f"Statut : {label}": f"statut_{key}" for key, label in STATUTS.items()},
    "Thèmes": "themes",
    "Précisions": "sous_themes",
    "Annotation": "annotation",
    "Durée": "duree",
    "Durée exacte (minutes)": "duree_minutes",
    **{f"Suivi : {label}": f"suivi_{key}" for key, label in SUIVIS.items()},
    "Organismes de redirection": "organismes",
    "Enregistré le": "received_at",
    "Modifié le": "updated_at",
}


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


def _local(moment) -> str:
    return moment.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")


def _shaped(frame: pd.DataFrame) -> pd.DataFrame:
    """A chunk of rows as people read them: labels, French dates, neutralised text."""
    frame["id"] = frame["id"].astype(str)
    frame["date"] = [jj_mm_aaaa(day) for day in frame["date"]]
    frame["conseiller"] = frame["prenom_conseiller"] + " " + frame["nom_conseiller"]
    frame["canal"] = frame["canal"].map(CANAUX)
    frame["activite"] = frame["activite"].map(ACTIVITES)
    frame["duree"] = frame["duree"].map(DUREES)
    frame["duree_minutes"] = frame["duree_minutes"].astype("Int64")
    frame["themes"] = [", ".join(THEMES[key][0] for key in keys) for keys in frame["themes"]]
    frame["sous_themes"] = [
        ", ".join(SOUS_THEMES[theme][key] for theme, keys in found.items() for key in keys)
        for found in frame["sous_themes"]
    ]
    frame["organismes"] = [
        ", ".join(f"{o['nom']} ({o['nombre']})" for o in found) for found in frame["organismes"]
    ]
    for name in ("received_at", "updated_at"):
        frame[name] = [_local(moment) for moment in frame[name]]
    frame = frame[list(COLUMNS.values())].rename(columns={v: k for k, v in COLUMNS.items()})
    for name in (
        "Conseiller",
        "Structure",
        "Lieu d'activité",
        "Commune",
        "Annotation",
        "Organismes de redirection",
    ):
        frame[name] = frame[name].map(neutraliser)
    return frame


def lignes(perimetre: Perimetre, periode: Periode) -> Iterator[pd.DataFrame]:
    """The scope's CRAs of the period, oldest first, chunk by chunk (server-side cursor)."""
    query = _rows_query(perimetre, periode).execution_options(
        stream_results=True, max_row_buffer=CHUNK
    )
    for frame in pd.read_sql(query, db.session.connection(), chunksize=CHUNK):
        yield _shaped(frame)


def nombre_de_lignes(perimetre: Perimetre, periode: Periode) -> int:
    """How many rows the CRA exports of this scope and period have."""
    return statistiques.indicateurs(perimetre, periode, ("general",))["general"]["cra_enregistres"]


def cras_csv(perimetre: Perimetre, periode: Periode) -> Iterator[bytes]:
    """One row per CRA: `;`, UTF-8 with BOM, streamed chunk by chunk."""
    yield (BOM + ";".join(COLUMNS) + "\r\n").encode()
    for frame in lignes(perimetre, periode):
        yield frame.to_csv(
            sep=";", header=False, index=False, lineterminator="\r\n", decimal=","
        ).encode()


# The workbook ------------------------------------------------------------------------------


def classeur(
    report: dict, perimetre: Perimetre, periode: Periode, with_rows: bool
) -> Iterator[bytes]:
    """An Excel workbook: "Statistiques" (the summary) and, when allowed, "CRA" (one row per
    CRA, up to Excel's limit). Written row by row (openpyxl's write-only mode) to a temporary
    file, then sent in chunks."""
    workbook = Workbook(write_only=True)
    summary = workbook.create_sheet("Statistiques")
    summary.append([report["titre"]])
    for title, lines in blocs(report):
        summary.append([])
        summary.append([title])
        for label, value in lines:
            summary.append([label, value])
    if with_rows:
        sheet = workbook.create_sheet("CRA")
        sheet.append(list(COLUMNS))
        written = 0
        for frame in lignes(perimetre, periode):
            for row in frame.astype(object).where(frame.notna(), None).itertuples(index=False):
                if written == EXCEL_MAX_ROWS:
                    break
                sheet.append(list(row))
                written += 1
        left = nombre_de_lignes(perimetre, periode) - written
        if left > 0:
            summary.append([])
            summary.append(
                [
                    f"{left} CRA de plus que ce qu'Excel peut contenir : "
                    "utilisez l'export CSV ligne à ligne."
                ]
            )
    with tempfile.TemporaryFile() as handle:
        workbook.save(handle)
        handle.seek(0)
        while chunk := handle.read(64 * 1024):
            yield chunk


# The PDF report ----------------------------------------------------------------------------

A4 = (8.27, 11.69)


def _page_de_garde(pdf: PdfPages, report: dict) -> None:
    fig = Figure(figsize=A4)
    fig.text(0.08, 0.93, textwrap.fill(report["titre"], 48), fontsize=17, weight="bold", va="top")
    fig.text(
        0.08,
        0.86,
        f"Période du {jj_mm_aaaa(report['du'])} au {jj_mm_aaaa(report['au'])}"
        f" — édité le {jj_mm_aaaa(datetime.now(PARIS).date())}",
        fontsize=10,
        va="top",
    )
    y = 0.80
    fig.text(0.08, y, "Chiffres clés", fontsize=13, weight="bold", va="top")
    for figure in report["figures"]:
        y -= 0.045
        fig.text(0.08, y, textwrap.fill(figure["libelle"], 60), fontsize=11, va="top")
        fig.text(
            0.92,
            y,
            graphiques.nombre(figure["valeur"])
            if not isinstance(figure["valeur"], str)
            else figure["valeur"],
            fontsize=11,
            weight="bold",
            ha="right",
            va="top",
        )
    pdf.savefig(fig)


def _page_de_graphiques(pdf: PdfPages, report: dict, noms: list[str]) -> None:
    fig = Figure(figsize=A4, layout="constrained")
    for subfigure, nom in zip(fig.subfigures(len(noms), 1), noms, strict=True):
        chart, caption = subfigure.subfigures(2, 1, height_ratios=[5, 1])
        graphiques.dessiner(chart, nom, report["indicateurs"])
        text = graphiques.alternative(nom, report["indicateurs"])
        caption.text(0.02, 0.95, textwrap.fill(text, 105), fontsize=7.5, va="top")
    pdf.savefig(fig)


def rapport_pdf(report: dict) -> bytes:
    """The A4 report: title with who and period, key figures, then every chart with its
    numbers in text."""
    buffer = io.BytesIO()
    noms = list(graphiques.TITRES)
    with PdfPages(buffer, metadata={"Title": report["titre"], "Creator": "coop-cra"}) as pdf:
        _page_de_garde(pdf, report)
        for start in range(0, len(noms), 2):
            _page_de_graphiques(pdf, report, noms[start : start + 2])
    return buffer.getvalue()


# The territorial table -----------------------------------------------------------------------

TERRITOIRES_HEADER = (
    "Code;Nom;CRA enregistrés;Personnes accompagnées;"
    "Nombre d'accompagnement;Dotation de conseillers;"
    "Conum activé sur l'espace coop;Conum en attente d'activation;"
    "Taux d'activation"
)
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
    out = [TERRITOIRES_HEADER]
    out.extend(
        ";".join(str(neutraliser(line[field])) for field in TERRITOIRES_FIELDS)
        for line in table["items"]
    )
    return (BOM + "\r\n".join(out) + "\r\n").encode()


def territoires_nom(table: dict) -> str:
    """Statistiques_departements_<dd-mm-yyyy>_<dd-mm-yyyy>.csv (or _regions_)."""
    return (
        f"Statistiques_{table['maille']}s_{jj_mm_aaaa(table['du'], '-')}_"
        f"{jj_mm_aaaa(table['au'], '-')}.csv"
    )
