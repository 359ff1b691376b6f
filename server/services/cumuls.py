"""The daily totals per département (models/statistique.py), kept exactly equal to the CRAs.

They are sums of the same per-CRA expressions the statistics use (statistiques.contributions),
so a total read from them is the total read from the CRAs. They never drift because nothing
updates them by hand: a sync batch takes the totals of its own CRAs before its first write and
after its last, and adds the difference, in the batch's transaction (replays, duplicates,
rejected and rolled-back items change nothing, so they add nothing). `recalculer()` re-derives
everything from the CRAs; `ecarts()` says where stored and derived totals differ.

Lock order: a batch holds its conseiller's row lock, then upserts the day rows sorted by key,
so two batches never wait for each other in a cycle.
"""

import uuid
from collections.abc import Iterable
from datetime import date

from sqlalchemy import bindparam, delete, func, insert, select, text, true

from server.extensions import db
from server.models import Cra, Structure
from server.models.statistique import COMPTEURS, cra_stat_jour, cra_stat_organisme
from server.services import sql
from server.services.statistiques import contributions, organismes_of_cras

Key = tuple[date, str, str]  # jour, departement_code, region_code
CRAS = COMPTEURS.index("cras")
Totaux = tuple[dict[Key, tuple[int, ...]], dict[tuple, int]]


def _keys():
    # '' for a CRA without structure: counted nationally, in no territory.
    return (
        Cra.date.label("jour"),
        func.coalesce(Structure.departement_code, "").label("departement_code"),
        func.coalesce(Structure.region_code, "").label("region_code"),
    )


def _from_cras(query, *conditions):
    return (
        query.select_from(Cra)
        .outerjoin(Structure, Cra.structure_id == Structure.id)
        .where(Cra.deleted_at.is_(None), *conditions)
    )


def _jours(*conditions):
    """Day rows derived from the CRAs meeting the conditions."""
    keys = _keys()
    sums = [func.sum(expression).label(name) for name, expression in contributions().items()]
    return _from_cras(select(*keys, *sums), *conditions).group_by(*keys)


def _organismes(*conditions):
    """Organisme rows derived from the CRAs meeting the conditions."""
    keys = _keys()
    each, nom, nombre = organismes_of_cras()
    nom = nom.label("nom")
    query = _from_cras(select(*keys, nom, func.sum(nombre).label("nombre")), *conditions)
    return query.join(each, true()).group_by(*keys, nom)


_BATCH_QUERIES: dict[str, tuple] = {}


def _batch_queries():
    """The two queries of totaux(), built once per dialect: a batch runs them twice, and their
    fifty expressions cost more to build than to run."""
    name = sql.dialect_name()
    if name not in _BATCH_QUERIES:
        conditions = (
            Cra.conseiller_id == bindparam("conseiller_id"),
            Cra.id.in_(bindparam("cra_ids", expanding=True)),
        )
        _BATCH_QUERIES[name] = (_jours(*conditions), _organismes(*conditions))
    return _BATCH_QUERIES[name]


def totaux(conseiller_id: int, cra_ids: Iterable[str]) -> Totaux:
    """The day and organisme rows of these CRAs of this conseiller (their share of the totals)."""
    jours_query, organismes_query = _batch_queries()
    values = {"conseiller_id": conseiller_id, "cra_ids": [uuid.UUID(cra_id) for cra_id in cra_ids]}
    jours = {
        tuple(row[:3]): tuple(int(v) for v in row[3:])
        for row in db.session.execute(jours_query, values)
    }
    organismes = {
        tuple(row[:4]): int(row[4]) for row in db.session.execute(organismes_query, values)
    }
    return jours, organismes


_NEW_STATEMENTS: dict[str, tuple] = {}


def _add_from_select(table, keys: list[str], counters: list[str], query):
    """INSERT INTO table SELECT … ON CONFLICT add the counters: the sums never leave the
    database. Keys in order, as ajouter() takes them."""
    query = query.order_by(*(query.selected_columns[key] for key in keys))
    statement = (
        sql.dialect()
        .insert(table)
        .from_select([column.name for column in query.selected_columns], query)
    )
    return statement.on_conflict_do_update(
        index_elements=keys,
        set_={name: table.c[name] + statement.excluded[name] for name in counters},
    )


def ajouter_nouveaux(cra_ids: list) -> None:
    """Add the share of CRAs just written in bulk, counted nowhere yet, to the stored totals
    (the archive import's chunks), in the caller's transaction: the same sums as a sync
    batch's, added by the database itself (a chunk of a four-year archive touches tens of
    thousands of day rows). `cra_ids` as sql.one_of binds them: UUIDs, or their text on
    PostgreSQL (archives.ecriture.parametres)."""
    name = sql.dialect_name()
    if name not in _NEW_STATEMENTS:
        condition = sql.one_of(Cra.id, "cra_ids")
        _NEW_STATEMENTS[name] = (
            _add_from_select(
                cra_stat_jour, ["jour", "departement_code"], list(COMPTEURS), _jours(condition)
            ),
            _add_from_select(
                cra_stat_organisme,
                ["jour", "departement_code", "nom"],
                ["nombre"],
                _organismes(condition),
            ),
        )
    connection = db.session.connection()
    piece = sql.PIECE[name]
    for start in range(0, len(cra_ids), piece):
        values = {"cra_ids": cra_ids[start : start + piece]}
        for statement in _NEW_STATEMENTS[name]:
            connection.execute(statement, values)


def _upsert(table, keys: list[str], counters: list[str]):
    statement = sql.dialect().insert(table)
    return statement.on_conflict_do_update(
        index_elements=keys,
        set_={name: table.c[name] + statement.excluded[name] for name in counters},
    )


