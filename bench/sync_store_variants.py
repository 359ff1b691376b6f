"""Where the first send's time goes: 50 creates written six ways on PostgreSQL (issue 3).

    .venv/bin/python bench/sync_store_variants.py --database-url postgresql://…/bench_sync

Run it after bench/sync_push.py, on the database that script prepared (its conseillers and
territories). Each variant writes the same 50 cra + cra_operation rows for one conseiller,
after the same row lock, in a transaction rolled back afterwards (nothing stays). The variants
run interleaved, 15 times each, and the median is printed:

  sqlstore                 server.services.cras.SqlStore as the push uses it: per row a
                           savepoint, a new INSERT statement built with .values(**row) and
                           executed by the ORM session, and the CRA copy dumped
  orm_statement_once       the same ORM INSERT statements built once, row values as parameters,
                           executed by the session, savepoint per row
  table_values_per_row     Core (table) INSERT statements built per row with .values(**row),
                           executed by the session, savepoint per row
  core_statement_once      Core statements built once, executed on the session's connection,
                           savepoint per row
  core_no_savepoint        the same without the per-row savepoints
  executemany              two executemany (one per table) for the whole batch
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

from bench.sync_push import app_config, cra_content  # noqa: E402
from server import create_app  # noqa: E402
from server.extensions import db  # noqa: E402
from server.models import Conseiller, Cra, CraOperation  # noqa: E402
from server.models.types import utcnow  # noqa: E402
from server.services.cras import SqlStore  # noqa: E402
from sync.protocol import Operation  # noqa: E402

BATCH = 50
REPEATS = 15


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()
    app = create_app(app_config(args.database_url))
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
                batch.append((
                    {**content, "id": cra_id, "conseiller_id": conseiller_id,
                     "structure_id": structure_id, "head": op_id, "version": 1,
                     "seq": 10**12 + number, "received_at": now, "updated_at": now,
                     "deleted_at": None, "client_time": None},
                    {"op_id": op_id, "cra_id": cra_id, "conseiller_id": conseiller_id,
                     "type": "create", "applied_at": now, "client_time": None}))
            return batch

        def lock():
            db.session.execute(update(Conseiller).where(Conseiller.id == conseiller_id)
                               .values(sync_seq=Conseiller.sync_seq))

        def sqlstore():
            store = SqlStore(db.session.get(Conseiller, conseiller_id))
            store.lock_owner()
            for cra, op in rows():
                operation = Operation(str(op["op_id"]), "create", str(cra["id"]))
                with store.savepoint():
                    store.record(operation)
                    store.insert(operation, content)

        def insert(target, key):
            return postgresql.insert(target).on_conflict_do_nothing(index_elements=[key])

        orm_op = insert(CraOperation, "op_id").returning(CraOperation.op_id)
        orm_cra = insert(Cra, "id").returning(Cra.id)
        core_op = insert(CraOperation.__table__, "op_id").returning(CraOperation.op_id)
        core_cra = insert(Cra.__table__, "id").returning(Cra.id)

        def orm_statement_once():
            lock()
            for cra, op in rows():
                with db.session.begin_nested():
                    db.session.execute(orm_op, op).first()
                    db.session.execute(orm_cra, cra).first()

        def table_values_per_row():
            lock()
            for cra, op in rows():
                with db.session.begin_nested():
                    db.session.execute(insert(CraOperation.__table__, "op_id").values(**op)
                                       .returning(CraOperation.op_id)).first()
                    db.session.execute(insert(Cra.__table__, "id").values(**cra)
                                       .returning(Cra.id)).first()

        def core_statement_once():
            lock()
            connection = db.session.connection()
            for cra, op in rows():
                with db.session.begin_nested():
                    connection.execute(core_op, op).first()
                    connection.execute(core_cra, cra).first()

        def core_no_savepoint():
            lock()
            connection = db.session.connection()
            for cra, op in rows():
                connection.execute(core_op, op).first()
                connection.execute(core_cra, cra).first()

        def executemany():
            lock()
            connection = db.session.connection()
            batch = rows()
            connection.execute(insert(CraOperation.__table__, "op_id"), [op for _, op in batch])
            connection.execute(insert(Cra.__table__, "id"), [cra for cra, _ in batch])

        variants = (sqlstore, orm_statement_once, table_values_per_row, core_statement_once,
                    core_no_savepoint, executemany)
        for variant in variants:  # warm-up: statements compiled, prepared, cached
            for _ in range(3):
                variant()
                db.session.rollback()
        times = {variant.__name__: [] for variant in variants}
        for _ in range(REPEATS):  # interleaved: a change of load hits every variant alike
            for variant in variants:
                started = time.perf_counter()
                variant()
                times[variant.__name__].append(time.perf_counter() - started)
                db.session.rollback()
        print(f"| variant (PostgreSQL, {BATCH} creates, rolled back) | ms per batch | "
              "CRAs/s |")
        print("|---|---:|---:|")
        for name, values in times.items():
            median = statistics.median(values)
            print(f"| {name} | {median * 1000:.1f} | {BATCH / median:,.0f} |")
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
