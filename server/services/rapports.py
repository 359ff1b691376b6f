"""A statistics report: a scope's indicators over a period, their key figures and charts.

What the pilotage pages, the JSON API, the PWA's "Mes statistiques" and the exports show; the
figures all come from server/services/statistiques.py.
"""

from typing import Any

from server.errors import ApiError
from server.extensions import db
from server.models import User
from server.services import audit, exports, francais, graphiques, perimetres, statistiques
from server.services.statistiques import Perimetre, Periode


def rapport(
    perimetre: Perimetre,
    periode: Periode,
    chart_endpoint: str | None = None,
    noms_libres: bool = True,
    **url_values,
) -> dict:
    """Every indicator, the key figures, and (with an endpoint) the charts' descriptions;
    without `noms_libres`, typed organisme names are counted under « Autres »."""
    values = statistiques.indicateurs(perimetre, periode)
    if not noms_libres:
        values["reorientations"] = statistiques.reorientations_publiques(values["reorientations"])
    report = {
        "perimetre": perimetre,
        "du": periode.du,
        "au": periode.au,
        "titre": titre(perimetre, periode),
        "figures": statistiques.figures(values["general"]),
        "indicateurs": values,
        "arrondissements": statistiques.par_arrondissement(perimetre, periode),
        "graphiques": [],
    }
    if chart_endpoint:
        filtre = {
            key: value
            for key, value in (
                ("code_postal", perimetre.code_postal),
                ("code_commune", perimetre.code_commune),
            )
            if value
        }
        report["graphiques"] = graphiques.descriptions(
            values,
            chart_endpoint,
            du=periode.du.isoformat(),
            au=periode.au.isoformat(),
            **filtre,
            **url_values,
        )
    return report


def graphique(
    perimetre: Perimetre, periode: Periode, nom: str, extension: str, noms_libres: bool = True
) -> tuple[str, bytes]:
    """One chart of a scope and period: (ETag, SVG or PNG bytes)."""
    graphiques.check(nom)
    values = statistiques.indicateurs(perimetre, periode, (nom,))
    if nom == "reorientations" and not noms_libres:
        values[nom] = statistiques.reorientations_publiques(values[nom])
    return graphiques.image(nom, values, extension)


def titre(perimetre: Perimetre, periode: Periode) -> str:
    """ "Statistiques <who> <dd/mm/yyyy> - <dd/mm/yyyy>", as the original titled its exports."""
    return (
        f"Statistiques {perimetre.nom} {francais.jj_mm_aaaa(periode.du)} - "
        f"{francais.jj_mm_aaaa(periode.au)}"
    )


def _scope_and_period(
    user: User | None, type_: str, ident: str, args: dict
) -> tuple[Perimetre, Periode]:
    perimetre = perimetres.perimetre(user, type_, ident).filtre(
        args.get("code_postal"), args.get("code_commune")
    )
    return perimetre, perimetres.periode(args.get("du"), args.get("au"))


def rapport_de(user: User | None, type_: str, ident: str, args: dict, chart_endpoint: str) -> dict:
    """The report of a scope the user may see (national: anyone), charts at that endpoint;
    default period: the programme's start → today."""
    perimetre, periode = _scope_and_period(user, type_, ident, args)
    extra = {} if type_ == "national" else {"type_": type_, "ident": ident}
    noms_libres = perimetres.lignes_autorisees(user, perimetre)
    return rapport(perimetre, periode, chart_endpoint, noms_libres, **extra)


def graphique_de(
    user: User | None, type_: str, ident: str, nom: str, extension: str, args: dict
) -> tuple[str, bytes]:
    """One chart of a scope the user may see."""
    perimetre, periode = _scope_and_period(user, type_, ident, args)
    noms_libres = perimetres.lignes_autorisees(user, perimetre)
    return graphique(perimetre, periode, nom, extension, noms_libres)


