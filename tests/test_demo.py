"""Demo data: deterministic, realistic, one working login per role, CRAs that sync."""

from collections import Counter
from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from server.extensions import db
from server.models import (
    Conseiller,
    Coordination,
    Cra,
    CraCoordination,
    CraOperation,
    Document,
    LieuActivite,
    Role,
    Structure,
    User,
)
from server.models.coordination import COORDINATION_CONTENT
from server.models.cra import CONTENT_COLUMNS, ORGANISMES, TYPES_ACCES
from server.schemas.coordinations import CraCoordinationSchema
from server.schemas.lieux import LieuActiviteSchema
from server.services import demo, ressourcerie, territoires
from server.services.cras import cra_schema

PASSWORD = "Coop-Demo-2026!"
DAY = date(2026, 11, 23)  # the CRAs of a seed stop the day before
STAMPS = ("id", "head", "version", "deleted", "received_at", "updated_at")


def snapshot():
    structures = [
        (s.nom, s.siret, s.code_commune, s.dotation)
        for s in db.session.scalars(select(Structure).order_by(Structure.id))
    ]
    conseillers = [
        (c.prenom, c.nom, c.email_pro, c.date_recrutement, c.certifie, c.active, c.sync_seq)
        for c in db.session.scalars(select(Conseiller).order_by(Conseiller.id))
    ]
    # Ids of people and lieux come from sequences: compare them by e-mail and name.
    lieux = db.session.execute(
        select(
            Conseiller.email_pro,
            LieuActivite.nom,
            LieuActivite.code_postal,
            LieuActivite.type_acces,
            LieuActivite.principal,
        )
        .join(Conseiller, LieuActivite.conseiller_id == Conseiller.id)
        .order_by(LieuActivite.id)
    ).all()
    content = [getattr(Cra, name) for name in CONTENT_COLUMNS if name != "lieu_activite_id"]
    cras = db.session.execute(
        select(
            Cra.id,
            Cra.head,
            Cra.seq,
            Cra.received_at,
            Conseiller.email_pro,
            LieuActivite.nom,
            *content,
        )
        .join(Conseiller, Cra.conseiller_id == Conseiller.id)
        .outerjoin(LieuActivite, Cra.lieu_activite_id == LieuActivite.id)
        .order_by(Conseiller.email_pro, Cra.seq)
    ).all()
    return structures, conseillers, lieux, cras


def clear():
    for model in (CraOperation, Cra, CraCoordination, Document, LieuActivite, Coordination, User):
        db.session.execute(model.__table__.delete())
    db.session.execute(Conseiller.emplois.property.mapper.local_table.delete())
    db.session.execute(Conseiller.__table__.delete())
    db.session.execute(Structure.__table__.delete())
    db.session.commit()


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def activated_conseillers() -> list[Conseiller]:
    return [c for c in db.session.scalars(select(Conseiller)) if c.active]


def test_same_seed_gives_the_same_data(app):
    demo.seed(PASSWORD, 7, cras=1000, today=DAY)
    first = snapshot()
    assert len(first[3]) == 1000
    clear()
    demo.seed(PASSWORD, 7, cras=1000, today=DAY)
    assert snapshot() == first
    clear()
    demo.seed(PASSWORD, 8, cras=1000, today=DAY)
    assert snapshot() != first


def test_demo_is_spread_over_real_territories(app):
    demo.seed(PASSWORD)
    structures = db.session.scalars(select(Structure)).all()
    assert len({s.region_code for s in structures}) >= 5
    assert {"2A", "974"} <= {s.departement_code for s in structures}
    conseillers = db.session.scalars(select(Conseiller)).all()
    assert any(c.active for c in conseillers) and any(not c.active for c in conseillers)
    assert any(c.certifie for c in conseillers) and any(not c.certifie for c in conseillers)
    assert all(c.date_fin_formation > c.date_recrutement for c in conseillers)
    assert db.session.scalar(select(db.func.count()).select_from(Coordination)) >= 5


