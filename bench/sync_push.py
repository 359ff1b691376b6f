"""Benchmark of POST /api/sync/push (issue 3): the figures of docs/BENCHMARKS.md.

    .venv/bin/python bench/sync_push.py --database-url postgresql://postgres@127.0.0.1/bench_sync
    .venv/bin/python bench/sync_push.py --database-url … --quick      # small counts, smoke check

For SQLite (a temporary file) and for PostgreSQL (the --database-url database, whose schema
is dropped and rebuilt: its name must start with "bench"), with batches of 1, 10, 50 and 200
CRAs (spread over ten communes), it measures the first send (every item "applied") and the
replay of the same batch (every item "duplicate"):

  (a) in-process, through the Flask test client;
  (b) over HTTP, against gunicorn with one worker (keep-alive session);
  (c) the ceiling: the same cra + cra_operation rows inserted through the driver directly
      (executemany, one transaction per batch).

Then, on PostgreSQL, N client threads (one conseiller each) push batches of 50 new CRAs over
HTTP to gunicorn for a bounded time, and the latency percentiles are reported.

Every measurement is repeated and the median is printed. Everything stays on 127.0.0.1. On
PostgreSQL the tables are analysed before each series, as autovacuum would have done.
"""

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import requests
from flask_migrate import upgrade
from psycopg.types.json import Jsonb
from sqlalchemy import text
from werkzeug.security import generate_password_hash

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server import create_app  # noqa: E402
from server.extensions import db  # noqa: E402
from server.models import Conseiller, Cra, Emploi, Role, Structure, User  # noqa: E402
from server.models.types import utcnow  # noqa: E402
from server.schemas.cras import CraSchema  # noqa: E402
from server.services import territoires  # noqa: E402

BATCH_SIZES = (1, 10, 50, 200)
PASSWORD = "Bench-Sync-Push-1!"
SECRET_KEY = "bench-secret-" + "k" * 40
JWT_SECRET_KEY = "bench-jwt-secret-" + "j" * 40
TOKEN_MAX_AGE = 10 * 60  # seconds; access tokens last 15 minutes
PUSH = "/api/sync/push"
# A CRA of yesterday (the server refuses future dates), à distance: no lieu needed. Batches
# spread their CRAs over ten communes of several départements, as a conseiller's do.
CRA_DAY = (date.today() - timedelta(days=1)).isoformat()
PLACES = [
    ("69123", "69001", "Lyon"),
    ("69266", "69100", "Villeurbanne"),
    ("69259", "69200", "Vénissieux"),
    ("69029", "69500", "Bron"),
    ("42218", "42000", "Saint-Étienne"),
    ("38185", "38000", "Grenoble"),
    ("01053", "01000", "Bourg-en-Bresse"),
    ("75056", "75011", "Paris"),
    ("13055", "13001", "Marseille"),
    ("97411", "97400", "Saint-Denis"),
]
CRA = {
    "date": CRA_DAY,
    "canal": "distance",
    "lieu_activite_id": None,
    "code_postal": "69001",
    "code_commune": "69123",
    "nom_commune": "Lyon",
    "activite": "individuel",
    "nb_participants": 1,
    "nb_recurrents": 0,
    "age": {"moins12ans": 0, "de12a18ans": 0, "de18a35ans": 1, "de35a60ans": 0, "plus60ans": 0},
    "statut": {"etudiant": 0, "sansEmploi": 1, "enEmploi": 0, "retraite": 0, "heterogene": 0},
    "themes": ["courriel"],
    "sous_themes": {},
    "annotation": None,
    "duree": "30-60",
    "duree_minutes": None,
    "suivi": {"individuel": 0, "atelier": 0, "redirection": 0},
    "organismes": [],
}


@dataclass
class Settings:
    """Counts of one run: the full run or the --quick smoke check."""

    cras_per_repeat: int  # CRAs sent per measurement (several batches for small sizes)
    repeats: int
    clients: int
    duration: float  # seconds of the concurrent-clients run
    concurrency_repeats: int
    concurrency_workers: tuple[int, ...]


