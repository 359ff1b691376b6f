"""Benchmark of the reminders clock (issue 6): one clock process sends 4,000 reminders.

    .venv/bin/python bench/rappels.py                                   # SQLite, temporary file
    .venv/bin/python bench/rappels.py --database-url postgresql://postgres@127.0.0.1/bench_rappels
    .venv/bin/python bench/rappels.py --users 200 --workers 1           # a smaller, serial run

N conseillers have reminders on (every day, from 00:00, Paris time) and one subscribed device
each, on the loopback push service of tests/push_endpoint.py (every device its own key pair).
Then `flask reminders send-due` runs once, as a separate process — the clock — and the wall
time of that process is measured, start-up included: claiming N reminders, encrypting and
signing N pushes, POSTing them, recording N sends and settling N claims. The push service runs
in this process; by default it checks each push's headers and VAPID header but neither
decrypts the body nor verifies the signature (--decrypt does both, at a CPU cost shared with the
clock on the same machine), and --latency makes it answer as slowly as a distant push service
would, which is what the clock's thread pool (PUSH_WORKERS) is for. A PostgreSQL database's
schema is dropped and rebuilt: its name must start with "bench".
"""

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from flask_migrate import upgrade
from py_vapid import Vapid
from sqlalchemy import func, insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server import create_app  # noqa: E402
from server.extensions import db  # noqa: E402
from server.models import (  # noqa: E402
    Conseiller,
    EnvoiPush,
    PushSubscription,
    Rappel,
    RappelPreferences,
    Role,
    User,
)
from server.models.types import utcnow  # noqa: E402
from server.services import push  # noqa: E402
from tests.push_endpoint import PushEndpoint  # noqa: E402

SUBJECT = "mailto:bench@coop-cra.example"


def database(url: str | None) -> str:
    if url is None:
        return f"sqlite:///{tempfile.mkdtemp(prefix='bench-rappels-')}/bench.sqlite"
    if not urlsplit(url).path.lstrip("/").startswith("bench"):
        raise SystemExit("The PostgreSQL database's name must start with 'bench'.")
    return url


def seed(app, endpoint: PushEndpoint, users: int) -> None:
    """N activated conseillers with reminders on and one device each."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade(directory=os.path.join(app.root_path, "migrations"))
        now = utcnow()
        today = now.date()
        db.session.execute(
            insert(Conseiller),
            [
                {
                    "id": n,
                    "prenom": f"Prénom{n}",
                    "nom": f"Nom{n}",
                    "email_pro": f"c{n}@bench.example",
                }
                for n in range(1, users + 1)
            ],
        )
        db.session.execute(
            insert(User),
            [
                {
                    "id": n,
                    "email": f"c{n}@bench.example",
                    "role": Role.CONSEILLER,
                    "conseiller_id": n,
                    "activated_at": now,
                    "created_at": now,
                }
                for n in range(1, users + 1)
            ],
        )
        db.session.execute(
            insert(RappelPreferences),
            [
                {
                    "user_id": n,
                    "actif": True,
                    "jours": 0b11111110,
                    "minute": 0,
                    "fuseau": "Europe/Paris",
                    "inactivite": False,
                    "actif_depuis": today - timedelta(days=1),
                    "updated_at": now,
                }
                for n in range(1, users + 1)
            ],
        )
        rows = []
        for n in range(1, users + 1):
            device = endpoint.device(f"d{n}").subscription
            rows.append(
                {
                    "user_id": n,
                    "endpoint": device["endpoint"],
                    "p256dh": device["keys"]["p256dh"],
                    "auth": device["keys"]["auth"],
                    "created_at": now,
                    "seen_at": now,
                }
            )
        db.session.execute(insert(PushSubscription), rows)
        db.session.commit()
        db.engine.dispose()


def run_clock(url: str, keys: Vapid, workers: int) -> tuple[float, str]:
    env = {
        **os.environ,
        "FLASK_APP": "server",
        "DATABASE_URL": url,
        "VAPID_PRIVATE_KEY": push.raw_private_key(keys),
        "VAPID_SUBJECT": SUBJECT,
        "PUSH_SERVICE_HOSTS": "127.0.0.1",
        "PUSH_WORKERS": str(workers),
    }
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "flask", "reminders", "send-due"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - started, done.stdout.strip()


def startup(url: str) -> float:
    """The same process doing nothing: Python, Flask and the app's imports."""
    env = {**os.environ, "FLASK_APP": "server", "DATABASE_URL": url}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "flask", "reminders", "--help"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        check=True,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--users", type=int, default=4000)
    parser.add_argument("--workers", type=int, default=16, help="PUSH_WORKERS of the clock")
    parser.add_argument(
        "--decrypt", action="store_true", help="the push service verifies and decrypts every push"
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=0,
        help="milliseconds the push service takes to answer (a real one is "
        "tens of milliseconds away)",
    )
    args = parser.parse_args()
    url = database(args.database_url)
    keys = Vapid()
    keys.generate_keys()
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "b" * 40, "JWT_SECRET_KEY": "j" * 40}
    )
    with PushEndpoint(
        push.public_key_of(keys), SUBJECT, decrypt=args.decrypt, delay=args.latency / 1000
    ) as endpoint:
        seed(app, endpoint, args.users)
        load = os.getloadavg()
        elapsed, output = run_clock(url, keys, args.workers)
        with app.app_context():
            envoye = db.session.scalar(select(func.count()).where(Rappel.statut == "envoye"))
            envois = db.session.scalar(select(func.count()).select_from(EnvoiPush))
            db.engine.dispose()
        base = startup(url)
    backend = url.split(":", 1)[0]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; load average before the run "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    print(f"clock output: {output}")
    print(
        f"{backend}: {args.users} reminders, PUSH_WORKERS={args.workers}, "
        f"decrypt={args.decrypt}, latency={args.latency:g} ms: "
        f"{elapsed:.1f} s for the clock process "
        f"({base:.1f} s of start-up), {args.users / elapsed:.0f} reminders/s; "
        f"received {len(endpoint.received)}, errors {len(endpoint.errors)}, "
        f"claims sent {envoye}, sends recorded {envois}"
    )
    if endpoint.errors or len(endpoint.received) != args.users or envoye != args.users:
        raise SystemExit(f"FAILED: {endpoint.errors[:3]}")


if __name__ == "__main__":
    main()
