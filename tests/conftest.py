"""Fixtures: one database and one app per backend (SQLite always, PostgreSQL with
TEST_DATABASE_URL), each test starting from empty tables and the app's own configuration, and
factories for people and accounts."""

import os
import tempfile
from datetime import date

import pytest
from flask_migrate import upgrade
from sqlalchemy import Integer, create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.security import generate_password_hash

from server import create_app
from server.config import database_url as config_database_url
from server.extensions import db
from server.models import Conseiller, Coordination, Emploi, Role, Structure, User
from server.models.types import utcnow
from server.services import territoires

PASSWORD = "Mot-de-passe-1!"
# The accounts of the tests need no protection: a cheap hash keeps each login ~1 ms instead of
# scrypt's ~0.1 s (test_auth checks that real accounts get scrypt).
PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
TERRITORY_TABLES = {"region", "departement", "commune", "commune_code_postal", "alembic_version"}
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (COOP_REQUIRE_ALL_TESTS=1), a skipped browser or PostgreSQL test is a failure."""
    outcome = yield
    report = outcome.get_result()
    strict = os.environ.get("COOP_REQUIRE_ALL_TESTS") == "1"
    if (
        strict
        and report.skipped
        and ("postgresql" in item.nodeid or item.get_closest_marker("browser"))
    ):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which requires it to run: {report.longrepr}"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Tests marked one_database run on SQLite only: their PostgreSQL copies are deselected."""
    kept, dropped = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_postgresql = callspec is not None and callspec.params.get("database_url") == "postgresql"
        one_database = item.get_closest_marker("one_database") is not None
        (dropped if on_postgresql and one_database else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


RESSOURCERIE_DIR = tempfile.mkdtemp(prefix="coop-cra-ressourcerie-")  # not the instance's


def base_config(url: str) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test" * 8,
        "JWT_SECRET_KEY": "test-jwt" * 4,
        "SMTP_HOST": None,
        "PUBLIC_URL": "http://testserver",
        "RESSOURCERIE_DIR": RESSOURCERIE_DIR,
    }


def worker_database(url: str) -> str:
    """Under pytest-xdist, each worker gets its own PostgreSQL database (test_gw0, test_gw1…)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base = make_url(config_database_url(url))
    own = base.set(database=f"{base.database}_{worker}")
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": own.database}
        ).scalar()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{own.database}"'))
    engine.dispose()
    return own.render_as_string(hide_password=False)


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    """A database built by the migrations, with the official territories loaded once."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    else:
        url = worker_database(os.environ["TEST_DATABASE_URL"])
    app = create_app(base_config(url))
    with app.app_context():
        if request.param == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade(directory=os.path.join(app.root_path, "migrations"))
        territoires.import_territoires(app.config["TERRITOIRES_DATA"])
        db.engine.dispose()
    return url


@pytest.fixture
def backend(database_url) -> str:
    """'sqlite' or 'postgresql'."""
    return "sqlite" if database_url.startswith("sqlite") else "postgresql"


@pytest.fixture(scope="session")
def shared_app(database_url):
    """One app per backend for the whole run: building one costs more than most tests."""
    app = create_app(base_config(database_url))
    yield app
    with app.app_context():
        db.engine.dispose()


def _empty_tables(connection) -> None:
    """Delete every row but the territories, in one round trip; ids start again from 1."""
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in TERRITORY_TABLES]
    if connection.dialect.name == "postgresql":
        # TRUNCATE takes ~100 ms on 20 tables; DELETE on the few rows of a test takes ~2 ms.
        statements = [f'DELETE FROM "{t.name}"' for t in tables]
        statements += [
            f"SELECT setval(pg_get_serial_sequence('\"{t.name}\"', '{c.name}'), 1, false)"
            for t in tables
            for c in t.primary_key.columns
            if isinstance(c.type, Integer)  # pg_get_serial_sequence is NULL where none is
        ]
        connection.exec_driver_sql("; ".join(statements))
    else:
        for table in tables:
            connection.execute(table.delete())


@pytest.fixture
def app(shared_app, _app_as_built):
    """The backend's app, restored as built (configuration, extensions' caches such as the
    VAPID keys, instance folder) and its tables emptied after each test."""
    config, extensions, instance_path = _app_as_built
    with shared_app.app_context():
        yield shared_app
        db.session.remove()
        with db.engine.begin() as connection:
            _empty_tables(connection)
    shared_app.config.clear()
    shared_app.config.update(config)
    shared_app.extensions.clear()
    shared_app.extensions.update(extensions)
    shared_app.instance_path = instance_path


@pytest.fixture(scope="session")
def _app_as_built(shared_app):
    return dict(shared_app.config), dict(shared_app.extensions), shared_app.instance_path


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_structure(app):
    """Build a structure located in a real commune."""

    def make(nom="Mairie de Lyon", code_commune="69123", code_postal="69001", dotation=2):
        commune = territoires.commune(code_commune)
        structure = Structure(
            nom=nom,
            code_commune=code_commune,
            code_postal=code_postal,
            departement_code=commune.departement_code,
            region_code=commune.region_code,
            dotation=dotation,
        )
        db.session.add(structure)
        db.session.commit()
        return structure

    return make


