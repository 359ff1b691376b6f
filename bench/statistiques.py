"""Statistics at scale (issue 5, item 6): the figures of docs/BENCHMARKS.md, on PostgreSQL.

    .venv/bin/python bench/statistiques.py \\
        --database-url postgresql://postgres@127.0.0.1:5432/bench_stats_1m --cras 1000000
    .venv/bin/python bench/statistiques.py --database-url …/bench_stats_10m --cras 10000000
    .venv/bin/python bench/statistiques.py --database-url …/bench_stats_10m --reuse --explain

Without --reuse, the database (its name must contain "bench") is created if missing, its
schema dropped and rebuilt by the migrations, the territories loaded, and
`flask demo seed --conseillers 4000 --cras N` timed as a child process; then VACUUM ANALYZE,
what autovacuum does to tables that grew over years. Over the latest year of CRAs, for the
nation, the largest région and département, the largest and a median structure, the busiest
and the demo conseiller, it measures:

  1. statistiques.indicateurs() in process (figures only): the first call in a new process
     (new connection, nothing compiled: "cold") and p50/p95 of RUNS calls after a warm-up,
     with the time of each of its two queries;
  2. over HTTP, gunicorn with one sync worker as in the Procfile, logged in as the demo
     admin: each national chart's first request (the worker has drawn nothing yet), then the
     same scopes through the JSON API, then the worker's memory;
  3. graphiques.render() of each of the 8 charts on the national figures: the first draw in
     a new process (cold) and the median of later draws, SVG and PNG;
  4. the peak memory of the in-process run and of the gunicorn worker.

--cluster first rewrites the CRAs in date order (CLUSTER … USING ix_cra_date), conseillers
interleaved as the field writes them: the seed writes them conseiller by conseiller, which
puts a conseiller's or a structure's CRAs on fewer pages than production would. --explain
prints EXPLAIN (ANALYZE, BUFFERS) of each scope's statements. PostgreSQL's and the
system's caches are whatever earlier work left: "cold" is the application's side only.
"""

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import requests
from sqlalchemy import event, func, select, text

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from seed_demo import FLASK, flask, reset, timed_seed  # noqa: E402
from sync_push import (  # noqa: E402
    JWT_SECRET_KEY,
    SECRET_KEY,
    busiest_processes,
    gunicorn,
    libpq_url,
    load,
    machine,
    number,
    postgresql_version,
)

from server import create_app  # noqa: E402
from server.config import Config  # noqa: E402
from server.extensions import db  # noqa: E402
from server.models import Cra, Role, Structure, User  # noqa: E402
from server.models.statistique import cra_stat_jour  # noqa: E402
from server.services import demo, graphiques, perimetres, statistiques  # noqa: E402
from server.services.statistiques import Periode  # noqa: E402

ADMIN = demo.DEMO_ACCOUNTS[Role.ADMIN]
TARGETS = {"national": 300.0, "conseiller": 50.0}  # p50, ms, server side
CHART_TARGET = 150.0  # ms, a chart drawn cold
TABLES = ("cra", "cra_operation", "cra_stat_jour", "cra_stat_organisme")


# --- database ---------------------------------------------------------------------------------


def sqlalchemy_url(url: str) -> str:
    return urlunsplit(("postgresql+psycopg",) + tuple(urlsplit(url)[1:]))


def checked(url: str) -> str:
    """Refuse anything but a PostgreSQL benchmark database."""
    name = urlsplit(url).path.lstrip("/")
    if not url.startswith(("postgresql", "postgres:")) or "bench" not in name:
        raise SystemExit(
            f"refusing {url!r}: a PostgreSQL database whose name contains "
            "'bench' is needed (never CI's 'test')"
        )
    return name


