"""Statistics: each indicator against hand-computed values (statistiques.md)."""

import re
from datetime import date

import pytest

from server.extensions import db
from server.models import Cra
from server.models.cra import THEMES
from server.services import statistiques, territoires
from server.services.statistiques import (
    INDICATEURS,
    NATIONAL,
    Perimetre,
    Periode,
    indicateurs,
    pourcentage,
)
from tests.cra_payloads import atelier_payload, cra_payload, create_op, delete_op


@pytest.fixture(params=["conseiller", "structure", "departement", "region", "national"])
def scope(request, conseiller):
    """The one conseiller's CRAs seen through each kind of scope: the first two are counted
    from the CRAs, the territorial ones from the daily totals; all must agree."""
    structure = conseiller.conseiller.structure
    return {
        "conseiller": Perimetre("conseiller", "c", conseiller_ids=(conseiller.conseiller_id,)),
        "structure": Perimetre("structure", "s", structure_id=structure.id),
        "departement": Perimetre("departement", "d", departement_code=structure.departement_code),
        "region": Perimetre("region", "r", region_code=structure.region_code),
        "national": NATIONAL,
    }[request.param]


def stat(name, periode, perimetre):
    return indicateurs(perimetre, periode, (name,))[name]


@pytest.fixture
def push(client, login, conseiller):
    headers = login(conseiller)

    def send(*operations):
        response = client.post(
            "/api/sync/push", json={"operations": list(operations)}, headers=headers
        )
        assert {r["status"] for r in response.json["results"]} == {"applied"}, response.json

    send.headers = headers
    return send


@pytest.mark.parametrize(
    "part, total, expected",
    [(1, 3, 33.3), (2, 3, 66.7), (1, 8, 12.5), (1, 16, 6.3), (0, 0, 0.0), (5, 5, 100.0)],
)
def test_percentages_round_half_up_to_one_decimal(part, total, expected):
    assert pourcentage(part, total) == expected


def test_general_block_on_a_small_fixture(app, push, conseiller, scope):
    # 2 individuels, 1 ponctuel, 1 atelier of 5 with 2 récurrents and 4 follow-ups,
    # 1 deleted CRA, 1 CRA outside the period.
    deleted = create_op(cra_payload(date="2026-11-03"))
    push(
        create_op(cra_payload(date="2026-11-02")),
        create_op(
            cra_payload(date="2026-11-05", suivi={"individuel": 1, "atelier": 0, "redirection": 0})
        ),
        create_op(cra_payload(date="2026-11-06", activite="ponctuel")),
        create_op(atelier_payload(date="2026-11-10")),
        create_op(cra_payload(date="2026-10-31")),
        deleted,
    )
    push(delete_op(deleted["cra_id"], base=deleted["op_id"]))
    figures = stat("general", Periode(date(2026, 11, 1), date(2026, 11, 30)), scope)
    assert figures == {
        "cra_enregistres": 4,
        "accompagnements": 8,
        "personnes_accompagnees": 6,
        "ateliers": 1,
        "participants_ateliers": 5,
        "individuels": 2,
        "ponctuels": 1,
        "suivi_individuel": 2,
        "suivi_atelier": 1,
        "suivi_redirection": 2,
        "suivi_total": 5,
        "suivi_pourcentage": 62.5,
    }


def test_empty_period_gives_zeros(app, conseiller, scope):
    figures = stat("general", Periode(date(2021, 1, 1), date(2021, 1, 31)), scope)
    assert set(figures.values()) == {0}


def test_mes_statistiques_api(client, push):
    push(create_op(cra_payload(date="2026-11-02")))
    response = client.get(
        "/api/statistiques/conseiller",
        query_string={"du": "2026-11-01", "au": "2026-11-30"},
        headers=push.headers,
    )
    assert response.status_code == 200
    values = {f["cle"]: f["valeur"] for f in response.json["figures"]}
    assert values["cra_enregistres"] == 1 and values["suivi_pourcentage"] == "0,0 %"
    assert response.json["figures"][0]["libelle"] == (
        "Personnes totales accompagnées durant cette période"
    )


