"""The charts of the statistics, drawn from the indicators of server/services/statistiques.py.

matplotlib's object API (Figure, no pyplot): no global figure registry, safe in threads, nothing
to close. Settings that only exist as rcParams are set once here, never changed afterwards: a
fixed SVG hash salt and no date make the same figures give the same bytes (the ETag).
"""

import hashlib
import io
import json
import re
from functools import lru_cache

import matplotlib
from flask import url_for
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import text_to_path
from matplotlib.ticker import MaxNLocator

from server.errors import ApiError
from server.services.francais import nombre

matplotlib.rcParams.update(
    {
        "svg.hashsalt": "coop-cra",
        "svg.fonttype": "none",  # real <text>: selectable, read by screen readers, smaller
        "font.family": "DejaVu Sans",
        # Labels are typed text (organismes): never parsed as math text or LaTeX, so `$…$`,
        # `\\`, `%` or `{}` are drawn as they are instead of failing.
        "text.parse_math": False,
        "text.usetex": False,
        "font.size": 11,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
)

# Okabe-Ito, the colour-blind-safe palette (black left out: it is the text colour).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442")
SIZE = (6.4, 4)
EMPTY = "Aucune donnée sur cette période"
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
FORMATS = {"svg": "image/svg+xml", "png": "image/png"}
# Change it when the drawing changes: the same figures then give new images and ETags.
RENDER_VERSION = "2"
CACHE_SIZE = 256  # images of ~10-60 KB
TITRES = {
    "themes": "Thèmes des accompagnements",
    "canaux": "Canaux d'accompagnements",
    "durees": "Durée des accompagnements",
    "temps": "Temps en accompagnement (heures)",
    "ages": "Tranches d'âge des usagers",
    "statuts": "Statut des usagers",
    "reorientations": "Usager.ères réorienté.es",
    "evolution": "Évolution des comptes rendus d'activité",
}
MOIS_COURTS = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)


def check(nom: str) -> None:
    """404 for a chart that does not exist."""
    if nom not in TITRES:
        raise ApiError(404, "Graphique inconnu.")


def libelle(text: str) -> str:
    """A typed label as one line of printable text (control characters have no glyph)."""
    return " ".join(CONTROL.sub(" ", text).split())


def _lines(nom: str, indicateurs: dict) -> list[tuple[str, float]]:
    """(label, value) pairs a chart draws; also its text alternative."""
    if nom == "reorientations":
        return _reorientations(indicateurs[nom])
    lines = indicateurs[nom]
    if nom == "temps":
        return [(line["libelle"], line["heures"]) for line in lines]
    if nom == "themes":
        return [(line["libelle"], line["nombre"]) for line in lines if line["nombre"]]
    if nom == "evolution":
        return [
            (f"{MOIS_COURTS[int(line['cle'][5:]) - 1]} {line['cle'][2:4]}", line["nombre"])
            for line in lines
        ]
    return [(line["libelle"], line["nombre"]) for line in lines]


def _reorientations(lines: list[dict]) -> list[tuple[str, float]]:
    agrees = [(line["libelle"], line["nombre"]) for line in lines if line["agree"]]
    autres = sum(line["nombre"] for line in lines if not line["agree"])
    return agrees + ([("Autres", autres)] if autres else [])


def alternative(nom: str, indicateurs: dict) -> str:
    """The numbers of a chart as French text, shown next to the image."""
    if nom in ("evolution", "reorientations"):  # full month names, every organisme named
        pairs = [(libelle(line["libelle"]), line["nombre"]) for line in indicateurs[nom]]
    else:
        pairs = _lines(nom, indicateurs)
    unit = " h" if nom == "temps" else ""
    if not any(value for _, value in pairs):
        return f"{TITRES[nom]} : {EMPTY.lower()}."
    return f"{TITRES[nom]}. " + " ; ".join(
        f"{label} : {nombre(value)}{unit}" for label, value in pairs
    )


def descriptions(indicateurs: dict, endpoint: str, **url_values) -> list[dict]:
    """Every chart of a page: name, title, URL of its SVG (endpoint and its other URL values:
    scope, period, filter) and text alternative."""
    return [
        {
            "nom": nom,
            "titre": titre,
            "url": url_for(endpoint, nom=nom, extension="svg", **url_values),
            "alternative": alternative(nom, indicateurs),
        }
        for nom, titre in TITRES.items()
    ]


def _bars(ax, labels, values, horizontal=False, unit=""):
    positions = range(len(values))
    colours = [PALETTE[i % len(PALETTE)] for i in positions] if not horizontal else PALETTE[0]
    if horizontal:
        bars = ax.barh(positions, values, color=colours)
        ax.set_yticks(list(positions), labels)
        ax.invert_yaxis()  # first line on top
        ax.set_xlim(0, max(values) * 1.2)
        ax.xaxis.set_visible(False)
        ax.spines["bottom"].set_visible(False)
    else:
        bars = ax.bar(positions, values, color=colours)
        ax.set_xticks(
            list(positions),
            [label.replace(" ", "\n", 1) if len(label) > 12 else label for label in labels],
        )
        ax.set_ylim(0, max(values) * 1.2)
        ax.yaxis.set_visible(False)
        ax.spines["left"].set_visible(False)
    ax.bar_label(bars, [f"{nombre(value)}{unit}" for value in values], padding=3)