def ensure_database(url: str) -> None:
    name = checked(url)
    maintenance = urlunsplit(urlsplit(libpq_url(url))._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True, connect_timeout=5) as connection:
        if not connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
        ).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def prepare(url: str, conseillers: int, cras: int, seed: int) -> dict:
    """A fresh schema, the territories, the national demo seeded (timed), VACUUM ANALYZE."""
    ensure_database(url)
    reset(libpq_url(url))
    environment = {**os.environ, "DATABASE_URL": sqlalchemy_url(url), "FLASK_APP": "server"}
    flask(environment, "db", "upgrade")
    flask(environment, "territoires", "import")
    before = load()
    elapsed, usage, output = timed_seed(environment, cras, seed, "--conseillers", str(conseillers))
    start = time.perf_counter()
    with psycopg.connect(libpq_url(url), autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    return {
        "command": f"{FLASK.relative_to(ROOT)} demo seed --conseillers {conseillers} "
        f"--cras {cras} --seed {seed}",
        "output": output,
        "seconds": elapsed,
        "load_before": before,
        "load_after": load(),
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak_mib": usage.ru_maxrss / 1024,
        "vacuum_seconds": time.perf_counter() - start,
    }


def cluster(url: str) -> float:
    """Rewrite the CRAs in date order (then ANALYZE); seconds taken."""
    start = time.perf_counter()
    with psycopg.connect(libpq_url(url), autocommit=True) as connection:
        connection.execute("CLUSTER cra USING ix_cra_date")
        connection.execute("ANALYZE cra")
    return time.perf_counter() - start


def sizes(url: str) -> list[tuple[str, int, str, str, str]]:
    """(table, rows, table, indexes, total) sizes, and the whole database."""
    lines = []
    with psycopg.connect(libpq_url(url)) as connection:
        for table in TABLES:
            rows = connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            lines.append(
                (
                    table,
                    rows,
                    *connection.execute(
                        "SELECT pg_size_pretty(pg_table_size(%s::regclass)), "
                        "pg_size_pretty(pg_indexes_size(%s::regclass)), "
                        "pg_size_pretty(pg_total_relation_size(%s::regclass))",
                        (table,) * 3,
                    ).fetchone(),
                )
            )
        total = connection.execute(
            "SELECT pg_size_pretty(pg_database_size(current_database()))"
        ).fetchone()[0]
    return [*lines, ("database", None, "", "", total)]


# --- scopes -----------------------------------------------------------------------------------


def app_for(url: str):
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": sqlalchemy_url(url),
            "SECRET_KEY": SECRET_KEY,
            "JWT_SECRET_KEY": JWT_SECRET_KEY,
            "APP_ENV": "production",
            "SMTP_HOST": None,
        }
    )


def latest_year() -> Periode:
    """The year ending on the last day with CRAs."""
    au = db.session.scalar(select(func.max(Cra.date)))
    return Periode(au - timedelta(days=364), au)


def busiest(column, periode: Periode, position: float = 0.0) -> tuple[object, int]:
    """(value, CRAs) of the column's value with the most CRAs in the period, or at a given
    position of the list sorted by CRAs (0.5: the median)."""
    rows = db.session.execute(
        select(column, func.count().label("n"))
        .where(Cra.deleted_at.is_(None), Cra.date.between(periode.du, periode.au))
        .group_by(column)
        .order_by(func.count().desc(), column)
    ).all()
    return tuple(rows[int(position * (len(rows) - 1))])


def busiest_territory(column, periode: Periode) -> tuple[str, int]:
    row = db.session.execute(
        select(column, func.sum(cra_stat_jour.c.cras))
        .where(cra_stat_jour.c.jour.between(periode.du, periode.au))
        .group_by(column)
        .order_by(func.sum(cra_stat_jour.c.cras).desc())
        .limit(1)
    ).one()
    return row[0], int(row[1])


def scopes(periode: Periode) -> list[dict]:
    """The scopes measured: label, API type and ident, CRAs in the period."""
    total = (
        db.session.scalar(
            select(func.sum(cra_stat_jour.c.cras)).where(
                cra_stat_jour.c.jour.between(periode.du, periode.au)
            )
        )
        or 0
    )
    region, region_cras = busiest_territory(cra_stat_jour.c.region_code, periode)
    departement, departement_cras = busiest_territory(cra_stat_jour.c.departement_code, periode)
    large, large_cras = busiest(Cra.structure_id, periode)
    median, median_cras = busiest(Cra.structure_id, periode, 0.5)
    conseiller, conseiller_cras = busiest(Cra.conseiller_id, periode)
    demo_user = db.session.scalar(
        select(User).where(User.email == demo.DEMO_ACCOUNTS[Role.CONSEILLER])
    )
    demo_cras = db.session.scalar(
        select(func.count()).where(
            Cra.conseiller_id == demo_user.conseiller_id,
            Cra.deleted_at.is_(None),
            Cra.date.between(periode.du, periode.au),
        )
    )
    dotation = {
        s.id: s.dotation
        for s in db.session.scalars(select(Structure).where(Structure.id.in_((large, median))))
    }
    return [
        {"label": "national", "type": "national", "ident": "", "cras": int(total)},
        {"label": f"région {region}", "type": "region", "ident": region, "cras": region_cras},
        {
            "label": f"département {departement}",
            "type": "departement",
            "ident": departement,
            "cras": departement_cras,
        },
        {
            "label": f"structure, largest (dotation {dotation[large]})",
            "type": "structure",
            "ident": str(large),
            "cras": large_cras,
        },
        {
            "label": f"structure, median (dotation {dotation[median]})",
            "type": "structure",
            "ident": str(median),
            "cras": median_cras,
        },
        {
            "label": "conseiller, busiest",
            "type": "conseiller",
            "ident": str(conseiller),
            "cras": conseiller_cras,
        },
        {
            "label": "conseiller, the demo one",
            "type": "conseiller",
            "ident": str(demo_user.conseiller_id),
            "cras": demo_cras,
        },
    ]


