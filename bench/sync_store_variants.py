"""How a batch's rows are written: 50 creates, five ways, on PostgreSQL (issue 3).

    .venv/bin/python bench/sync_store_variants.py --database-url postgresql://…/bench_sync

Run it after bench/sync_push.py, on the database that script prepared (its conseillers and
territories). Each variant writes the same 50 cra + cra_operation rows for one conseiller,
after the same row lock, in a transaction rolled back afterwards (nothing stays). The variants
run interleaved, 15 times each, and the median is printed:

  planned              server.services.cras.SqlStore as the push uses it: the 50 creates
                       planned in memory (plan_record, plan_insert), then write_planned(): one
                       savepoint, one INSERT … SELECT FROM unnest(arrays) … ON CONFLICT DO
                       NOTHING RETURNING per table
  item_by_item         the store's way after a lost race: per create a savepoint, a one-row
                       insert-on-conflict into each table, the release
  values_list          one multi-row INSERT … VALUES (…), (…) … ON CONFLICT DO NOTHING
                       RETURNING per table (SQLAlchemy's "insertmanyvalues"): some 2,000
                       parameters the driver parses anew at each batch
  unnest               the planned way's two statements alone: one array per column
  executemany          the driver's executemany, one per table, no RETURNING (it cannot tell
                       a taken key, so the store cannot use it)
"""

import argparse
import statistics
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.sync_push import analyze, app_config, cra_content  # noqa: E402
from server import create_app  # noqa: E402
from server.extensions import db  # noqa: E402
from server.models import Conseiller, Cra, CraOperation  # noqa: E402
from server.models.types import utcnow  # noqa: E402
from server.services.cras import SqlStore, _insert_all  # noqa: E402
from server.services.sql import insert_ignoring_conflicts  # noqa: E402
from sync.protocol import Operation  # noqa: E402

BATCH = 50
REPEATS = 15


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()
    app = create_app(app_config(args.database_url))
    analyze(args.database_url)
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            raise SystemExit("PostgreSQL only")
        content = cra_content()
        conseiller_id = db.session.scalar(select(Conseiller.id).order_by(Conseiller.id))
        structure_id = db.session.get(Conseiller, conseiller_id).structure_id
        db.session.rollback()

        def rows():
            now, batch = utcnow(), []
            for number in range(BATCH):
                cra_id, op_id = uuid.uuid4(), uuid.uuid4()
                batch.append(
                    (
                        {
                            **content,
                            "id": cra_id,
                            "conseiller_id": conseiller_id,
                            "structure_id": structure_id,
                            "head": op_id,
                            "version": 1,
                            "seq": 10**12 + number,
                            "received_at": now,
                            "updated_at": now,
                            "deleted_at": None,
                            "client_time": None,
                        },
                        {
                            "op_id": op_id,
                            "cra_id": cra_id,
                            "conseiller_id": conseiller_id,
                            "type": "create",
                            "applied_at": now,
                            "client_time": None,
                        },
                    )
                )
            return batch

        def operations():
            return [Operation(str(uuid.uuid4()), "create", str(uuid.uuid4())) for _ in range(BATCH)]

        def conseiller():
            """The conseiller as a push has it: loaded with the account, contracts included."""
            found = db.session.get(Conseiller, conseiller_id)
            assert found.emplois
            return found

        def store():
            store = SqlStore(db.session.get(Conseiller, conseiller_id))
            store.lock_owner()
            store.load([])
            return store

        def lock():
            db.session.execute(
                update(Conseiller)
                .where(Conseiller.id == conseiller_id)
                .values(sync_seq=Conseiller.sync_seq)
            )

        def planned():
            batch = store()
            for operation in operations():
                batch.plan_insert(operation, content)
                batch.plan_record(operation)
            assert batch.write_planned()

        def item_by_item():
            batch = store()
            for operation in operations():
                with batch.savepoint():
                    assert batch.record(operation)
                    assert batch.insert(operation, content) is not None

        def values_list():
            lock()
            connection = db.session.connection()
            batch = rows()
            for table, key, values in (
                (CraOperation.__table__, "op_id", [o for _, o in batch]),
                (Cra.__table__, "id", [c for c, _ in batch]),
            ):
                statement = insert_ignoring_conflicts(table, key)
                assert len(connection.execute(statement, values).all()) == BATCH

        def unnest():
            lock()
            batch = rows()
            assert _insert_all(CraOperation.__table__, "op_id", [o for _, o in batch])
            assert _insert_all(Cra.__table__, "id", [c for c, _ in batch])

        def executemany():
            lock()
            connection = db.session.connection()
            batch = rows()
            for table, key, values in (
                (CraOperation.__table__, "op_id", [o for _, o in batch]),
                (Cra.__table__, "id", [c for c, _ in batch]),
            ):
                connection.execute(
                    postgresql.insert(table).on_conflict_do_nothing(index_elements=[key]), values
                )

        variants = (planned, item_by_item, values_list, unnest, executemany)
        for variant in variants:  # warm-up: statements compiled, prepared, cached
            for _ in range(6):
                conseiller()
                variant()
                db.session.rollback()
        times = {variant.__name__: [] for variant in variants}
        for _ in range(REPEATS):  # interleaved: a change of load hits every variant alike
            for variant in variants:
                conseiller()  # reloaded after the rollback, off the clock
                started = time.perf_counter()
                variant()
                times[variant.__name__].append(time.perf_counter() - started)
                db.session.rollback()
        print(f"| variant (PostgreSQL, {BATCH} creates, rolled back) | ms per batch | CRAs/s |")
        print("|---|---:|---:|")
        for name, values in times.items():
            median = statistics.median(values)
            print(f"| {name} | {median * 1000:.1f} | {BATCH / median:,.0f} |")
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