def _stacked(ax, fig, lines):
    total = sum(line["nombre"] for line in lines)
    left = 0.0
    for i, line in enumerate(lines):
        share = line["nombre"] * 100 / total
        ax.barh([0], [share], left=left, color=PALETTE[i], label=line["libelle"], height=0.6)
        if share >= 8:
            ax.text(
                left + share / 2,
                0,
                f"{nombre(line['pourcentage'])} %",
                ha="center",
                va="center",
                color="black" if i in (1, 4, 6) else "white",
            )
        left += share
    ax.set_xlim(0, 100)
    ax.set_axis_off()
    fig.legend(loc="lower center", ncols=2, frameon=False)  # _margins() left the room below


def _draw(fig, nom: str, indicateurs: dict) -> None:
    lines = _lines(nom, indicateurs)
    labels, values = [label for label, _ in lines], [value for _, value in lines]
    ax = fig.subplots()
    if nom in ("themes", "reorientations"):
        _bars(ax, labels, values, horizontal=True)
    elif nom in ("canaux", "durees"):
        _bars(ax, labels, values)
    elif nom == "temps":
        _bars(ax, labels, values, unit=" h")
    elif nom in ("ages", "statuts"):
        _stacked(ax, fig, indicateurs[nom])
    else:
        positions = list(range(len(values)))
        # A dot per month while they can be told apart; a line alone past two years.
        ax.plot(positions, values, color=PALETTE[0], marker="o" if len(values) <= 24 else None)
        step = -(-len(positions) // 6)  # at most 6 month labels: readable at phone width
        ax.set_xticks(positions[::step], labels[::step])
        ax.set_ylim(0, max(values) * 1.2)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no 0.5 CRA
        if len(values) <= 12:
            for x, y in zip(positions, values, strict=True):
                ax.annotate(
                    nombre(y), (x, y), textcoords="offset points", xytext=(0, 6), ha="center"
                )


def dessiner(fig, nom: str, indicateurs: dict) -> bool:
    """Draw a chart into a figure: its title, then the chart, or "Aucune donnée sur cette
    période" for an empty scope. Returns whether there was something to draw."""
    fig.suptitle(TITRES[nom], fontsize=13)
    if not any(value for _, value in _lines(nom, indicateurs)):
        fig.text(0.5, 0.5, EMPTY, ha="center", va="center", fontsize=12)
        return False
    _draw(fig, nom, indicateurs)
    return True


@lru_cache(maxsize=512)
def _width(label: str) -> float:
    """A tick label's width in inches at the charts' font size; labels come from short fixed
    lists (themes, organismes, months), so each is measured once per process."""
    prop = FontProperties(
        family=matplotlib.rcParams["font.family"], size=matplotlib.rcParams["font.size"]
    )
    width, _, _ = text_to_path.get_text_width_height_descent(label, prop, ismath=False)
    return width / 72


def _margins(fig: Figure, nom: str, indicateurs: dict) -> None:
    """Place the axes by hand: a constrained layout measures every text twice more and cost
    more than drawing (chart render target: ≤ 150 ms cold)."""
    width, height = fig.get_size_inches()
    top = 1 - 0.55 / height  # the title
    if nom in ("themes", "reorientations"):
        longest = max(_width(label) for label, _ in _lines(nom, indicateurs))
        fig.subplots_adjust(left=min(0.6, (longest + 0.3) / width), right=0.9, top=top, bottom=0.03)
    elif nom in ("ages", "statuts"):
        fig.subplots_adjust(left=0.03, right=0.97, top=top, bottom=0.42)
    elif nom == "evolution":
        fig.subplots_adjust(left=0.09, right=0.97, top=top, bottom=0.1)
    else:  # columns whose long labels take two lines
        fig.subplots_adjust(left=0.03, right=0.97, top=top - 0.03, bottom=0.17)


def _figure(nom: str, indicateurs: dict) -> Figure:
    height: float = SIZE[1]
    if nom in ("themes", "reorientations"):  # one readable bar per line
        height = max(SIZE[1], 0.28 * len(_lines(nom, indicateurs)) + 1)
    fig = Figure(figsize=(SIZE[0], height))
    if dessiner(fig, nom, indicateurs):
        _margins(fig, nom, indicateurs)
    return fig


def render(nom: str, indicateurs: dict, extension: str) -> bytes:
    """One chart as SVG or PNG bytes; the same figures give the same bytes."""
    check(nom)
    buffer = io.BytesIO()
    metadata = {"Date": None} if extension == "svg" else {"Software": None}
    _figure(nom, indicateurs).savefig(buffer, format=extension, metadata=metadata, dpi=100)
    return buffer.getvalue()


@lru_cache(maxsize=CACHE_SIZE)
def _cached(nom: str, extension: str, values: str) -> bytes:
    return render(nom, {nom: json.loads(values)}, extension)


def image(nom: str, indicateurs: dict, extension: str) -> tuple[str, bytes]:
    """(ETag, bytes) of a chart; charts are cached by content: the same figures are drawn once
    per process, and the ETag, a hash of the figures, answers a revalidation without drawing."""
    check(nom)
    values = json.dumps(indicateurs[nom], sort_keys=True, ensure_ascii=False)
    key = hashlib.sha256(f"{RENDER_VERSION}|{nom}|{extension}|{values}".encode()).hexdigest()
    return key, _cached(nom, extension, values)