FULL = Settings(
    cras_per_repeat=400,
    repeats=5,
    clients=16,
    duration=20.0,
    concurrency_repeats=3,
    concurrency_workers=(1, 2, 4),
)
QUICK = Settings(
    cras_per_repeat=20,
    repeats=2,
    clients=4,
    duration=2.0,
    concurrency_repeats=1,
    concurrency_workers=(2,),
)


@dataclass
class Row:
    """One line of the results table."""

    backend: str
    mode: str
    batch: int
    first: float | None = None  # CRAs/s, median of the repeats
    replay: float | None = None
    first_ms: float | None = None  # median time of one request (or one driver transaction)
    replay_ms: float | None = None


@dataclass
class Account:
    email: str
    conseiller_id: int
    structure_id: int


# --- payloads ---------------------------------------------------------------------------------


def cra_in(number: int) -> dict:
    """The benchmark's CRA, in the number-th of the communes."""
    code_commune, code_postal, nom = PLACES[number % len(PLACES)]
    return {**CRA, "code_commune": code_commune, "code_postal": code_postal, "nom_commune": nom}


def new_batch(size: int) -> bytes:
    """A push body of `size` creates, each with a fresh op_id and cra_id, over the communes."""
    operations = [
        {
            "op_id": str(uuid.uuid4()),
            "type": "create",
            "cra_id": str(uuid.uuid4()),
            "cra": cra_in(number),
            "client_time": f"{CRA_DAY}T10:00:00+01:00",
        }
        for number in range(size)
    ]
    return json.dumps({"operations": operations}).encode()


EMPTY_BATCH = b'{"operations": []}'


def check_results(body: dict, size: int, status: str) -> None:
    """Stop the benchmark if the server did not answer what the protocol promises."""
    statuses = [result["status"] for result in body["results"]]
    if len(statuses) != size or (size and set(statuses) != {status}):
        raise SystemExit(f"expected {size} × {status!r}, got {statuses[:5]}…: {body}")


# --- database setup ---------------------------------------------------------------------------


def app_config(url: str) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": SECRET_KEY,
        "JWT_SECRET_KEY": JWT_SECRET_KEY,
        "APP_ENV": "production",
        "SMTP_HOST": None,
    }


def libpq_url(url: str) -> str:
    """postgresql+psycopg://… or postgres://… as a plain libpq URL."""
    parts = urlsplit(url)
    return urlunsplit(("postgresql",) + tuple(parts[1:]))


def ensure_postgresql_database(url: str) -> None:
    """Create the benchmark database if missing; refuse any database not named bench*."""
    name = urlsplit(url).path.lstrip("/")
    if not name.startswith("bench"):
        raise SystemExit(
            f"refusing to drop the schema of database {name!r}: "
            "use a database of its own whose name starts with 'bench'"
        )
    try:
        psycopg.connect(libpq_url(url), connect_timeout=5).close()
    except psycopg.OperationalError:
        maintenance = urlunsplit(urlsplit(libpq_url(url))._replace(path="/postgres"))
        with psycopg.connect(maintenance, autocommit=True, connect_timeout=5) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')


def prepare_database(url: str) -> None:
    """An empty schema built by the migrations, with the official territories."""
    app = create_app(app_config(url))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade(directory=os.path.join(app.root_path, "migrations"))
        territoires.import_territoires(app.config["TERRITOIRES_DATA"])
        db.engine.dispose()


def analyze(url: str) -> None:
    """On PostgreSQL, ANALYZE the tables the pushes fill, as autovacuum does on a server where it
    runs (it is off on the benchmark machine): without it the planner believes them empty and
    reads a conseiller's every CRA to find a batch's fifty."""
    if url.startswith(("postgresql", "postgres:")):
        with psycopg.connect(libpq_url(url), autocommit=True) as connection:
            connection.execute("ANALYZE cra, cra_operation, cra_stat_jour, cra_stat_organisme")