def test_mes_statistiques_checks_the_period(client, push):
    response = client.get(
        "/api/statistiques/conseiller",
        query_string={"du": "2026-11-30", "au": "2026-11-01"},
        headers=push.headers,
    )
    assert response.status_code == 422 and "précéder" in response.json["errors"]["du"][0]


def test_dates_are_read_as_people_write_them_and_refused_in_those_words(client, push):
    push(create_op(cra_payload(date="2026-11-02")))
    french = client.get(
        "/api/statistiques/conseiller",
        query_string={"du": "01/11/2026", "au": "30/11/2026"},
        headers=push.headers,
    )
    assert french.status_code == 200 and french.json["du"] == "2026-11-01"
    wrong = client.get(
        "/api/statistiques/conseiller",
        query_string={"du": "2026-13-01", "au": "2026-11-30"},
        headers=push.headers,
    )
    assert wrong.status_code == 422
    assert wrong.json["errors"]["du"] == ["Date invalide (format attendu : JJ/MM/AAAA)."]


# --- every indicator on one fixture ------------------------------------------------------------
NOVEMBRE = Periode(date(2026, 11, 1), date(2026, 11, 30))


@pytest.fixture
def octobre(push):
    """Four CRAs counted in October, one deleted, one in September, one in November:
    - individuel, distance, 30-60, courriel, 18-35 sans emploi (cra_payload as is)
    - ponctuel, domicile, 0-30, courriel + budget, 12-18 étudiant, redirection CAF 1
    - atelier of 5 (2 récurrents), rattachement, 60+ 90 min, santé (Mon espace santé) +
      sécurité, redirections CAF 1 + "Maison du Vélo" 1 (atelier_payload)
    - individuel, distance, 60+ 150 min, santé without précision, plus de 60 ans retraité,
      redirection Mairie 1
    """
    deleted = create_op(cra_payload(date="2026-10-03", themes=["budget"]))
    push(
        create_op(cra_payload(date="2026-10-02")),
        create_op(
            cra_payload(
                date="2026-10-06",
                activite="ponctuel",
                canal="domicile",
                duree="0-30",
                themes=["courriel", "budget"],
                age={
                    "moins12ans": 0,
                    "de12a18ans": 1,
                    "de18a35ans": 0,
                    "de35a60ans": 0,
                    "plus60ans": 0,
                },
                statut={
                    "etudiant": 1,
                    "sansEmploi": 0,
                    "enEmploi": 0,
                    "retraite": 0,
                    "heterogene": 0,
                },
                suivi={"individuel": 0, "atelier": 0, "redirection": 1},
                organismes=[{"nom": "CAF", "nombre": 1}],
            )
        ),
        create_op(atelier_payload(date="2026-10-10", canal="autre lieu")),
        create_op(
            cra_payload(
                date="2026-10-31",
                duree="60+",
                duree_minutes=150,
                themes=["sante"],
                age={
                    "moins12ans": 0,
                    "de12a18ans": 0,
                    "de18a35ans": 0,
                    "de35a60ans": 0,
                    "plus60ans": 1,
                },
                statut={
                    "etudiant": 0,
                    "sansEmploi": 0,
                    "enEmploi": 0,
                    "retraite": 1,
                    "heterogene": 0,
                },
                suivi={"individuel": 0, "atelier": 0, "redirection": 1},
                organismes=[{"nom": "Mairie", "nombre": 1}],
            )
        ),
        create_op(cra_payload(date="2026-09-30", themes=["budget"], canal="domicile")),
        create_op(cra_payload(date="2026-11-01", themes=["budget"], canal="domicile")),
        deleted,
    )
    push(delete_op(deleted["cra_id"], base=deleted["op_id"]))
    return Periode(date(2026, 10, 1), date(2026, 10, 31))


def by_key(lines, field="nombre"):
    return {line["cle"]: line[field] for line in lines}