@pytest.fixture
def make_user(app):
    """Build an activated account; for conseillers, also their conseiller record."""
    counter = iter(range(1, 10_000))

    def make(role="conseiller", structure=None, activated=True, **links):
        number = next(counter)
        role = Role(role)
        conseiller = None
        if role in (Role.CONSEILLER, Role.COORDINATEUR):
            conseiller = Conseiller(
                prenom=f"Prénom{number}",
                nom=f"Nom{number}",
                email_pro=f"cnfs{number}@test.example",
                structure=structure,
                date_recrutement=date(2022, 1, 3),
            )
            if structure is not None:
                conseiller.emplois.append(
                    Emploi(structure_id=structure.id, date_debut=date(2022, 1, 3))
                )
            db.session.add(conseiller)
        elif role is Role.STRUCTURE:
            links["structure_id"] = structure.id
        user = User(
            email=f"{role.value}{number}@test.example",
            role=role,
            conseiller=conseiller,
            password_hash=PASSWORD_HASH if activated else None,
            activated_at=utcnow() if activated else None,
            **links,
        )
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_team(app):
    """Put conseillers in a coordinateur's team."""

    def make(coordinateur, *members):
        for member in members:
            db.session.add(
                Coordination(
                    coordinateur_id=coordinateur.conseiller_id, conseiller_id=member.conseiller_id
                )
            )
        db.session.commit()

    return make


@pytest.fixture
def login(client):
    """Log a user in through the API; return the Authorization headers."""

    def do(user, password=PASSWORD):
        response = client.post("/api/auth/login", json={"email": user.email, "password": password})
        assert response.status_code == 200, response.json
        return {"Authorization": f"Bearer {response.json['access_token']}"}

    return do


@pytest.fixture
def conseiller(make_user, make_structure):
    """A conseiller of the Mairie de Lyon (69123)."""
    return make_user("conseiller", structure=make_structure())


@pytest.fixture
def push(client, login, conseiller):
    """push(*operations, expect=200) -> the results of a sync batch sent by `conseiller`
    (the body when the status is not 200); `push.headers` are their Authorization headers."""
    headers = login(conseiller)

    def send(*operations, expect=200):
        response = client.post(
            "/api/sync/push", json={"operations": list(operations)}, headers=headers
        )
        assert response.status_code == expect, response.json
        return response.json.get("results", response.json)

    send.headers = headers
    return send


@pytest.fixture
def roles_world(make_structure, make_user, make_team):
    """Who sees whom, by role: structures A (Lyon), B (Villeurbanne, both in the Rhône, région
    84) and C (Marseille, 13, région 93); conseillers a1, a2 (A), b1 (B), c1 (C), coordinator k
    (A) whose team is a1 and c1, and "mover", who worked for A in 2021 before joining C. Each
    person has personal fields filled. Viewers: a1, k, each structure's account (A and C), the
    prefets of the Rhône and of région 93, an admin."""
    a = make_structure("Mairie de Lyon", "69123", "69001")
    b = make_structure("Médiathèque de Villeurbanne", "69266", "69100")
    c = make_structure("CCAS de Marseille", "13055", "13001")
    people = {
        "a1": make_user("conseiller", structure=a),
        "a2": make_user("conseiller", structure=a),
        "b1": make_user("conseiller", structure=b),
        "c1": make_user("conseiller", structure=c),
        "k": make_user("coordinateur", structure=a),
        "mover": make_user("conseiller", structure=c),
    }
    for number, user in enumerate(people.values()):
        fiche = db.session.get(Conseiller, user.conseiller_id)
        fiche.email_perso = f"perso{number}@courriel.example"
        fiche.telephone_perso = f"06000000{number:02d}"
        fiche.telephone_pro = f"04000000{number:02d}"
        fiche.date_naissance = date(1980, 1, 1 + number)
    # "mover" worked for A before joining C: A keeps seeing their work.
    db.session.add(
        Emploi(
            conseiller_id=people["mover"].conseiller_id,
            structure_id=a.id,
            date_debut=date(2021, 3, 1),
            date_fin=date(2021, 12, 31),
        )
    )
    db.session.commit()
    make_team(people["k"], people["a1"], people["c1"])
    viewers = {
        "cnfs_a1": people["a1"],
        "coord_k": people["k"],
        "structure_a": make_user("structure", structure=a),
        "structure_c": make_user("structure", structure=c),
        "prefet_69": make_user("prefet", departement_code="69"),
        "prefet_93": make_user("prefet", region_code="93"),
        "admin": make_user("admin"),
    }
    return {"structures": (a, b, c), "people": people, "viewers": viewers}
