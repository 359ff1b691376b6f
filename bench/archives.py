"""Time `flask archives importer` on a generated archive of the original: docs/BENCHMARKS.md.

    .venv/bin/python bench/archives.py --database-url postgresql://postgres@127.0.0.1/bench_archives
    .venv/bin/python bench/archives.py --database-url ... --rows 1000000 --keep-file /tmp/a.csv

The database is emptied first (its name must contain "bench"), migrated, given the territories
and the national demo population without CRAs (`flask demo seed --conseillers 4000 --cras 0`);
three quarters of its conseillers and every structure get an original id, as a deployment
would record them. The archive is then written row by row (never held in memory): ROWS CRAs
from 17/11/2020 to 30/11/2024 by those conseillers, by 500 more that are unknown here (their
CRAs go to their structure's archive owner) and by 300 structures unknown here (made from the
archive's description); about 3 % of the rows are dirty as real ones are (repairs, remarks,
refusals). Then `flask archives importer` runs as a child process: wall time, rows/s, CPU
time and peak memory (ru_maxrss) of the child, then `flask statistiques verifier`.
"""

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from seed_demo import FLASK, flask, reset  # noqa: E402
from sync_push import libpq_url, load, machine, postgresql_version  # noqa: E402

from server.models.cra import THEMES  # noqa: E402
from server.services.archives.lignes import COLONNES  # noqa: E402

START = datetime(2020, 11, 17, 8, tzinfo=UTC)
SECONDS = int((datetime(2024, 11, 30, tzinfo=UTC) - START).total_seconds())
THEME_KEYS = list(THEMES)
CANAUX = ["rattachement", "autre lieu", "distance", "domicile"]
ORGANISMES = ["CAF", "CPAM", "Mairie", "France Services", "Pôle emploi", "Association du coin"]


def original_ids(url: str) -> tuple[list, list]:
    """Give the demo people original ids; return (conseillers, structures) as the archive
    names them: (conseiller oid, structure oid, commune code, postal code)."""
    with psycopg.connect(libpq_url(url)) as connection:
        connection.execute("UPDATE structure SET origine_id = 'a' || lpad(to_hex(id), 23, '0')")
        connection.execute(
            "UPDATE conseiller SET origine_id = 'b' || lpad(to_hex(id), 23, '0') WHERE id % 4 > 0"
        )
        conseillers = connection.execute(
            "SELECT coalesce(c.origine_id, 'c' || lpad(to_hex(c.id), 23, '0')), s.origine_id, "
            "s.nom, s.code_commune, s.code_postal, s.departement_code "
            "FROM conseiller c JOIN structure s ON s.id = c.structure_id"
        ).fetchall()
        communes = connection.execute(
            "SELECT c.code, min(p.code_postal) FROM commune c "
            "JOIN commune_code_postal p ON p.commune_code = c.code "
            "WHERE c.type = 'commune-actuelle' GROUP BY c.code ORDER BY c.code"
        ).fetchall()
    return conseillers, communes


def employers(rng: random.Random, conseillers: list, communes: list) -> list[tuple]:
    """(conseiller oid, structure oid, nom, commune, postal code, communes near) of every
    conseiller of the archive: those here, 500 unknown here, 300 in unknown structures."""
    people = [tuple(row[:5]) for row in conseillers]
    for number in range(500):
        people.append((f"d{number:023x}", *rng.choice(conseillers)[1:5]))
    for number in range(300):
        code, postal = rng.choice(communes)
        structure = (f"e{number:023x}", f"Structure disparue {number}", code, postal)
        people.extend((f"f{number:019x}{k:04x}", *structure) for k in range(3))
    return people