def test_themes_count_cras_per_theme_in_the_order_of_the_form(app, octobre, scope):
    lines = stat("themes", octobre, scope)
    assert [line["cle"] for line in lines] == [*THEMES, "espace-sante"]
    counts = {key: n for key, n in by_key(lines).items() if n}
    # 6 mentions: courriel 2, budget 1, santé 2, sécurité 1; the sous-thème is not one.
    assert counts == {"courriel": 2, "budget": 1, "sante": 2, "securite": 1, "espace-sante": 1}
    shares = by_key(lines, "pourcentage")
    assert (shares["courriel"], shares["budget"], shares["espace-sante"]) == (33.3, 16.7, 16.7)
    assert lines[-1]["libelle"] == "Mon espace santé"
    assert by_key(lines, "libelle")["internet"] == "Naviguer sur Internet"


def test_canaux_count_cras_and_their_share(app, conseiller, octobre, scope):
    lines = stat("canaux", octobre, scope)
    assert by_key(lines) == {"rattachement": 0, "autre lieu": 1, "distance": 2, "domicile": 1}
    assert by_key(lines, "pourcentage") == {
        "rattachement": 0.0,
        "autre lieu": 25.0,
        "distance": 50.0,
        "domicile": 25.0,
    }


def test_durees_split_one_hour_or_more_at_two_hours(app, conseiller, octobre, scope):
    assert by_key(stat("durees", octobre, scope)) == {"0-30": 1, "30-60": 1, "60-120": 1, "120+": 1}


def test_temps_counts_the_upper_bound_of_short_durations(app, octobre, scope):
    lines = stat("temps", octobre, scope)
    # individuel 60 + 150, atelier 90, ponctuel 30
    assert by_key(lines, "minutes") == {"collectif": 90, "individuel": 210, "ponctuel": 30}
    assert by_key(lines, "heures") == {"collectif": 1.5, "individuel": 3.5, "ponctuel": 0.5}


def test_ages_and_statuts_are_shares_of_accompagnements(app, octobre, scope):
    # 8 accompagnements: 1 + 1 + 5 + 1
    assert by_key(stat("ages", octobre, scope)) == {
        "moins12ans": 0,
        "de12a18ans": 2,
        "de18a35ans": 2,
        "de35a60ans": 1,
        "plus60ans": 3,
    }
    assert by_key(stat("ages", octobre, scope), "pourcentage")["plus60ans"] == 37.5
    lines = stat("statuts", octobre, scope)
    assert by_key(lines) == {
        "etudiant": 2,
        "sansEmploi": 2,
        "enEmploi": 1,
        "retraite": 3,
        "heterogene": 0,
    }
    assert by_key(lines, "pourcentage")["enEmploi"] == 12.5


def test_reorientations_sum_per_organisme_free_text_flagged(app, octobre, scope):
    assert stat("reorientations", octobre, scope) == [
        {"cle": "CAF", "libelle": "CAF", "nombre": 2, "pourcentage": 50.0, "agree": True},
        {"cle": "Mairie", "libelle": "Mairie", "nombre": 1, "pourcentage": 25.0, "agree": True},
        {
            "cle": "Maison du Vélo",
            "libelle": "Maison du Vélo",
            "nombre": 1,
            "pourcentage": 25.0,
            "agree": False,
        },
    ]


def test_evolution_lists_every_month_of_the_period(app, conseiller, octobre, scope):
    lines = stat("evolution", Periode(date(2026, 8, 15), date(2026, 11, 1)), scope)
    # the November CRA is on the last day of the period: counted (no lag)
    assert [(line["cle"], line["nombre"]) for line in lines] == [
        ("2026-08", 0),
        ("2026-09", 1),
        ("2026-10", 4),
        ("2026-11", 1),
    ]
    assert lines[0]["libelle"] == "août 2026"


def test_evolution_crosses_the_year(app, conseiller, scope):
    lines = stat("evolution", Periode(date(2025, 12, 31), date(2026, 1, 1)), scope)
    assert by_key(lines) == {"2025-12": 0, "2026-01": 0}