def ajouter(avant: Totaux, apres: Totaux) -> None:
    """Add (après − avant) to the stored totals; rows left empty are removed."""
    jours = {}
    for key in sorted(avant[0].keys() | apres[0].keys()):
        before = avant[0].get(key, (0,) * len(COMPTEURS))
        after = apres[0].get(key, (0,) * len(COMPTEURS))
        delta = tuple(b - a for a, b in zip(before, after, strict=True))
        if any(delta):
            jours[key] = delta
    organismes = {
        key: apres[1].get(key, 0) - avant[1].get(key, 0)
        for key in sorted(avant[1].keys() | apres[1].keys())
    }
    organismes = {key: delta for key, delta in organismes.items() if delta}
    connection = db.session.connection()
    if jours:
        connection.execute(
            _upsert(cra_stat_jour, ["jour", "departement_code"], list(COMPTEURS)),
            [
                {
                    "jour": k[0],
                    "departement_code": k[1],
                    "region_code": k[2],
                    **dict(zip(COMPTEURS, delta, strict=True)),
                }
                for k, delta in jours.items()
            ],
        )
        # Every counter comes from a CRA: a day without CRAs has nothing left to count (only
        # a CRA going away can leave one so).
        if any(delta[CRAS] < 0 for delta in jours.values()):
            connection.execute(
                delete(cra_stat_jour).where(
                    cra_stat_jour.c.cras == 0, cra_stat_jour.c.jour.in_({k[0] for k in jours})
                )
            )
    if organismes:
        connection.execute(
            _upsert(cra_stat_organisme, ["jour", "departement_code", "nom"], ["nombre"]),
            [
                {
                    "jour": k[0],
                    "departement_code": k[1],
                    "region_code": k[2],
                    "nom": k[3],
                    "nombre": delta,
                }
                for k, delta in organismes.items()
            ],
        )
        if any(delta < 0 for delta in organismes.values()):
            connection.execute(
                delete(cra_stat_organisme).where(
                    cra_stat_organisme.c.nombre == 0,
                    cra_stat_organisme.c.jour.in_({k[0] for k in organismes}),
                )
            )


class Suivi:
    """The totals of one sync batch's CRAs, before its first write (taken once).

    `existants` are those of the CRAs already stored: the others count for nothing before the
    batch, which spares the queries of a batch of new CRAs.
    """

    def __init__(self, conseiller_id: int, cra_ids: Iterable[str], existants: Iterable[str]):
        self.conseiller_id, self.cra_ids = conseiller_id, list(cra_ids)
        self.avant: tuple[dict, dict] | None = None
        self.existants = list(existants)

    def avant_ecriture(self) -> None:
        """Call before each write; the first call takes the "before" totals."""
        if self.avant is None:
            self.avant = totaux(self.conseiller_id, self.existants) if self.existants else ({}, {})

    def fin(self) -> None:
        """Add the batch's difference to the stored totals (nothing when nothing was written)."""
        if self.avant is not None:
            ajouter(self.avant, totaux(self.conseiller_id, self.cra_ids))


def recalculer(connection=None) -> dict[str, int]:
    """Re-derive every stored total from the CRAs and commit; on a connection given (a
    migration's), its owner commits."""
    own = connection is None
    connection = connection or db.session.connection()
    if sql.on_postgresql(connection):
        # Batches committing meanwhile wait for this transaction, then add their difference
        # to the re-derived totals; those that committed before are in the CRAs it reads.
        connection.execute(text("LOCK TABLE cra_stat_jour, cra_stat_organisme IN EXCLUSIVE MODE"))
    connection.execute(delete(cra_stat_jour))
    connection.execute(delete(cra_stat_organisme))
    jours = _jours()
    connection.execute(
        insert(cra_stat_jour).from_select([column.name for column in jours.selected_columns], jours)
    )
    organismes = _organismes()
    connection.execute(
        insert(cra_stat_organisme).from_select(
            [column.name for column in organismes.selected_columns], organismes
        )
    )
    count = select(func.count())
    counts = {
        "jours": connection.scalar(count.select_from(cra_stat_jour)),
        "organismes": connection.scalar(count.select_from(cra_stat_organisme)),
    }
    if own:
        db.session.commit()
    return counts


def ecarts() -> list[str]:
    """Where the stored totals differ from the CRAs, in words (empty when they agree)."""
    stored = {
        tuple(row[:3]): tuple(row[3:])
        for row in db.session.execute(
            select(
                cra_stat_jour.c.jour,
                cra_stat_jour.c.departement_code,
                cra_stat_jour.c.region_code,
                *(cra_stat_jour.c[name] for name in COMPTEURS),
            )
        )
    }
    derived = {
        tuple(row[:3]): tuple(int(v) for v in row[3:]) for row in db.session.execute(_jours())
    }
    table = cra_stat_organisme
    stored_organismes = {
        tuple(row[:4]): row[4]
        for row in db.session.execute(
            select(
                table.c.jour,
                table.c.departement_code,
                table.c.region_code,
                table.c.nom,
                table.c.nombre,
            )
        )
    }
    derived_organismes = {tuple(row[:4]): int(row[4]) for row in db.session.execute(_organismes())}
    problems = []
    for key in sorted(stored.keys() | derived.keys()):
        if stored.get(key) != derived.get(key):
            problems.append(
                f"jour {key[0]} département {key[1] or '-'} : enregistré "
                f"{stored.get(key)}, recalculé {derived.get(key)}"
            )
    for key in sorted(stored_organismes.keys() | derived_organismes.keys()):
        if stored_organismes.get(key) != derived_organismes.get(key):
            problems.append(
                f"jour {key[0]} département {key[1] or '-'} organisme {key[3]} : "
                f"enregistré {stored_organismes.get(key)}, "
                f"recalculé {derived_organismes.get(key)}"
            )
    return problems
