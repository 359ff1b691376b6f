"""Deterministic demo data: structures, conseillers, coordinators, one account per role, the
conseillers' lieux d'activité and years of their CRAs.

Two populations: the default one (about forty conseillers in eight départements, what a
developer clicks through) and a national one (`conseillers=N`: N conseillers in all 101
départements, by population, what the statistics are benchmarked on).

CRAs are written in bulk (COPY on PostgreSQL, executemany on SQLite), chunk by chunk, so a
million of them never sit in memory and never go through the ORM.
"""

import random
from datetime import date

from server.extensions import db
from server.models import Role
from server.services import cumuls
from server.services.demo.coordination import coordination_cras
from server.services.demo.cras import CRAS_PER_CONSEILLER, paris_today, terrain_of, weekdays
from server.services.demo.documents import seed_documents
from server.services.demo.ecriture import seed_cras
from server.services.demo.lieux import lieux_activite
from server.services.demo.personnes import (
    DEMO_ACCOUNTS,
    DEMO_DEPARTEMENTS,
    LARGE_MIN,
    NATIONAL_MIN,
    communes_of,
    demo_structures,
    effectifs_by_departement,
    make_people,
    national_structures,
)

__all__ = ["CRAS_PER_CONSEILLER", "DEMO_ACCOUNTS", "LARGE_MIN", "NATIONAL_MIN", "seed"]


def seed(
    password: str,
    seed_value: int = 42,
    cras: int | None = None,
    today: date | None = None,
    conseillers: int | None = None,
) -> dict:
    """Create the demo people, accounts, lieux and CRAs; the same seed gives the same data.

    `cras` is the total number of CRAs (default: about 300 per activated conseiller); they
    fall on weekdays before `today` (default: today in Paris). `conseillers`: exactly that
    many conseillers (at least NATIONAL_MIN) in all the départements of France instead of
    the small demo.
    """
    rng = random.Random(seed_value)
    if conseillers is None:
        communes_by_departement = {dep: communes_of(dep) for dep in DEMO_DEPARTEMENTS}
        plan = demo_structures(rng, communes_by_departement)
    else:
        effectifs = effectifs_by_departement(conseillers)
        communes_by_departement = {dep: communes_of(dep) for dep in effectifs}
        plan = national_structures(rng, communes_by_departement, effectifs)
    structures, people, comptes = make_people(rng, password, plan, national=conseillers is not None)
    lieux = lieux_activite(rng, people, communes_by_departement)
    activated = [c for c in people if comptes[id(c)].activated_at is not None]
    total = len(activated) * CRAS_PER_CONSEILLER if cras is None else cras
    today = today or paris_today()
    calendar = weekdays(today)
    terrains = [terrain_of(c, lieux[c.id], communes_by_departement, calendar) for c in activated]
    written = seed_cras(rng, terrains, total)
    coordinateurs = [c for c in activated if comptes[id(c)].role is Role.COORDINATEUR]
    coordination_cras(rng, coordinateurs, calendar)
    seed_documents(DEMO_ACCOUNTS[Role.ADMIN], DEMO_ACCOUNTS[Role.CONSEILLER])
    db.session.commit()
    cumuls.recalculer()  # the CRAs were written in bulk, past the sync store
    return {
        "structures": len(structures),
        "conseillers": len(people),
        "lieux": sum(map(len, lieux.values())),
        "cras": written,
    }