def test_only_ponctuels(app, push, conseiller, scope):
    push(
        create_op(cra_payload(activite="ponctuel", duree="0-30")),
        create_op(cra_payload(activite="ponctuel", duree="0-30", themes=["budget"])),
    )
    values = indicateurs(scope, NOVEMBRE)
    assert values["general"]["ponctuels"] == 2 and values["general"]["accompagnements"] == 2
    assert by_key(values["temps"], "minutes") == {"collectif": 0, "individuel": 0, "ponctuel": 60}
    assert by_key(values["durees"])["0-30"] == 2
    assert values["reorientations"] == []


def test_recurrents_count_in_accompagnements_not_in_personnes(app, push, scope):
    push(create_op(atelier_payload()), create_op(atelier_payload(nb_recurrents=5)))
    values = indicateurs(scope, NOVEMBRE)
    assert values["general"]["accompagnements"] == 10
    assert values["general"]["personnes_accompagnees"] == 3
    assert by_key(values["ages"])["plus60ans"] == 4


def test_an_empty_period_gives_zeros_everywhere(app, push, conseiller, scope):
    push(create_op(cra_payload()))
    values = indicateurs(scope, Periode(date(2021, 1, 1), date(2021, 2, 28)))
    for name in ("themes", "canaux", "durees", "ages", "statuts", "evolution"):
        assert {line["nombre"] for line in values[name]} == {0}, name
        assert {line.get("pourcentage", 0.0) for line in values[name]} == {0.0}, name
    assert {line["minutes"] for line in values["temps"]} == {0}
    assert values["reorientations"] == []
    assert len(values["evolution"]) == 2


def test_other_conseillers_cras_are_not_counted(app, conseiller, make_user, login, client):
    other = make_user("conseiller", structure=conseiller.conseiller.structure)
    response = client.post(
        "/api/sync/push", json={"operations": [create_op()]}, headers=login(other)
    )
    assert response.status_code == 200

    def distance(user):
        scope = Perimetre("conseiller", "c", conseiller_ids=(user.conseiller_id,))
        return by_key(stat("canaux", NOVEMBRE, scope))["distance"]

    assert (distance(conseiller), distance(other)) == (0, 1)


def test_mes_statistiques_gives_indicators_and_charts(client, push):
    push(create_op(cra_payload(date="2026-11-02", themes=["courriel", "budget"])))
    response = client.get(
        "/api/statistiques/conseiller",
        query_string={"du": "2026-11-01", "au": "2026-11-30"},
        headers=push.headers,
    )
    assert response.status_code == 200
    assert set(response.json["indicateurs"]) == set(INDICATEURS)
    charts = {chart["nom"]: chart for chart in response.json["graphiques"]}
    assert list(charts) == [
        "themes",
        "canaux",
        "durees",
        "temps",
        "ages",
        "statuts",
        "reorientations",
        "evolution",
    ]
    assert charts["themes"]["url"] == (
        "/api/statistiques/conseiller/graphiques/themes.svg?du=2026-11-01&au=2026-11-30"
    )
    assert charts["themes"]["alternative"] == (
        "Thèmes des accompagnements. Budget : 1 ; Courriels : 1"
    )
    assert charts["temps"]["alternative"].endswith("Demande ponctuelle : 0 h")
    assert "sur cette période" in charts["reorientations"]["alternative"]


def test_mes_statistiques_refuses_a_period_ending_after_2099(client, push):
    response = client.get(
        "/api/statistiques/conseiller", query_string={"au": "2100-01-01"}, headers=push.headers
    )
    assert response.status_code == 422 and "au" in response.json["errors"]