def test_each_conseiller_has_one_principal_lieu_in_their_departement(app):
    demo.seed(PASSWORD, cras=0)
    schema = LieuActiviteSchema()
    for conseiller in db.session.scalars(select(Conseiller)):
        lieux = db.session.scalars(
            select(LieuActivite).where(LieuActivite.conseiller_id == conseiller.id)
        ).all()
        assert 1 <= len(lieux) <= 3
        assert [lieu.principal for lieu in lieux].count(True) == 1
        for lieu in lieux:
            commune = territoires.commune(lieu.code_commune)
            assert commune.departement_code == conseiller.structure.departement_code
            assert territoires.commune_has_code_postal(commune.code, lieu.code_postal)
            assert lieu.ville == commune.nom
            assert lieu.type_acces and set(lieu.type_acces) <= set(TYPES_ACCES)
            wire = {k: v for k, v in schema.dump(lieu).items() if k not in ("id", "ville")}
            schema.load(wire)


def test_seeded_cras_pass_the_cra_schema(app):
    demo.seed(PASSWORD, cras=2000)
    conseillers = {c.id: c for c in activated_conseillers()}
    schemas = {conseiller_id: cra_schema(c) for conseiller_id, c in conseillers.items()}
    today = min(schema.today for schema in schemas.values())
    cras = db.session.scalars(select(Cra)).all()
    assert len(cras) == 2000
    for cra in cras:
        schema, conseiller = schemas[cra.conseiller_id], conseillers[cra.conseiller_id]
        wire = {k: v for k, v in schema.dump(cra).items() if k not in STAMPS}
        assert schema.load(wire) == {name: getattr(cra, name) for name in CONTENT_COLUMNS}
        assert date(2021, 1, 4) <= cra.date < today and cra.date.weekday() < 5
        assert cra.date >= conseiller.date_recrutement
        assert cra.structure_id == conseiller.structure_at(cra.date)
        assert cra.version == 1 and cra.received_at.date() == cra.date
        assert cra.updated_at == cra.received_at and cra.deleted_at is None
    operations = db.session.execute(
        select(CraOperation.op_id, CraOperation.cra_id, CraOperation.type).where(
            CraOperation.cra_id.in_(select(Cra.id))
        )
    ).all()
    assert sorted(operations) == sorted((cra.head, cra.id, "create") for cra in cras)


@pytest.mark.parametrize("total", [0, 500])
def test_cras_option_creates_exactly_that_many(runner, total):
    output = runner.invoke(args=["demo", "seed", "--cras", str(total)]).output
    assert f"{total} CRA" in output
    assert count(Cra) == total
    assert count(CraOperation) == total + count(CraCoordination)
    for conseiller in db.session.scalars(select(Conseiller)):
        # CRAs and coordination reports share the conseiller's one change sequence
        seqs = sorted(
            [
                *db.session.scalars(select(Cra.seq).where(Cra.conseiller_id == conseiller.id)),
                *db.session.scalars(
                    select(CraCoordination.seq).where(
                        CraCoordination.conseiller_id == conseiller.id
                    )
                ),
            ]
        )
        assert seqs == list(range(1, len(seqs) + 1)) and conseiller.sync_seq == len(seqs)
        assert conseiller.active or not seqs


def test_cras_option_refuses_a_negative_number(runner):
    result = runner.invoke(args=["demo", "seed", "--cras", "-1"])
    assert result.exit_code != 0 and count(Structure) == 0