def archive_row(rng: random.Random, number: int, who: tuple, communes: list) -> list:
    conseiller, structure, nom, code, postal = who
    activite = rng.choices(["individuel", "ponctuel", "collectif"], (55, 25, 20))[0]
    participants = 1 if activite != "collectif" else rng.randint(2, 15)
    ages = [0] * 5
    statuts = [0] * 5
    for _ in range(participants):
        ages[rng.randrange(5)] += 1
        statuts[rng.randrange(5)] += 1
    recurrents = rng.randint(0, participants) if rng.random() < 0.3 else 0
    themes = rng.sample(THEME_KEYS, rng.choice((1, 1, 2, 3)))
    duree = rng.choice(("0-30", "30-60", "60", "90", "120", "75", "240"))
    redirection = 1 if rng.random() < 0.15 else 0
    organismes = f'{{"{rng.choice(ORGANISMES)}": 1}}' if redirection else "null"
    if rng.random() < 0.5:
        code, postal = rng.choice(communes)
    moment = START + timedelta(seconds=rng.randrange(SECONDS))
    dirty = rng.random()
    if dirty < 0.01:
        recurrents = participants + 1  # repaired
    elif dirty < 0.015:
        themes.append("smartphone")  # remark
    elif dirty < 0.02:
        ages[0] += 1  # remark
    elif dirty < 0.025:
        code = "99999"  # refused or repaired from the postal code
    elif dirty < 0.03:
        duree = "45"  # repaired
    stamp = moment.strftime("%Y-%m-%d %H:%M:%S.000")
    values = {
        "id": f"{number:024x}",
        "imported_at": "2024-12-01 00:00:00.000",
        "canal": rng.choices(CANAUX, (60, 20, 15, 5))[0],
        "activite": activite,
        "nb_participants": participants,
        "nb_participants_recurrents": recurrents,
        "themes": "{" + ",".join(f'"{t}"' if " " in t else t for t in themes) + "}",
        "sous_themes_sante": "{espace-sante}" if "sante" in themes else "{}",
        "duree": duree,
        "accompagnement_individuel": 0,
        "accompagnement_atelier": 0,
        "accompagnement_redirection": redirection,
        "code_postal": postal,
        "nom_commune": "COMMUNE",
        "date_accompagnement": stamp,
        "code_commune": code,
        "created_at": stamp,
        "structure_id": structure,
        "structure_nom": nom,
        "structure_code_commune": who[3],
        "structure_code_postal": who[4],
        "v1_conseiller_numerique_id": conseiller,
        "sous_themes_accompagner": "{}",
        "sous_themes_equipement_informatique": "{}",
        "sous_themes_traitement_texte": "{}",
        "organismes": organismes,
    }
    for key, value in zip(COLONNES[6:11], ages, strict=True):
        values[key] = value
    for key, value in zip(COLONNES[11:16], statuts, strict=True):
        values[key] = value
    return [values.get(name, "null") for name in COLONNES]


def generate(path: Path, rows: int, people: list, communes: list, seed: int) -> float:
    rng = random.Random(seed)
    start = time.perf_counter()
    with open(path, "w", encoding="utf-8", newline="") as target:
        writer = csv.writer(target)
        writer.writerow(COLONNES)
        for number in range(1, rows + 1):
            writer.writerow(archive_row(rng, number, rng.choice(people), communes))
    return time.perf_counter() - start


def timed(environment: dict, *args: str) -> tuple[float, object, str]:
    with tempfile.TemporaryFile(mode="w+") as output:
        start = time.perf_counter()
        child = subprocess.Popen(
            [str(FLASK), *args], env=environment, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT
        )
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - start
        output.seek(0)
        text = output.read().strip()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"flask {' '.join(args)} failed:\n{text}")
    return elapsed, usage, text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--rows", type=int, default=4_500_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep-file", type=Path, default=None, help="write the archive here")
    args = parser.parse_args()
    if not args.database_url:
        parser.error("give --database-url or set DATABASE_URL")
    environment = {**os.environ, "DATABASE_URL": args.database_url, "FLASK_APP": "server"}
    reset(args.database_url)
    flask(environment, "db", "upgrade")
    flask(environment, "territoires", "import")
    flask(environment, "demo", "seed", "--conseillers", "4000", "--cras", "0")
    conseillers, communes = original_ids(args.database_url)
    people = employers(random.Random(args.seed), conseillers, communes)
    with tempfile.TemporaryDirectory() as folder:
        path = args.keep_file or Path(folder) / "archive.csv"
        written = generate(path, args.rows, people, communes, args.seed)
        size = path.stat().st_size / 2**20
        print(f"archive: {args.rows:,} rows, {size:,.0f} MiB, written in {written:.0f} s")
        print(" | ".join(machine()))
        print(f"PostgreSQL {postgresql_version(args.database_url)}; {load()} before the import")
        report = Path(folder) / "rapport.csv"
        elapsed, usage, output = timed(
            environment, "archives", "importer", str(path), "--rapport", str(report)
        )
        print(output)
        print(
            f"flask archives importer: {elapsed:.1f} s wall ({elapsed / 60:.1f} min), "
            f"{args.rows / elapsed:,.0f} rows/s, "
            f"child CPU {usage.ru_utime + usage.ru_stime:.0f} s, "
            f"peak memory {usage.ru_maxrss / 1024:.0f} MiB; {load()} after"
        )
        elapsed, usage, output = timed(environment, "statistiques", "verifier")
        print(f"flask statistiques verifier: {output} ({elapsed:.1f} s)")


if __name__ == "__main__":
    main()
