"""Exports at scale (issue 11, item 6): the figures of docs/BENCHMARKS.md, on PostgreSQL.

    .venv/bin/python bench/exports.py \\
        --database-url postgresql://postgres@127.0.0.1:5432/bench_h11_exports --cras 1000000
    .venv/bin/python bench/exports.py --database-url …/bench_h11_exports --reuse

Without --reuse the database (its name must contain "bench") is rebuilt and seeded as
bench/statistiques.py does (`flask demo seed --conseillers 4000 --cras N`). Then, for the
national scope over the default pilotage period (the programme's start → the last CRA), each
measure runs in a child process of its own (its peak memory is its own):

  1. the figures (rapports.rapport), then the CPU time of building each summary export from
     them: PDF (WeasyPrint), Excel (no rows), CSV summary; the first build in the process
     (cold) and the median of later builds; then a cached one (key + cache hit);
  2. the CRA rows as CSV (every row, streamed to /dev/null): wall and CPU time, peak memory;
  3. the CRA rows as Excel for --xlsx-rows rows and a tenth of them: time and peak memory,
     to show memory flat in the number of rows (--xlsx-rows 1000000 for the full national
     workbook).
"""

import argparse
import itertools
import json
import resource
import statistics as stats
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from sqlalchemy import func, select  # noqa: E402
from statistiques import admin, app_for, checked, prepare  # noqa: E402
from sync_push import load, machine, postgresql_version  # noqa: E402

from server.extensions import db  # noqa: E402
from server.models import Cra  # noqa: E402
from server.services import exports, perimetres, rapports, tableur  # noqa: E402

TARGETS = {"pdf": 500.0, "cached": 20.0}  # ms of CPU


def cpu_ms(function) -> tuple[float, object]:
    start = time.process_time()
    result = function()
    return (time.process_time() - start) * 1000, result


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def national() -> tuple:
    perimetre = perimetres.perimetre(admin(), "national", "")
    au = db.session.scalar(select(func.max(Cra.date)))
    periode = perimetres.periode(None, au)
    return perimetre, periode


def summaries(runs: int) -> dict:
    """Figures, then each summary export built from them: cold, warm median, cached."""
    perimetre, periode = national()
    figures_ms, report = cpu_ms(lambda: rapports.rapport(perimetre, periode, noms_libres=False))
    builders = {
        "pdf": lambda: exports.rapport_pdf(report),
        "xlsx": lambda: b"".join(exports.classeur(report, perimetre, periode, False)),
        "resume.csv": lambda: exports.resume_csv(report),
    }
    result = {
        "figures_ms": figures_ms,
        "months": len(report["indicateurs"]["evolution"]),
        "cras": report["indicateurs"]["general"]["cra_enregistres"],
    }
    for name, build in builders.items():
        cold, body = cpu_ms(build)
        warm = [cpu_ms(build)[0] for _ in range(runs)]
        exports.en_cache(exports.cle(report, name), lambda body=body: body)
        cached = [
            cpu_ms(lambda n=name, b=build: exports.en_cache(exports.cle(report, n), b))[0]
            for _ in range(runs)
        ]
        result[name] = {
            "cold_ms": cold,
            "warm_ms": stats.median(warm),
            "cached_ms": stats.median(cached),
            "bytes": len(body),
        }
    result["peak_mib"] = peak_mib()
    return result


def rows_csv() -> dict:
    perimetre, periode = national()
    start, cpu = time.perf_counter(), time.process_time()
    size = rows = 0
    with open("/dev/null", "wb") as sink:
        for chunk in exports.cras_csv(perimetre, periode):
            sink.write(chunk)
            size += len(chunk)
            rows += chunk.count(b"\r\n")
    return {
        "rows": rows - 1,
        "wall_s": time.perf_counter() - start,
        "cpu_s": time.process_time() - cpu,
        "bytes": size,
        "peak_mib": peak_mib(),
    }


def rows_xlsx(limit: int) -> dict:
    perimetre, periode = national()
    start, cpu = time.perf_counter(), time.process_time()
    workbook = tableur.Classeur("bench", [])
    count = workbook.tableau(
        "CRA", exports.COLUMNS, itertools.islice(exports.lignes(perimetre, periode), limit)
    )
    size = sum(len(chunk) for chunk in workbook.flux())
    return {
        "rows": count,
        "wall_s": time.perf_counter() - start,
        "cpu_s": time.process_time() - cpu,
        "bytes": size,
        "peak_mib": peak_mib(),
    }


def child_main(url: str, what: str, argument: int) -> None:
    app = app_for(url)
    with app.test_request_context():  # the report template runs the pages' context processors
        result = {
            "summaries": lambda: summaries(argument),
            "rows_csv": rows_csv,
            "rows_xlsx": lambda: rows_xlsx(argument),
        }[what]()
    print(json.dumps(result))


def child(url: str, what: str, argument: int = 0) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--database-url", url, "--child", what, str(argument)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--cras", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    checked(args.database_url)
    if args.child:
        child_main(args.database_url, args.child[0], int(args.child[1]))
        return
    if not args.reuse:
        seeded = prepare(args.database_url, 4000, args.cras, 42)
        print(f"seeded in {seeded['seconds']:.0f} s")
    print(f"{', '.join(machine())}; {postgresql_version(args.database_url)}; {load()}")
    summary = child(args.database_url, "summaries", args.runs)
    print(
        f"national, {summary['months']} months, {summary['cras']:,} CRAs: figures "
        f"{summary['figures_ms']:.0f} ms CPU; peak {summary['peak_mib']:.0f} MiB"
    )
    print("| export | cold (ms CPU) | warm median | cached median | size |")
    print("|---|---|---|---|---|")
    for name in ("pdf", "xlsx", "resume.csv"):
        row = summary[name]
        print(
            f"| {name} | {row['cold_ms']:.0f} | {row['warm_ms']:.0f} | "
            f"{row['cached_ms']:.2f} | {row['bytes'] / 1024:.0f} KiB |"
        )
    print(f"targets: PDF ≤ {TARGETS['pdf']:.0f} ms, cached ≤ {TARGETS['cached']:.0f} ms; {load()}")
    csv_rows = child(args.database_url, "rows_csv")
    print(
        f"rows CSV: {csv_rows['rows']:,} rows, {csv_rows['wall_s']:.1f} s wall, "
        f"{csv_rows['cpu_s']:.1f} s CPU, {csv_rows['bytes'] / 2**20:.0f} MiB, "
        f"peak {csv_rows['peak_mib']:.0f} MiB; {load()}"
    )
    for limit in (args.xlsx_rows // 10, args.xlsx_rows):
        xlsx = child(args.database_url, "rows_xlsx", limit)
        print(
            f"rows XLSX: {xlsx['rows']:,} rows, {xlsx['wall_s']:.1f} s wall, "
            f"{xlsx['cpu_s']:.1f} s CPU ({xlsx['rows'] / xlsx['cpu_s']:,.0f} rows/s), "
            f"{xlsx['bytes'] / 2**20:.1f} MiB, peak {xlsx['peak_mib']:.0f} MiB; {load()}"
        )


if __name__ == "__main__":
    main()
