"""A structure's list of conseillers for a period: those who left it are listed with the date
they left, so that the list's « CRA saisis » add up to the structure's statistics (on SQLite
and PostgreSQL: the list and the statistics are two queries over the same CRAs)."""

import re
from datetime import date
from html import unescape

import pytest

from server.extensions import db
from server.models import Emploi
from tests import test_pilotage
from tests.cra_payloads import cra_payload
from tests.test_pilotage import push

browser = test_pilotage.browser  # the fixture: a browser logged in through the login page
NOVEMBRE = {"du": "2026-11-01", "au": "2026-11-30"}


@pytest.fixture
def lyon(make_structure, make_user):
    """Lyon employs `me`; `parti` worked for Lyon until 15/11/2026, then for Marseille."""
    lyon = make_structure("Mairie de Lyon", "69123", "69001")
    marseille = make_structure("Mairie de Marseille", "13055", "13001")
    me = make_user("conseiller", structure=lyon)
    parti = make_user("conseiller", structure=lyon)
    record = parti.conseiller
    record.emplois[0].date_fin = date(2026, 11, 15)
    record.emplois.append(Emploi(structure_id=marseille.id, date_debut=date(2026, 11, 16)))
    record.structure = marseille
    db.session.commit()
    return {
        "lyon": lyon,
        "marseille": marseille,
        "me": me,
        "parti": parti,
        "structure": make_user("structure", structure=lyon),
        "admin": make_user("admin"),
    }


def rows(html: str) -> dict[str, list[str]]:
    """The list's body rows by the conseiller's last name (its first line), as text."""
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    found = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = [
            " ".join(unescape(re.sub(r"<[^>]+>", " ", cell)).split())
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        if len(cells) == 8:
            found[cells[1].split(" ")[0]] = cells
    return found


def total_of_statistics(client, login, user, structure, periode) -> int:
    response = client.get(
        f"/api/statistiques/structure/{structure.id}", headers=login(user), query_string=periode
    )
    assert response.status_code == 200, response.json
    return response.json["indicateurs"]["general"]["cra_enregistres"]


@pytest.mark.parametrize("role", ["structure", "admin"])
def test_the_list_adds_up_to_the_statistics_with_a_departed_conseiller(
    client,
    login,
    browser,
    lyon,
    role,
):
    push(client, login, lyon["me"], cra_payload(date="2026-11-03"), cra_payload(date="2026-11-20"))
    push(
        client,
        login,
        lyon["parti"],
        cra_payload(date="2026-11-02"),  # for Lyon
        cra_payload(date="2026-11-15"),  # for Lyon, their last day
        cra_payload(date="2026-11-16"),  # for Marseille
        cra_payload(date="2026-10-30"),  # for Lyon, before the period
    )
    user = lyon[role]
    page = browser(user).get(f"/pilotage/structures/{lyon['lyon'].id}", query_string=NOVEMBRE)
    assert page.status_code == 200
    listed = rows(page.text)
    me, parti = lyon["me"].conseiller, lyon["parti"].conseiller
    assert set(listed) == {me.nom, parti.nom}
    assert listed[me.nom][1] == me.nom and listed[me.nom][6] == "2"
    assert listed[parti.nom][1] == f"{parti.nom} A quitté la structure le 15/11/2026"
    assert listed[parti.nom][6] == "2"
    # the one who left comes after those who stay
    assert list(listed) == [me.nom, parti.nom]
    somme = sum(int(cells[6]) for cells in listed.values())
    total = total_of_statistics(client, login, user, lyon["lyon"], NOVEMBRE)
    assert somme == total == 4
    assert re.search(r'<td class="app-number" data-total>4</td>', page.text)


def test_a_conseiller_who_left_before_the_period_is_not_listed(client, login, browser, lyon):
    push(client, login, lyon["parti"], cra_payload(date="2026-11-02"))
    decembre = {"du": "2026-12-01", "au": "2026-12-31"}
    page = browser(lyon["structure"]).get(
        f"/pilotage/structures/{lyon['lyon'].id}", query_string=decembre
    )
    assert set(rows(page.text)) == {lyon["me"].conseiller.nom}
    assert total_of_statistics(client, login, lyon["structure"], lyon["lyon"], decembre) == 0
    assert re.search(r"<td[^>]*data-total>0</td>", page.text)


def test_the_new_employer_lists_them_as_staff_with_its_cras_only(client, login, browser, lyon):
    push(
        client,
        login,
        lyon["parti"],
        cra_payload(date="2026-11-02"),
        cra_payload(date="2026-11-16"),
    )
    page = browser(lyon["admin"]).get(
        f"/pilotage/structures/{lyon['marseille'].id}", query_string=NOVEMBRE
    )
    listed = rows(page.text)
    parti = lyon["parti"].conseiller
    assert listed[parti.nom][1] == parti.nom  # no badge: Marseille employs them
    assert listed[parti.nom][6] == "1"
    assert total_of_statistics(client, login, lyon["admin"], lyon["marseille"], NOVEMBRE) == 1