def test_demo_cras_look_like_the_field(app):
    demo.seed(PASSWORD)
    assert count(Cra) == demo.CRAS_PER_CONSEILLER * len(activated_conseillers())
    rows = db.session.execute(
        select(
            Cra.activite,
            Cra.nb_participants,
            Cra.nb_recurrents,
            Cra.canal,
            Cra.themes,
            Cra.sous_themes,
            Cra.organismes,
        )
    ).all()
    activites = Counter(row.activite for row in rows)
    assert 0.7 <= (activites["individuel"] + activites["ponctuel"]) / len(rows) <= 0.9
    assert activites["individuel"] > activites["ponctuel"] > activites["collectif"]
    ateliers = [row.nb_participants for row in rows if row.activite == "collectif"]
    assert min(ateliers) == 3 and max(ateliers) == 12
    assert 0 < sum(row.nb_recurrents > 0 for row in rows) < len(rows) / 2
    assert Counter(row.canal for row in rows).most_common(1)[0][0] == "rattachement"
    themes = Counter(theme for row in rows for theme in row.themes)
    assert {theme for theme, _ in themes.most_common(6)} == {
        "courriel",
        "demarche en ligne",
        "equipement informatique",
        "internet",
        "vocabulaire",
        "securite",
    }
    assert {len(row.themes) for row in rows} == {1, 2, 3}
    assert any(row.sous_themes.get("sante") == ["espace-sante"] for row in rows)
    organismes = {o["nom"] for row in rows for o in row.organismes}
    assert organismes & set(ORGANISMES) and organismes - set(ORGANISMES)


