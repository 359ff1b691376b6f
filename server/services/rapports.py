"""A statistics report: a scope's indicators over a period, their key figures and charts.

What the pilotage pages, the JSON API, the PWA's "Mes statistiques" and the exports show; the
figures all come from server/services/statistiques.py.
"""

from datetime import date

from server.models import User
from server.services import graphiques, perimetres, statistiques
from server.services.statistiques import Perimetre, Periode


def rapport(perimetre: Perimetre, periode: Periode, chart_endpoint: str | None = None,
            **url_values) -> dict:
    """Every indicator, the key figures, and (with an endpoint) the charts' descriptions."""
    values = statistiques.indicateurs(perimetre, periode)
    report = {"perimetre": perimetre, "du": periode.du, "au": periode.au,
              "titre": titre(perimetre, periode),
              "figures": statistiques.figures(values["general"]), "indicateurs": values,
              "graphiques": []}
    if chart_endpoint:
        filtre = {key: value for key, value in (("code_postal", perimetre.code_postal),
                                                ("code_commune", perimetre.code_commune))
                  if value}
        report["graphiques"] = graphiques.descriptions(
            values, chart_endpoint, du=periode.du.isoformat(), au=periode.au.isoformat(),
            **filtre, **url_values)
    return report


def graphique(perimetre: Perimetre, periode: Periode, nom: str,
              extension: str) -> tuple[str, bytes]:
    """One chart of a scope and period: (ETag, SVG or PNG bytes)."""
    graphiques.check(nom)
    return graphiques.image(nom, statistiques.indicateurs(perimetre, periode, (nom,)),
                            extension)


def jj_mm_aaaa(day: date, separator: str = "/") -> str:
    """A date the French way: 05/01/2022 (or 05-01-2022 in file names)."""
    return day.strftime(f"%d{separator}%m{separator}%Y")


def titre(perimetre: Perimetre, periode: Periode) -> str:
    """"Statistiques <who> <dd/mm/yyyy> - <dd/mm/yyyy>", as the original titled its exports."""
    return (f"Statistiques {perimetre.nom} {jj_mm_aaaa(periode.du)} - "
            f"{jj_mm_aaaa(periode.au)}")


def _scope_and_period(user: User | None, type_: str, ident: str,
                      args: dict) -> tuple[Perimetre, Periode]:
    perimetre = perimetres.perimetre(user, type_, ident).filtre(args.get("code_postal"),
                                                                 args.get("code_commune"))
    return perimetre, perimetres.periode(args.get("du"), args.get("au"))


def rapport_de(user: User | None, type_: str, ident: str, args: dict,
               chart_endpoint: str) -> dict:
    """The report of a scope the user may see (national: anyone), charts at that endpoint;
    default period: the programme's start → today."""
    perimetre, periode = _scope_and_period(user, type_, ident, args)
    extra = {} if type_ == "national" else {"type_": type_, "ident": ident}
    return rapport(perimetre, periode, chart_endpoint, **extra)


def graphique_de(user: User | None, type_: str, ident: str, nom: str, extension: str,
                 args: dict) -> tuple[str, bytes]:
    """One chart of a scope the user may see."""
    return graphique(*_scope_and_period(user, type_, ident, args), nom, extension)


def territoires(user: User, args: dict) -> dict:
    """The territorial table, rows limited to what the user may see (a prefet: its own)."""
    periode = perimetres.periode(args.get("du"), args.get("au"))
    lines = statistiques.par_territoire(args["maille"], periode)
    lines = [line for line in lines if perimetres.may_see(user, args["maille"], line["code"])]
    return {"maille": args["maille"], "du": periode.du, "au": periode.au, "items": lines}


def mes_statistiques(user: User, args: dict) -> dict:
    """"Mes statistiques" of the logged-in conseiller, charts served by the API."""
    perimetre = perimetres.mes_statistiques(user).filtre(args.get("code_postal"),
                                                         args.get("code_commune"))
    periode = perimetres.periode_mes_statistiques(user, args.get("du"), args.get("au"))
    return rapport(perimetre, periode, "api.statistiques.conseiller_graphique")


def mon_graphique(user: User, nom: str, extension: str, args: dict) -> tuple[str, bytes]:
    """One chart of "Mes statistiques"."""
    perimetre = perimetres.mes_statistiques(user).filtre(args.get("code_postal"),
                                                         args.get("code_commune"))
    periode = perimetres.periode_mes_statistiques(user, args.get("du"), args.get("au"))
    return graphique(perimetre, periode, nom, extension)
