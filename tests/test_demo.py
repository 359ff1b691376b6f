"""Demo data: deterministic, realistic, one working login per role."""

import pytest
from sqlalchemy import select

from server.extensions import db
from server.models import Conseiller, Coordination, Structure, User
from server.services import demo


def snapshot():
    structures = [(s.nom, s.siret, s.code_commune, s.dotation)
                  for s in db.session.scalars(select(Structure).order_by(Structure.id))]
    conseillers = [(c.prenom, c.nom, c.email_pro, c.date_recrutement, c.certifie, c.active)
                   for c in db.session.scalars(select(Conseiller).order_by(Conseiller.id))]
    return structures, conseillers


def clear():
    for model in (Coordination, User):
        db.session.execute(model.__table__.delete())
    db.session.execute(Conseiller.emplois.property.mapper.local_table.delete())
    db.session.execute(Conseiller.__table__.delete())
    db.session.execute(Structure.__table__.delete())
    db.session.commit()


def test_same_seed_gives_the_same_data(app):
    demo.seed("Coop-Demo-2026!", 7)
    first = snapshot()
    clear()
    demo.seed("Coop-Demo-2026!", 7)
    assert snapshot() == first
    clear()
    demo.seed("Coop-Demo-2026!", 8)
    assert snapshot() != first


def test_demo_is_spread_over_real_territories(app):
    demo.seed("Coop-Demo-2026!")
    structures = db.session.scalars(select(Structure)).all()
    assert len({s.region_code for s in structures}) >= 5
    assert {"2A", "974"} <= {s.departement_code for s in structures}
    conseillers = db.session.scalars(select(Conseiller)).all()
    assert any(c.active for c in conseillers) and any(not c.active for c in conseillers)
    assert any(c.certifie for c in conseillers) and any(not c.certifie for c in conseillers)
    assert all(c.date_fin_formation > c.date_recrutement for c in conseillers)
    assert db.session.scalar(select(db.func.count()).select_from(Coordination)) >= 5


@pytest.mark.parametrize("role", ["conseiller", "coordinateur", "structure", "prefet", "admin"])
def test_demo_logins_work_and_see_the_demo_conseiller(runner, client, role):
    assert "Démo créée" in runner.invoke(args=["demo", "seed"]).output
    assert "déjà présentes" in runner.invoke(args=["demo", "seed", "--if-empty"]).output
    email = next(e for r, e in demo.DEMO_ACCOUNTS.items() if r.value == role)
    response = client.post("/api/auth/login", json={"email": email,
                                                    "password": "Coop-Demo-2026!"})
    assert response.status_code == 200
    headers = {"Authorization": f"Bearer {response.json['access_token']}"}
    conseiller = db.session.scalar(select(User).where(
        User.email == demo.DEMO_ACCOUNTS[demo.Role.CONSEILLER])).conseiller_id
    assert client.get(f"/api/conseillers/{conseiller}", headers=headers).status_code == 200


def test_accounts_command_prints_every_role(runner):
    output = runner.invoke(args=["demo", "accounts"]).output
    assert all(email in output for email in demo.DEMO_ACCOUNTS.values())
    assert "Coop-Demo-2026!" in output
