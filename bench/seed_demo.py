"""Time `flask demo seed --cras N` on a fresh database: the demo seed figure of docs/BENCHMARKS.md.

    .venv/bin/python bench/seed_demo.py --database-url postgresql://postgres@127.0.0.1/bench_demo
    .venv/bin/python bench/seed_demo.py --database-url sqlite:////tmp/bench.sqlite --cras 100000

The database is emptied first (PostgreSQL: its public schema is dropped and rebuilt; SQLite: the
file is removed), so its name must contain "bench". Then the script runs what a deployment
runs, `flask db upgrade` and `flask territoires import`, and times `flask demo seed --cras N`
as a child process: wall time, CRAs (and their create operations) per second, the child's CPU
time and peak memory. The load average is printed too: the figure depends on what else runs.
"""

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from resource import struct_rusage
from urllib.parse import urlsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
FLASK = ROOT / ".venv" / "bin" / "flask"


def reset(url: str) -> None:
    """Start from nothing; refuse any database that is not obviously a benchmark one."""
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    if "bench" not in name:
        sys.exit(f"Refusing to empty {name!r}: the database name must contain 'bench'.")
    if url.startswith("sqlite"):
        Path(urlsplit(url).path[1:]).unlink(missing_ok=True)
        return
    with psycopg.connect(
        url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    ) as connection:
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")


def flask(environment: dict, *args: str) -> None:
    done = subprocess.run(
        [str(FLASK), *args], env=environment, cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def timed_seed(
    environment: dict, cras: int, seed: int, *options: str
) -> tuple[float, struct_rusage, str]:
    """Wall time, resource usage and output of one `flask demo seed` child."""
    with tempfile.TemporaryFile(mode="w+") as output:
        start = time.perf_counter()
        child = subprocess.Popen(
            [str(FLASK), "demo", "seed", "--cras", str(cras), "--seed", str(seed), *options],
            env=environment,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - start
        output.seek(0)
        text = output.read().strip()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"flask demo seed failed:\n{text}")
    return elapsed, usage, text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL"), help="default: $DATABASE_URL"
    )
    parser.add_argument("--cras", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    if not args.database_url:
        parser.error("give --database-url or set DATABASE_URL")
    environment = {**os.environ, "DATABASE_URL": args.database_url, "FLASK_APP": "server"}
    reset(args.database_url)
    flask(environment, "db", "upgrade")
    flask(environment, "territoires", "import")
    load = os.getloadavg()[0]
    elapsed, usage, output = timed_seed(environment, args.cras, args.seed)
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load average {load:.2f} before the seed"
    )
    print(output)
    print(
        f"flask demo seed --cras {args.cras}: {elapsed:.1f} s wall, "
        f"{args.cras / elapsed:,.0f} CRAs/s ({2 * args.cras / elapsed:,.0f} rows/s with "
        f"their operations), child CPU {usage.ru_utime + usage.ru_stime:.1f} s, "
        f"peak memory {usage.ru_maxrss / 1024:.0f} MiB"
    )


if __name__ == "__main__":
    main()