def create_accounts(url: str, count: int) -> list[Account]:
    """One structure in Lyon and `count` activated conseillers employed by it."""
    app = create_app(app_config(url))
    password_hash = generate_password_hash(PASSWORD)
    with app.app_context():
        commune = territoires.commune("69123")
        structure = Structure(
            nom="Mairie de Lyon (bench)",
            code_commune="69123",
            code_postal="69001",
            departement_code=commune.departement_code,
            region_code=commune.region_code,
            dotation=count,
        )
        db.session.add(structure)
        db.session.flush()
        users = []
        for number in range(1, count + 1):
            conseiller = Conseiller(
                prenom=f"Bench{number}",
                nom="Sync",
                email_pro=f"cnfs{number}@bench.example",
                structure=structure,
                date_recrutement=date(2022, 1, 3),
            )
            conseiller.emplois.append(
                Emploi(structure_id=structure.id, date_debut=date(2022, 1, 3))
            )
            user = User(
                email=f"conseiller{number}@bench.example",
                role=Role.CONSEILLER,
                conseiller=conseiller,
                password_hash=password_hash,
                activated_at=utcnow(),
            )
            db.session.add_all([conseiller, user])
            users.append(user)
        db.session.commit()
        accounts = [Account(u.email, u.conseiller_id, structure.id) for u in users]
        db.session.remove()
        db.engine.dispose()
    return accounts


# --- clients: the same push through the test client or over HTTP ------------------------------


class InProcessClient:
    """POSTs through the Flask test client; logs in again before the token expires."""

    def __init__(self, app, email: str):
        self.client, self.email, self.logged_at = app.test_client(), email, 0.0
        self.headers = {}

    def _login(self) -> None:
        response = self.client.post(
            "/api/auth/login", json={"email": self.email, "password": PASSWORD}
        )
        assert response.status_code == 200, response.get_json()
        self.headers = {"Authorization": f"Bearer {response.get_json()['access_token']}"}
        self.logged_at = time.monotonic()

    def fresh(self) -> None:
        if time.monotonic() - self.logged_at > TOKEN_MAX_AGE:
            self._login()

    def push(self, body: bytes) -> tuple[int, bytes]:
        response = self.client.post(
            PUSH, data=body, headers=self.headers, content_type="application/json"
        )
        return response.status_code, response.get_data()


class HttpClient:
    """POSTs over one keep-alive requests.Session; logs in again before the token expires."""

    def __init__(self, base_url: str, email: str):
        self.session, self.base_url, self.email, self.logged_at = (
            requests.Session(),
            base_url,
            email,
            0.0,
        )
        self.headers = {"Content-Type": "application/json"}

    def _login(self) -> None:
        response = self.session.post(
            self.base_url + "/api/auth/login",
            timeout=30,
            json={"email": self.email, "password": PASSWORD},
        )
        assert response.status_code == 200, response.text
        self.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        self.logged_at = time.monotonic()

    def fresh(self) -> None:
        if time.monotonic() - self.logged_at > TOKEN_MAX_AGE:
            self._login()

    def push(self, body: bytes) -> tuple[int, bytes]:
        response = self.session.post(
            self.base_url + PUSH, data=body, headers=self.headers, timeout=60
        )
        return response.status_code, response.content


# --- (a) and (b): the endpoint ----------------------------------------------------------------


def time_pushes(client, bodies: list[bytes], size: int, status: str) -> list[float]:
    """Send the bodies one after the other; the seconds each request took (answers checked
    after the clock stops)."""
    client.fresh()
    durations, answers = [], []
    for body in bodies:
        started = time.perf_counter()
        code, answer = client.push(body)
        durations.append(time.perf_counter() - started)
        answers.append((code, answer))
    for code, answer in answers:
        if code != 200:
            raise SystemExit(f"push answered {code}: {answer[:300]!r}")
        check_results(json.loads(answer), size, status)
    return durations


def warm_up(client) -> None:
    """A few untimed pushes: connections opened, statements compiled and cached."""
    client.fresh()
    for _ in range(3):
        bodies = [new_batch(10)]
        time_pushes(client, bodies, 10, "applied")
        time_pushes(client, bodies, 10, "duplicate")
        time_pushes(client, [EMPTY_BATCH], 0, "applied")


