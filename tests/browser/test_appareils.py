"""« Mes appareils » in a real Chromium: the app reports its device with its pushes, the
conseiller sees it (and another one) with its last sync in Paris time and its version by its
date, and forgets one, each button naming its device; the section has no serious
accessibility violation."""

import uuid
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from server.extensions import db
from server.models import Appareil
from server.services import francais
from tests.browser.conftest import serious_violations
from tests.browser.test_pwa import fill_individual_cra, log_in, waiting_text
from tests.cra_payloads import create_op


@pytest.fixture
def conseiller(make_user, make_structure):
    return make_user("conseiller", structure=make_structure())


def devices() -> dict[str, Appareil]:
    db.session.expire_all()
    return {str(row.appareil_id): row for row in db.session.scalars(select(Appareil))}


def test_the_app_reports_its_device_which_the_conseiller_sees_and_may_forget(
    app, axe_page, live_server, conseiller, client, login
):
    # The date of the served version's sources (the build's, from git): restored after the test.
    app.config["APP_VERSION_DATE"] = datetime(2026, 12, 7, 13, 5, tzinfo=UTC)
    page = axe_page()
    log_in(page, live_server, conseiller)
    fill_individual_cra(page, annotation="Depuis ce téléphone")
    waiting_text(page, 0).wait_for()
    mine, label = page.evaluate(
        """async () => {
        const { deviceId, deviceLabel } = await import('/js/appareil.js');
        return [await deviceId(), deviceLabel()];
    }"""
    )
    row = devices()[mine]
    assert (row.libelle, row.version, row.en_attente) == (label, app.config["APP_VERSION"], 0)
    assert row.derniere_synchro is not None and not row.en_erreur
    # Another device of the same conseiller, known to the server from its own push.
    other = str(uuid.uuid4())
    answer = client.post(
        "/api/sync/push",
        json={
            "operations": [create_op()],
            "appareil": "Windows · Firefox",
            "appareil_id": other,
            "version": "0123456789ab",
            "en_attente": 2,
        },
        headers=login(conseiller),
    )
    assert answer.status_code == 200
    page.get_by_role("link", name="Rappels").click()
    section = page.locator("[data-region='appareils']")
    here = section.locator(f"[data-appareil='{mine}']")
    expect(here).to_contain_text(f"{label} (cet appareil)")
    expect(here).to_contain_text(
        f"Dernier envoi réussi : {francais.date_heure(row.derniere_synchro)}"
        " · 0 opération en attente · version du 07/12/2026 14:05"
    )
    there = section.locator(f"[data-appareil='{other}']")
    expect(there).to_contain_text("Windows · Firefox")
    expect(there).to_contain_text("2 opérations en attente · ancienne version (0123456)")
    there.get_by_role("button", name="Oublier cet appareil").click()
    expect(section.get_by_role("status")).to_have_text("Appareil oublié.")
    expect(there).to_have_count(0)
    expect(here).to_have_count(1)
    assert list(devices()) == [mine]
    assert serious_violations(page) == []


def test_each_forget_button_names_its_device_after_its_visible_text(
    axe_page, live_server, conseiller, client, login
):
    """Two phones of one kind: « Oublier cet appareil » alone would name both buttons alike
    (RGAA 11.9); each accessible name starts with that visible text and says which device."""
    page = axe_page()
    log_in(page, live_server, conseiller)
    synced = {
        str(uuid.uuid4()): datetime(2026, 12, 7, 13, 5, tzinfo=UTC),
        str(uuid.uuid4()): datetime(2026, 12, 8, 8, 30, tzinfo=UTC),
    }
    for appareil_id, moment in synced.items():
        answer = client.post(
            "/api/sync/push",
            json={"operations": [], "appareil": "Android · Chrome", "appareil_id": appareil_id},
            headers=login(conseiller),
        )
        assert answer.status_code == 200
        db.session.execute(
            update(Appareil)
            .where(Appareil.appareil_id == uuid.UUID(appareil_id))
            .values(derniere_synchro=moment)
        )
    db.session.commit()
    page.get_by_role("link", name="Rappels").click()
    section = page.locator("[data-region='appareils']")
    expect(section.get_by_role("button")).to_have_count(2)
    first, second = synced
    expect(
        section.locator(f"[data-appareil='{first}']").get_by_role("button")
    ).to_have_accessible_name(
        "Oublier cet appareil : Android · Chrome, dernier envoi réussi le 07/12/2026 à 14:05"
    )
    expect(
        section.locator(f"[data-appareil='{second}']").get_by_role("button")
    ).to_have_accessible_name(
        "Oublier cet appareil : Android · Chrome, dernier envoi réussi le 08/12/2026 à 09:30"
    )
    assert serious_violations(page) == []