@pytest.mark.parametrize(
    "code_commune, code_postal, nom, commune, departement",
    [
        ("75114", "75014", "Paris 14e Arrondissement", "75056", "75"),
        ("69382", "69002", "Lyon 2e Arrondissement", "69123", "69"),
        ("13201", "13001", "Marseille 1er Arrondissement", "13055", "13"),
        ("01330", "01260", "Ruffieu", "01187", "01"),  # commune déléguée of Haut Valromey
    ],
)
def test_a_cra_in_an_arrondissement_or_commune_deleguee_is_counted_in_its_commune(
    app,
    client,
    login,
    make_user,
    make_structure,
    code_commune,
    code_postal,
    nom,
    commune,
    departement,
):
    parent = territoires.commune(commune)
    structure = make_structure(
        nom="Mairie", code_commune=commune, code_postal=parent.codes_postaux[0].code_postal
    )
    headers = login(make_user("conseiller", structure=structure))
    cra = cra_payload(code_commune=code_commune, code_postal=code_postal, nom_commune="typed")
    response = client.post("/api/sync/push", json={"operations": [create_op(cra)]}, headers=headers)
    assert [r["status"] for r in response.json["results"]] == ["applied"], response.json
    stored = db.session.query(Cra).one()
    assert (stored.code_commune, stored.nom_commune) == (code_commune, nom)  # kept as picked
    november = Periode(date(2026, 11, 1), date(2026, 11, 30))

    def cras(perimetre):
        return stat("general", november, perimetre)["cra_enregistres"]

    assert cras(Perimetre("departement", "d", departement_code=departement)) == 1
    assert cras(Perimetre("region", "r", region_code=parent.region_code)) == 1
    assert cras(NATIONAL.filtre(None, commune)) == 1  # the commune counts its parts
    assert cras(NATIONAL.filtre(None, code_commune)) == 1  # and each part on its own
    other_part = "75115" if commune == "75056" else "69381" if commune == "69123" else "13202"
    assert cras(NATIONAL.filtre(None, other_part)) == 0


def test_paris_figures_per_arrondissement(app, client, login, make_user, make_structure):
    paris = make_structure(nom="Mairie de Paris", code_commune="75056", code_postal="75014")
    headers = login(make_user("conseiller", structure=paris))
    places = [("75114", "75014"), ("75114", "75014"), ("75115", "75015"), ("75056", "75001")]
    operations = [
        create_op(cra_payload(code_commune=code, code_postal=cp)) for code, cp in places
    ] + [create_op(atelier_payload(code_commune="75114", code_postal="75014"))]
    response = client.post("/api/sync/push", json={"operations": operations}, headers=headers)
    assert {r["status"] for r in response.json["results"]} == {"applied"}
    november = Periode(date(2026, 11, 1), date(2026, 11, 30))
    lines = statistiques.par_arrondissement(NATIONAL.filtre(None, "75056"), november)
    assert len(lines) == 21 and lines[0]["nom"] == "Paris 1er Arrondissement"
    shown = {line["code"]: line for line in lines}
    assert shown["75114"] == {
        "code": "75114",
        "nom": "Paris 14e Arrondissement",
        "cras": 3,
        "accompagnements": 7,
        "personnes_accompagnees": 5,
    }
    assert (shown["75115"]["cras"], shown["75101"]["cras"]) == (1, 0)
    assert lines[-1] == {
        "code": "75056",
        "nom": "Sans arrondissement",
        "cras": 1,
        "accompagnements": 1,
        "personnes_accompagnees": 1,
    }
    assert sum(line["cras"] for line in lines) == 5
    assert len(statistiques.par_arrondissement(NATIONAL.filtre(None, "69123"), november)) == 9
    for other in ("75114", "69266", None):  # an arrondissement, a commune without, no filter
        assert statistiques.par_arrondissement(NATIONAL.filtre(None, other), november) == []
    page = client.get(
        "/statistiques",
        query_string={
            "du": "2026-11-01",
            "au": "2026-11-30",
            "code_postal": "75014",
            "code_commune": "75056",
        },
    )
    assert '<option value="75114">Paris 14e Arrondissement</option>' in page.text
    row = re.search(r'<tr data-arrondissement="75114">(.*?)</tr>', page.text).group(1)
    assert row == '<th scope="row">Paris 14e Arrondissement</th><td>3</td><td>5</td><td>7</td>'