def pull_everything(client, headers) -> list[dict]:
    changes, cursor, more = [], None, True
    while more:
        query = {"limit": 1000, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/sync/pull", query_string=query, headers=headers).json
        changes += page["changes"]
        cursor, more = page["cursor"], page["more"]
    return changes


def test_demo_conseiller_pulls_and_edits_their_seeded_cras(client):
    demo.seed(PASSWORD)
    email = demo.DEMO_ACCOUNTS[Role.CONSEILLER]
    response = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    headers = {"Authorization": f"Bearer {response.json['access_token']}"}
    conseiller_id = db.session.scalar(select(User).where(User.email == email)).conseiller_id
    stored = db.session.scalars(
        select(Cra).where(Cra.conseiller_id == conseiller_id).order_by(Cra.seq)
    ).all()
    changes = pull_everything(client, headers)
    assert stored and [c["id"] for c in changes] == [str(cra.id) for cra in stored]
    assert all(c["version"] == 1 and not c["deleted"] for c in changes)
    first = changes[0]
    content = {k: v for k, v in first.items() if k not in STAMPS}
    replay = {"op_id": first["head"], "type": "create", "cra_id": first["id"], "cra": content}
    edit = {
        "op_id": "6f1c7a8e-2d1b-4c55-9a43-2f3b1d0c9e71",
        "type": "update",
        "cra_id": first["id"],
        "base": first["head"],
        "cra": {**content, "annotation": "Dossier retraite"},
    }
    results = client.post(
        "/api/sync/push", json={"operations": [replay, edit]}, headers=headers
    ).json["results"]
    assert [r["status"] for r in results] == ["duplicate", "applied"]
    assert results[1]["cra"]["version"] == 2
    assert pull_everything(client, headers)[-1]["annotation"] == "Dossier retraite"


def test_bulk_load_leaves_the_schema_as_migrated(app):
    demo.seed(PASSWORD, cras=100)
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def sees_the_demo_conseiller(client, role: str) -> bool:
    """The demo login of the role works and may open the demo conseiller's page."""
    email = next(e for r, e in demo.DEMO_ACCOUNTS.items() if r.value == role)
    response = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, role
    headers = {"Authorization": f"Bearer {response.json['access_token']}"}
    conseiller = db.session.scalar(
        select(User).where(User.email == demo.DEMO_ACCOUNTS[Role.CONSEILLER])
    ).conseiller_id
    return client.get(f"/api/conseillers/{conseiller}", headers=headers).status_code == 200


def test_demo_logins_work_and_see_the_demo_conseiller(runner, client):
    # One seed for every role (a seed per role cost more than the rest of this file).
    assert "Démo créée" in runner.invoke(args=["demo", "seed"]).output
    assert "déjà présentes" in runner.invoke(args=["demo", "seed", "--if-empty"]).output
    roles = ["conseiller", "coordinateur", "structure", "prefet", "admin"]
    assert [role for role in roles if not sees_the_demo_conseiller(client, role)] == []


def test_accounts_command_prints_every_role(runner):
    output = runner.invoke(args=["demo", "accounts"]).output
    assert all(email in output for email in demo.DEMO_ACCOUNTS.values())
    assert PASSWORD in output


NATIONAL = 250  # small enough for a test, enough for every département and coordinators


def test_national_population_covers_every_departement_by_population(runner):
    output = runner.invoke(
        args=["demo", "seed", "--conseillers", str(NATIONAL), "--cras", "2000"]
    ).output
    assert f"{NATIONAL} conseillers" in output and "2000 CRA" in output
    structures = db.session.scalars(select(Structure)).all()
    conseillers = db.session.scalars(select(Conseiller)).all()
    assert len(conseillers) == NATIONAL and count(Cra) == 2000
    per_departement = Counter(c.structure.departement_code for c in conseillers)
    assert set(per_departement) == {d.code for d in territoires.departements()}
    assert per_departement["59"] > per_departement["69"] > per_departement["48"] >= 1
    staff = Counter(c.structure_id for c in conseillers)
    assert all(1 <= staff[s.id] <= s.dotation for s in structures)
    assert max(staff.values()) >= demo.LARGE_MIN  # a large employer, not only small ones
    assert 0.6 < sum(c.active for c in conseillers) / NATIONAL < 1
    teams = db.session.execute(
        select(Coordination.coordinateur_id, Coordination.conseiller_id)
    ).all()
    departement = {c.id: c.structure.departement_code for c in conseillers}
    assert len({coordinateur for coordinateur, _ in teams}) >= 3
    assert all(departement[a] == departement[b] for a, b in teams)
    assert len({member for _, member in teams}) == len(teams)  # no one in two teams
    assert set(db.session.scalars(select(User.email))) >= set(demo.DEMO_ACCOUNTS.values())
    assert "égaux" in runner.invoke(args=["statistiques", "verifier"]).output


def test_national_population_is_deterministic(app):
    demo.seed(PASSWORD, 7, cras=300, today=DAY, conseillers=NATIONAL)
    first = snapshot()
    clear()
    demo.seed(PASSWORD, 7, cras=300, today=DAY, conseillers=NATIONAL)
    assert snapshot() == first


def test_national_population_needs_enough_conseillers(runner):
    result = runner.invoke(args=["demo", "seed", "--conseillers", "100"])
    assert result.exit_code != 0 and count(Structure) == 0


def test_national_demo_logins_see_the_demo_conseiller(client):
    demo.seed(PASSWORD, cras=0, conseillers=NATIONAL)
    roles = ["coordinateur", "structure", "prefet"]
    assert [role for role in roles if not sees_the_demo_conseiller(client, role)] == []


def test_demo_coordination_reports_are_valid_and_synced(app):
    demo.seed(PASSWORD, 3, cras=200, today=DAY)
    reports = db.session.scalars(select(CraCoordination)).all()
    assert reports and all(report.date < DAY for report in reports)
    schema = CraCoordinationSchema(today=DAY)
    for report in reports:
        wire = {k: v for k, v in schema.dump(report).items() if k not in (*STAMPS, "objet")}
        assert schema.load(wire) == {name: getattr(report, name) for name in COORDINATION_CONTENT}
        operation = db.session.get(CraOperation, report.head)
        assert (operation.objet, operation.cra_id) == ("cra_coordination", report.id)
        assert report.seq <= db.session.get(Conseiller, report.conseiller_id).sync_seq


def test_demo_library_is_searchable_with_one_proposal(app):
    demo.seed(PASSWORD, 3, cras=0, today=DAY)
    admin = db.session.scalar(select(User).where(User.email == demo.DEMO_ACCOUNTS[Role.ADMIN]))
    found = ressourcerie.liste(admin, {"q": "whatsapp"})["items"]
    assert {d.titre for d in found} == {
        "Envoyer des photos avec WhatsApp",
        "Faire un appel vidéo en famille",
    }
    statuts = [d.statut for d in db.session.scalars(select(Document))]
    assert statuts.count("propose") == 1 and statuts.count("publie") == 13
    body = b"".join(ressourcerie.fichier(admin, found[0].id)["body"])
    assert body.startswith(b"%PDF-") and b"%%EOF" in body[-1024:]