def measure_empty_batch(client, backend: str, mode: str, settings: Settings) -> Row:
    """The fixed cost of one authenticated push: an empty batch (no CRA), ms per request."""
    client.fresh()
    medians = []
    for _ in range(settings.repeats):
        durations = time_pushes(client, [EMPTY_BATCH] * 20, 0, "applied")
        medians.append(statistics.median(durations) * 1000)
    return Row(backend, mode, 0, first_ms=statistics.median(medians))


def measure_first_send_and_replay(
    client, url: str, backend: str, mode: str, settings: Settings
) -> list[Row]:
    """CRAs/s of new batches, then of the same batches sent again, for every batch size;
    first the fixed cost of a request (an empty batch)."""
    warm_up(client)
    rows = [measure_empty_batch(client, backend, mode, settings)]
    print(f"  {backend:<10} {mode:<12} empty batch: {rows[0].first_ms:.1f} ms/request")
    for size in BATCH_SIZES:
        analyze(url)
        batches = max(1, settings.cras_per_repeat // size)
        first_rates, replay_rates, first_ms, replay_ms = [], [], [], []
        for _ in range(settings.repeats):
            bodies = [new_batch(size) for _ in range(batches)]
            first = time_pushes(client, bodies, size, "applied")
            replay = time_pushes(client, bodies, size, "duplicate")
            first_rates.append(size * batches / sum(first))
            replay_rates.append(size * batches / sum(replay))
            first_ms.append(statistics.median(first) * 1000)
            replay_ms.append(statistics.median(replay) * 1000)
        rows.append(
            Row(
                backend,
                mode,
                size,
                statistics.median(first_rates),
                statistics.median(replay_rates),
                statistics.median(first_ms),
                statistics.median(replay_ms),
            )
        )
        print(
            f"  {backend:<10} {mode:<12} batch {size:>3}: first "
            f"{rows[-1].first:8.0f} CRAs/s, replay {rows[-1].replay:8.0f} CRAs/s",
            flush=True,
        )
    return rows


def measure_in_process(url: str, backend: str, account: Account, settings: Settings):
    """(a) The endpoint through the Flask test client, in this process."""
    app = create_app(app_config(url))
    # No app context held here: each request gets its own, and its own session, as in
    # production.
    rows = measure_first_send_and_replay(
        InProcessClient(app, account.email), url, backend, "in-process", settings
    )
    with app.app_context():
        db.engine.dispose()
    return rows


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(url: str, workers: int):
    """gunicorn serving the app on 127.0.0.1 (sync workers, as in the Procfile); its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET_KEY,
        "JWT_SECRET_KEY": JWT_SECRET_KEY,
        "APP_ENV": "production",
    }
    env.pop("SMTP_HOST", None)
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "server:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                # 401 without a token: the app is up and answering.
                if requests.get(base_url + "/api/auth/me", timeout=2).status_code == 401:
                    break
            except requests.RequestException:  # not listening yet, or still booting
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise SystemExit("gunicorn did not start:\n" + log.read().decode()[-3000:])
            time.sleep(0.2)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log.close()


def measure_over_http(url: str, backend: str, account: Account, settings: Settings):
    """(b) The endpoint over HTTP, gunicorn with one worker."""
    with gunicorn(url, workers=1) as base_url:
        return measure_first_send_and_replay(
            HttpClient(base_url, account.email), url, backend, "http 1 worker", settings
        )


# --- (c) the ceiling: the same rows through the driver ----------------------------------------


def cra_content() -> dict:
    """The column values the server stores for CRA (its schema's flattened load)."""
    return CraSchema(today=date.today(), communes=territoires.commune_connue).load(CRA)


CRA_COLUMNS = [column.name for column in Cra.__table__.columns]
OPERATION_COLUMNS = ["op_id", "cra_id", "conseiller_id", "type", "applied_at", "client_time"]
JSON_COLUMNS = {"themes", "sous_themes", "organismes"}


def ceiling_rows(content: dict, account: Account, size: int, first_seq: int, backend: str):
    """The cra and cra_operation rows the server would write for `size` creates."""
    now = utcnow()
    cras, operations = [], []
    for number in range(size):
        cra_id, op_id = uuid.uuid4(), uuid.uuid4()
        values = {
            **content,
            "id": cra_id,
            "conseiller_id": account.conseiller_id,
            "structure_id": account.structure_id,
            "head": op_id,
            "version": 1,
            "seq": first_seq + number,
            "received_at": now,
            "updated_at": now,
            "deleted_at": None,
            "client_time": f"{CRA_DAY}T10:00:00+01:00",
        }
        operation = {
            "op_id": op_id,
            "cra_id": cra_id,
            "conseiller_id": account.conseiller_id,
            "type": "create",
            "applied_at": now,
            "client_time": values["client_time"],
        }
        cras.append(tuple(driver_value(name, values[name], backend) for name in CRA_COLUMNS))
        operations.append(
            tuple(driver_value(name, operation[name], backend) for name in OPERATION_COLUMNS)
        )
    return cras, operations


def driver_value(name: str, value, backend: str):
    """A value as SQLAlchemy would hand it to the driver for this column."""
    if value is None:
        return None
    if name in JSON_COLUMNS:
        return Jsonb(value) if backend == "postgresql" else json.dumps(value)
    if backend == "sqlite":
        if isinstance(value, uuid.UUID):
            return value.hex
        if hasattr(value, "tzinfo"):  # UtcDateTime stores naive UTC on SQLite
            return value.replace(tzinfo=None).isoformat(" ")
        if isinstance(value, date):
            return value.isoformat()
    return value


def insert_sql(table: str, columns: list[str], placeholder: str) -> str:
    names = ", ".join(f'"{name}"' for name in columns)
    return f"INSERT INTO {table} ({names}) VALUES ({', '.join(placeholder for _ in columns)})"


def measure_driver_ceiling(
    url: str, sqlite_path: str | None, backend: str, account: Account, settings: Settings
) -> list[Row]:
    """(c) The same rows, executemany in one transaction per batch, no Flask, no ORM."""
    app = create_app(app_config(url))
    with app.app_context():
        content = cra_content()
        db.engine.dispose()
    if backend == "postgresql":
        connection = psycopg.connect(libpq_url(url))
        placeholder = "%s"
    else:
        connection = sqlite3.connect(sqlite_path, isolation_level=None)
        connection.execute("PRAGMA foreign_keys=ON")
        connection.execute("PRAGMA journal_mode=WAL")
        placeholder = "?"
    cra_sql = insert_sql("cra", CRA_COLUMNS, placeholder)
    operation_sql = insert_sql("cra_operation", OPERATION_COLUMNS, placeholder)
    seq, rows = 1, []
    try:
        for size in BATCH_SIZES:
            batches = max(1, settings.cras_per_repeat // size)
            rates, per_batch_ms = [], []
            for _ in range(settings.repeats):
                prepared = []
                for _ in range(batches):
                    prepared.append(ceiling_rows(content, account, size, seq, backend))
                    seq += size
                durations = []
                for cras, operations in prepared:
                    started = time.perf_counter()
                    cursor = connection.cursor()
                    if backend == "sqlite":
                        cursor.execute("BEGIN")
                    cursor.executemany(cra_sql, cras)
                    cursor.executemany(operation_sql, operations)
                    connection.commit()
                    durations.append(time.perf_counter() - started)
                rates.append(size * batches / sum(durations))
                per_batch_ms.append(statistics.median(durations) * 1000)
            rows.append(
                Row(
                    backend,
                    "driver ceiling",
                    size,
                    statistics.median(rates),
                    None,
                    statistics.median(per_batch_ms),
                    None,
                )
            )
            print(
                f"  {backend:<10} {'driver':<12} batch {size:>3}: {rows[-1].first:8.0f} CRAs/s",
                flush=True,
            )
    finally:
        connection.close()
    return rows


# --- concurrent clients -----------------------------------------------------------------------


@dataclass
class ConcurrencyResult:
    workers: int
    clients: int
    duration: float
    cras: int = 0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.cras / self.duration

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile of the request latencies, in ms."""
        ordered = sorted(self.latencies_ms)
        return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))]


MAX_BATCHES_PER_CLIENT = 100_000  # a bound on top of the time bound


def client_loop(
    client: HttpClient, deadline: float, result: ConcurrencyResult, lock: threading.Lock
) -> None:
    """Push batches of 50 new CRAs until the deadline; record each request's latency."""
    latencies, cras, errors = [], 0, 0
    for _ in range(MAX_BATCHES_PER_CLIENT):
        if time.perf_counter() >= deadline:
            break
        client.fresh()
        body = new_batch(50)
        started = time.perf_counter()
        try:
            code, answer = client.push(body)
        except requests.RequestException:
            code, answer = 0, b""
        latencies.append((time.perf_counter() - started) * 1000)
        if code == 200 and len(json.loads(answer)["results"]) == 50:
            cras += 50
        else:
            errors += 1
    with lock:
        result.latencies_ms += latencies
        result.cras += cras
        result.errors += errors


def measure_concurrent_clients(
    url: str, accounts: list[Account], workers: int, settings: Settings
) -> ConcurrencyResult:
    """N threads, one conseiller each, pushing batches of 50 new CRAs to gunicorn."""
    with gunicorn(url, workers) as base_url:
        clients = [HttpClient(base_url, account.email) for account in accounts]
        for client in clients:  # log in and warm the workers up before the clock starts
            time_pushes(client, [new_batch(10)], 10, "applied")
        analyze(url)
        result = ConcurrencyResult(workers, len(clients), settings.duration)
        lock = threading.Lock()
        started = time.perf_counter()
        deadline = started + settings.duration
        threads = [
            threading.Thread(target=client_loop, args=(c, deadline, result, lock)) for c in clients
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=settings.duration + 120)
        result.duration = time.perf_counter() - started
    return result


# --- profile ----------------------------------------------------------------------------------


def profile_in_process(url: str, account: Account, batches: int = 10) -> str:
    """cProfile of in-process first sends of 50 CRAs, then of their replays: the top functions
    by cumulative and by own time."""
    app = create_app(app_config(url))
    client = InProcessClient(app, account.email)
    client.fresh()
    bodies = [new_batch(50) for _ in range(batches)]
    warm = [new_batch(50)]
    time_pushes(client, warm, 50, "applied")
    time_pushes(client, warm, 50, "duplicate")
    analyze(url)
    out = io.StringIO()
    for title, status in (("first send", "applied"), ("replay", "duplicate")):
        profiler = cProfile.Profile()
        profiler.enable()
        time_pushes(client, bodies, 50, status)
        profiler.disable()
        print(f"\n=== {batches} {title}s of 50 CRAs ===", file=out)
        stats = pstats.Stats(profiler, stream=out).strip_dirs()
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(15)
    with app.app_context():
        db.engine.dispose()
    return out.getvalue()


# --- report -----------------------------------------------------------------------------------


def machine() -> list[str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in open("/proc/cpuinfo")
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kib = next(
        int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal")
    )
    return [
        f"{os.cpu_count()} cores ({cpu}), {memory_kib / 2**20:.0f} GiB",
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
    ]


def postgresql_version(url: str) -> str:
    with psycopg.connect(libpq_url(url)) as connection:
        version = connection.execute("SHOW server_version").fetchone()[0]
        autovacuum = connection.execute("SHOW autovacuum").fetchone()[0]
    return f"{version} (autovacuum {autovacuum})"


def busiest_processes() -> str:
    """The processes using the most CPU, to tell whether other work was running."""
    listing = subprocess.run(
        ["ps", "-eo", "pid,pcpu,etime,args", "--sort=-pcpu"],
        capture_output=True,
        text=True,
        timeout=10,
    ).stdout.splitlines()
    return "\n".join(line[:150] for line in listing[:6])


def load() -> str:
    return "load average " + ", ".join(f"{value:.2f}" for value in os.getloadavg())


def number(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def print_table(rows: list[Row]) -> None:
    print(
        "\n| backend | mode | batch | first send CRAs/s | replay CRAs/s | "
        "first send ms/request | replay ms/request |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for row in rows:
        batch = row.batch or "empty"
        print(
            f"| {row.backend} | {row.mode} | {batch} | {number(row.first)} | "
            f"{number(row.replay)} | {number(row.first_ms, 1)} | {number(row.replay_ms, 1)} |"
        )


def print_concurrency(results: list[ConcurrencyResult]) -> None:
    print(
        "\n| gunicorn workers | clients | requests | errors | CRAs/s | CRAs/s per worker | "
        "p50 ms | p95 ms | p99 ms |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r.workers} | {r.clients} | {len(r.latencies_ms)} | {r.errors} | "
            f"{r.rate:,.0f} | {r.rate / r.workers:,.0f} | {r.percentile(50):.0f} | "
            f"{r.percentile(95):.0f} | {r.percentile(99):.0f} |"
        )


def print_targets(rows: list[Row], results: list[ConcurrencyResult]) -> None:
    def rate(mode, column):
        found = [
            getattr(r, column)
            for r in rows
            if r.backend == "postgresql" and r.mode == mode and r.batch == 50
        ]
        return found[0] if found else None

    print("\nTargets (PostgreSQL, batches of 50, per worker):")
    for mode in ("in-process", "http 1 worker"):
        first, replay = rate(mode, "first"), rate(mode, "replay")
        if first is not None:
            print(
                f"  {mode}: first send {first:,.0f} CRAs/s (target ≥ 2,000: "
                f"{'met' if first >= 2000 else 'MISSED'}), replay {replay:,.0f} CRAs/s "
                f"(target ≥ 10,000: {'met' if replay >= 10000 else 'MISSED'})"
            )
    for r in results:
        print(
            f"  {r.clients} clients, {r.workers} worker(s): p99 {r.percentile(99):.0f} ms "
            f"(target < 250 ms: {'met' if r.percentile(99) < 250 else 'MISSED'})"
        )


def median_result(runs: list[ConcurrencyResult]) -> ConcurrencyResult:
    """The run with the median p99."""
    return sorted(runs, key=lambda r: r.percentile(99))[len(runs) // 2]


# --- main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url",
        required=True,
        help="PostgreSQL URL of a benchmark database (name starting with bench)",
    )
    parser.add_argument("--quick", action="store_true", help="small counts, a smoke check")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also print a cProfile of in-process first sends and replays of 50",
    )
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument(
        "--workers", default=None, help="gunicorn worker counts for the concurrent run, e.g. 1,2,4"
    )
    args = parser.parse_args()
    settings = QUICK if args.quick else FULL
    if args.workers:
        settings = replace(
            settings, concurrency_workers=tuple(int(workers) for workers in args.workers.split(","))
        )
    ensure_postgresql_database(args.database_url)

    print("\n".join(machine()) + f", PostgreSQL {postgresql_version(args.database_url)}")
    print(f"start: {load()}\n{busiest_processes()}", flush=True)
    rows, results = [], []
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as folder:
        sqlite_path = os.path.join(folder, "bench.sqlite")
        backends = [("postgresql", args.database_url, None)]
        if not args.skip_sqlite:
            backends.insert(0, ("sqlite", f"sqlite:///{sqlite_path}", sqlite_path))
        for backend, url, path in backends:
            print(f"{backend}: preparing the database…", flush=True)
            prepare_database(url)
            accounts = create_accounts(url, settings.clients + 3)
            sequential, ceiling = accounts[-2], accounts[-1]
            rows += measure_in_process(url, backend, sequential, settings)
            rows += measure_over_http(url, backend, sequential, settings)
            rows += measure_driver_ceiling(url, path, backend, ceiling, settings)
            print(f"  {load()}", flush=True)
            if backend == "postgresql":
                if args.profile:
                    print(profile_in_process(url, accounts[-3]))
                for workers in settings.concurrency_workers:
                    runs = []
                    for _ in range(settings.concurrency_repeats):
                        runs.append(
                            measure_concurrent_clients(
                                url, accounts[: settings.clients], workers, settings
                            )
                        )
                        print(
                            f"  {settings.clients} clients, {workers} worker(s): "
                            f"{runs[-1].rate:,.0f} CRAs/s, p99 "
                            f"{runs[-1].percentile(99):.0f} ms, {load()}",
                            flush=True,
                        )
                    results.append(median_result(runs))
    print_table(rows)
    print_concurrency(results)
    print_targets(rows, results)
    print(f"\nend: {load()}\n{busiest_processes()}")


if __name__ == "__main__":
    main()