def admin() -> User:
    return db.session.scalar(select(User).where(User.email == ADMIN))


def perimetre_of(scope: dict):
    return perimetres.perimetre(admin(), scope["type"], scope["ident"])


# --- measures ---------------------------------------------------------------------------------


def ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def percentile(values: list[float], p: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * p / 100) - 1)]


def timed(function, runs: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        function()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(ms(start))
    return times


def child(*args: str) -> dict:
    """Run this script in a new process for one cold measure; its JSON answer."""
    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, cwd=ROOT
    )
    if done.returncode:
        raise SystemExit(f"child {args} failed:\n{done.stdout}{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def cold_figures(url: str, scope: dict, periode: Periode) -> dict:
    """In a new process, connected: the first indicateurs() call of that scope."""
    app = app_for(url)
    with app.app_context():
        perimetre = perimetre_of(scope)  # also opens the connection
        db.session.execute(text("SELECT 1"))
        start = time.perf_counter()
        statistiques.indicateurs(perimetre, periode)
        return {"first": ms(start)}


def cold_chart(url: str, nom: str, periode: Periode) -> dict:
    """In a new process: the national figures, then the first and later draws of one chart."""
    app = app_for(url)
    with app.app_context():
        values = statistiques.indicateurs(statistiques.NATIONAL, periode)
    result = {}
    for extension in ("svg", "png"):
        start, cpu = time.perf_counter(), time.process_time()
        graphiques.render(nom, values, extension)
        result[f"{extension}_first"] = ms(start)
        result[f"{extension}_first_cpu"] = (time.process_time() - cpu) * 1000
        walls, cpus = [], []
        for _ in range(7):
            start, cpu = time.perf_counter(), time.process_time()
            graphiques.render(nom, values, extension)
            walls.append(ms(start))
            cpus.append((time.process_time() - cpu) * 1000)
        result[f"{extension}_median"] = statistics.median(walls)
        result[f"{extension}_median_cpu"] = statistics.median(cpus)
    return result


def in_process(scope_list: list[dict], periode: Periode, runs: int, warmup: int) -> dict:
    """Warm p50/p95 of indicateurs() per scope, and of each of its queries."""
    results = {}
    parts = {"sums": statistiques.sums_by_month, "organismes": statistiques.organismes}
    for scope in scope_list:
        perimetre = perimetre_of(scope)
        times = timed(lambda p=perimetre: statistiques.indicateurs(p, periode), runs, warmup)
        split = {
            name: statistics.median(
                timed(lambda f=f, p=perimetre: f(p, periode), max(5, runs // 3), 1)
            )
            for name, f in parts.items()
        }
        results[scope["label"]] = {
            "p50": percentile(times, 50),
            "p95": percentile(times, 95),
            **split,
        }
    return results


def explain(scope_list: list[dict], periode: Periode) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of every statement indicateurs() runs, scope by scope."""
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    for scope in scope_list:
        perimetre = perimetre_of(scope)
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", record)
        statistiques.indicateurs(perimetre, periode)
        event.remove(db.engine, "before_cursor_execute", record)
        for statement, parameters in list(statements):
            plan = (
                db.session.connection()
                .exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                .scalars()
                .all()
            )
            print(f"\n### {scope['label']}\n\n```\n{statement}\n\n" + "\n".join(plan) + "\n```")


def rss(pid: int | str = "self") -> tuple[float, float]:
    """(current, peak) resident memory of a process, MiB."""
    fields = dict(
        line.split(":", 1)
        for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        if ":" in line
    )
    return tuple(int(fields[key].split()[0]) / 1024 for key in ("VmRSS", "VmHWM"))


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def gunicorn_worker() -> int:
    """The worker of the gunicorn master this process started."""
    masters = [
        pid
        for pid in children(os.getpid())
        if "gunicorn" in Path(f"/proc/{pid}/cmdline").read_text()
    ]
    workers = [pid for master in masters for pid in children(master)]
    if len(workers) != 1:
        raise SystemExit(f"expected one gunicorn worker, found {workers}")
    return workers[0]


def over_http(url: str, scope_list: list[dict], periode: Periode, runs: int, warmup: int) -> dict:
    """The JSON API and the national charts through gunicorn (one sync worker)."""
    query = {"du": periode.du.isoformat(), "au": periode.au.isoformat()}
    results = {"scopes": {}, "charts": {}}
    with gunicorn(sqlalchemy_url(url), workers=1) as base:
        worker = gunicorn_worker()
        results["worker_start"] = rss(worker)
        login = requests.post(
            f"{base}/api/auth/login",
            timeout=30,
            json={"email": ADMIN, "password": Config.DEMO_PASSWORD},
        )
        login.raise_for_status()
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}

        def get(path: str) -> requests.Response:
            response = requests.get(base + path, params=query, headers=headers, timeout=120)
            response.raise_for_status()
            return response

        # Charts first: their first request draws in a worker that has drawn nothing yet.
        for nom in graphiques.TITRES:
            start = time.perf_counter()
            get(f"/api/statistiques/national/graphiques/{nom}.svg")
            results["charts"][nom] = ms(start)
        for scope in scope_list:
            path = (
                "/api/statistiques/national"
                if scope["type"] == "national"
                else f"/api/statistiques/{scope['type']}/{scope['ident']}"
            )
            start = time.perf_counter()
            body = get(path).json()
            first = ms(start)
            assert body["indicateurs"]["general"]["cra_enregistres"] == scope["cras"], scope
            times = timed(lambda path=path: get(path), runs, warmup)
            results["scopes"][scope["label"]] = {
                "first": first,
                "p50": percentile(times, 50),
                "p95": percentile(times, 95),
            }
        results["worker_end"] = rss(worker)
    return results


# --- report -----------------------------------------------------------------------------------


def verdict(value: float, target: float | None) -> str:
    if target is None:
        return ""
    return "met" if value <= target else "**missed**"


def report(
    args,
    setup: dict | None,
    scope_list,
    periode,
    cold,
    warm,
    http,
    charts,
    memory: dict,
    table_sizes,
) -> None:
    print(
        f"\n## {urlsplit(args.database_url).path.lstrip('/')}: "
        f"{scope_list[0]['cras']:,} CRAs in the period {periode.du} → {periode.au}\n"
    )
    for line in machine():
        print(f"- {line}")
    print(f"- PostgreSQL {postgresql_version(libpq_url(args.database_url))}")
    print(f"- {memory['load_start']} at the start, {load()} at the end")
    if setup and "cluster_seconds" in setup:
        print(
            f"- CRAs rewritten in date order (CLUSTER cra USING ix_cra_date, ANALYZE): "
            f"{setup['cluster_seconds']:.0f} s"
        )
    if setup and "command" in setup:
        print(
            f"- seed: `{setup['command']}` {setup['seconds']:.0f} s wall "
            f"({setup['seconds'] / 60:.1f} min), child CPU {setup['cpu']:.0f} s, peak "
            f"{setup['peak_mib']:.0f} MiB; {setup['load_before']} before, "
            f"{setup['load_after']} after; then VACUUM ANALYZE "
            f"{setup['vacuum_seconds']:.0f} s. Output: {setup['output'].splitlines()[-1]}"
        )
    print(
        f"\nFigures (ms; in process: {args.runs} runs after {args.warmup} warm-up runs; "
        "cold: first call in a new process):\n"
    )
    print(
        "| scope | CRAs in the year | in process cold | p50 | p95 | HTTP first | HTTP p50 "
        "| HTTP p95 | target (p50) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for scope in scope_list:
        label, target = scope["label"], TARGETS.get(scope["type"])
        w, h = warm[label], http["scopes"][label] if http else {}
        target_text = f"≤ {target:.0f}: {verdict(w['p50'], target)}" if target else ""
        print(
            f"| {label} | {scope['cras']:,} | {cold[label]['first']:.0f} | {w['p50']:.1f} | "
            f"{w['p95']:.1f} | {number(h.get('first'))} | {number(h.get('p50'), 1)} | "
            f"{number(h.get('p95'), 1)} | {target_text} |"
        )
    print("\nWhere the in-process time goes (median ms of each query alone):\n")
    print("| scope | counters summed per month | organismes |")
    print("|---|---:|---:|")
    for scope in scope_list:
        w = warm[scope["label"]]
        print(f"| {scope['label']} | {w['sums']:.1f} | {w['organismes']:.1f} |")
    chart_table(charts, http)
    print("\nMemory (MiB, resident):\n")
    print(
        f"- in-process run: {memory['before'][0]:.0f} before the first figures, peak "
        f"{memory['after'][1]:.0f} after every scope"
    )
    if http:
        print(
            f"- gunicorn worker: {http['worker_start'][0]:.0f} at start, "
            f"{http['worker_end'][0]:.0f} after every request (peak "
            f"{http['worker_end'][1]:.0f})"
        )
    print("\nSizes:\n")
    print("| table | rows | table | indexes | total |")
    print("|---|---:|---:|---:|---:|")
    for name, rows, table, indexes, total in table_sizes:
        print(f"| {name} | {'' if rows is None else f'{rows:,}'} | {table} | {indexes} | {total} |")
    print(f"\nBusiest processes at the end:\n```\n{busiest_processes()}\n```")


def chart_table(charts: dict, http: dict | None) -> None:
    print(
        f"\nCharts of the national figures (ms, wall / CPU of the process; target ≤ "
        f"{CHART_TARGET:.0f} cold):\n"
    )
    print(
        "| chart | SVG, first draw in a new process | SVG, later draws (median) "
        "| PNG, first | PNG, later | HTTP first request (figures + SVG) |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for nom, c in charts.items():
        cells = [
            f"{c[key]:.0f} / {c[f'{key}_cpu']:.0f}"
            for key in ("svg_first", "svg_median", "png_first", "png_median")
        ]
        for index, key in enumerate(("svg_first", "svg_median")):
            cells[index] += f" ({verdict(c[key], CHART_TARGET)})"
        print(f"| {nom} | {' | '.join(cells)} | {number(http['charts'][nom] if http else None)} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--cras", type=int, default=1_000_000)
    parser.add_argument("--conseillers", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the database as it is (seeded by an earlier run)",
    )
    parser.add_argument(
        "--cluster",
        action="store_true",
        help="first CLUSTER cra USING ix_cra_date: rows in date order, "
        "conseillers interleaved, as the field writes them (the seed "
        "writes them conseiller by conseiller)",
    )
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument(
        "--charts-only",
        action="store_true",
        help="only draw the charts (on the figures of a seeded database)",
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    checked(args.database_url)
    if args.child:  # one cold measure, in this new process
        kind, du, au, *rest = args.child
        periode = Periode(date.fromisoformat(du), date.fromisoformat(au))
        if kind == "figures":
            answer = cold_figures(args.database_url, json.loads(rest[0]), periode)
        else:
            answer = cold_chart(args.database_url, rest[0], periode)
        print(json.dumps(answer))
        return
    setup = (
        None if args.reuse else prepare(args.database_url, args.conseillers, args.cras, args.seed)
    )
    if args.cluster:
        setup = {**(setup or {}), "cluster_seconds": cluster(args.database_url)}
    memory = {"load_start": load()}
    app = app_for(args.database_url)
    with app.app_context():
        periode = latest_year()
        scope_list = scopes(periode)
        if args.explain:
            explain(scope_list, periode)
            return
        bounds = (periode.du.isoformat(), periode.au.isoformat())
        if args.charts_only:
            print(f"{', '.join(machine())}; {memory['load_start']} at the start")
            chart_table(
                {
                    nom: child(
                        "--database-url", args.database_url, "--child", "chart", *bounds, nom
                    )
                    for nom in graphiques.TITRES
                },
                None,
            )
            print(f"\n{load()} at the end")
            return
        cold = {
            scope["label"]: child(
                "--database-url",
                args.database_url,
                "--child",
                "figures",
                *bounds,
                json.dumps(scope),
            )
            for scope in scope_list
        }
        memory["before"] = rss()
        warm = in_process(scope_list, periode, args.runs, args.warmup)
        memory["after"] = rss()
        db.session.remove()
        db.engine.dispose()
    charts = {
        nom: child("--database-url", args.database_url, "--child", "chart", *bounds, nom)
        for nom in graphiques.TITRES
    }
    http = (
        None
        if args.no_http
        else over_http(args.database_url, scope_list, periode, args.runs, args.warmup)
    )
    report(
        args, setup, scope_list, periode, cold, warm, http, charts, memory, sizes(args.database_url)
    )


if __name__ == "__main__":
    main()