def territoires(user: User, args: dict) -> dict:
    """The territorial table, rows limited to what the user may see (a prefet: its own)."""
    periode = perimetres.periode(args.get("du"), args.get("au"))
    lines = statistiques.par_territoire(args["maille"], periode)
    lines = [line for line in lines if perimetres.may_see(user, args["maille"], line["code"])]
    return {"maille": args["maille"], "du": periode.du, "au": periode.au, "items": lines}


def mes_statistiques(user: User, args: dict) -> dict:
    """ "Mes statistiques" of the logged-in conseiller, charts served by the API."""
    perimetre = perimetres.mes_statistiques(user).filtre(
        args.get("code_postal"), args.get("code_commune")
    )
    periode = perimetres.periode_mes_statistiques(user, args.get("du"), args.get("au"))
    return rapport(perimetre, periode, "api.statistiques.conseiller_graphique")


def mon_graphique(user: User, nom: str, extension: str, args: dict) -> tuple[str, bytes]:
    """One chart of "Mes statistiques"."""
    perimetre = perimetres.mes_statistiques(user).filtre(
        args.get("code_postal"), args.get("code_commune")
    )
    periode = perimetres.periode_mes_statistiques(user, args.get("du"), args.get("au"))
    return graphique(perimetre, periode, nom, extension)


ROWS_REFUSED = (
    "L'export ligne à ligne des CRA de ce périmètre est réservé à ceux qui peuvent "
    "voir chacun d'eux : téléchargez le résumé (CSV ou PDF)."
)


def _journal_export(user: User | None, filename: str) -> None:
    """A download of CRAs row by row goes in the journal of sensitive actions (its file name
    says the scope and the period)."""
    audit.noter("export_lignes", user, filename)
    db.session.commit()


def _export(user: User | None, perimetre: Perimetre, periode: Periode, format_: str) -> dict:
    """{filename, mimetype, body (bytes or an iterator of bytes), lignes (rows, or None)}."""
    rows_allowed = perimetres.lignes_autorisees(user, perimetre)
    export: dict[str, Any] = {
        "filename": exports.nom_fichier(perimetre, periode, format_),
        "mimetype": exports.FORMATS[format_],
        "lignes": None,
    }
    if format_ == "cras.csv":
        if not rows_allowed:
            raise ApiError(403, ROWS_REFUSED)
        _journal_export(user, export["filename"])
        export["lignes"] = exports.nombre_de_lignes(perimetre, periode)
        export["body"] = exports.cras_csv(perimetre, periode)
        return export
    report = rapport(perimetre, periode, noms_libres=rows_allowed)
    if format_ == "xlsx" and rows_allowed:
        _journal_export(user, export["filename"])
        export["lignes"] = report["indicateurs"]["general"]["cra_enregistres"]
        export["body"] = exports.classeur(report, perimetre, periode, True)
        return export
    build = {
        "resume.csv": lambda: exports.resume_csv(report),
        "pdf": lambda: exports.rapport_pdf(report),
        "xlsx": lambda: b"".join(exports.classeur(report, perimetre, periode, False)),
    }[format_]
    # The same figures give the same file: built once, revalidated by its ETag.
    etag = export["etag"] = exports.cle(report, format_)
    export["body"] = exports.en_cache(etag, build)
    return export


def export_de(user: User | None, type_: str, ident: str, format_: str, args: dict) -> dict:
    """An export of a scope the user may see (national: the figures for anyone)."""
    return _export(user, *_scope_and_period(user, type_, ident, args), format_)


def mon_export(user: User, format_: str, args: dict) -> dict:
    """An export of "Mes statistiques"."""
    perimetre = perimetres.mes_statistiques(user).filtre(
        args.get("code_postal"), args.get("code_commune")
    )
    periode = perimetres.periode_mes_statistiques(user, args.get("du"), args.get("au"))
    return _export(user, perimetre, periode, format_)


def export_territoires(user: User, args: dict) -> dict:
    """The territorial table as CSV."""
    table = territoires(user, args)
    return {
        "filename": exports.territoires_nom(table),
        "mimetype": "text/csv",
        "body": exports.territoires_csv(table),
        "lignes": len(table["items"]),
    }
