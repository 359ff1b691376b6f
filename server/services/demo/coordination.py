"""Demo coordinators' reports (CRA de coordination)."""

from datetime import date, timedelta

from server.extensions import db
from server.models import Conseiller, CraCoordination, CraOperation
from server.services.demo.cras import random_uuid

# Coordinators' reports ----------------------------------------------------------------------

EVENEMENTS = (
    ("Fête du numérique", "grand-public"),
    ("Forum de l'inclusion numérique", "inclusion-numerique"),
    ("Rencontre NEC locale", "nec-local"),
    ("Webinaire national des coordinateurs", "national"),
)
PARTENAIRES = (
    ("CAF", "etat", ["parcours-usager"]),
    ("Conseil départemental", "departement", ["coordination-departementale", "subvention"]),
    ("Mairie", "commune", ["rendez-vous-elu"]),
)


def coordination_cras(rng, coordinateurs: list[Conseiller], calendar: list[date]) -> None:
    """A report a month over the last six months for each coordinator (the first ones of the
    national population only), written as if synced."""
    for coordinateur in coordinateurs[:20]:
        for months_ago in range(6):
            day = calendar[-1 - 21 * months_ago] if len(calendar) > 21 * months_ago else None
            if day is None:
                break
            evenements = [
                {
                    "nom": nom,
                    "type": kind,
                    "date": (day - timedelta(days=3)).isoformat(),
                    "organisateurs": sorted(
                        rng.sample(["ma-structure", "commune", "association", "epci"], k=2)
                    ),
                }
                for nom, kind in rng.sample(EVENEMENTS, k=rng.randint(0, 2))
            ]
            partenariats = [
                {"nom": nom, "type_structure": kind, "natures": natures}
                for nom, kind, natures in rng.sample(PARTENAIRES, k=rng.randint(0, 1))
            ]
            accompagnements = (
                [
                    {
                        "type": "structure",
                        "type_structure": "association",
                        "nom_structure": "Association Numérique Solidaire",
                        "nom_mediateur": None,
                        "problematiques": ["cra", "outils"],
                        "actions": ["entretien"],
                    }
                ]
                if rng.random() < 0.5
                else []
            )
            cra_id, head = random_uuid(rng), random_uuid(rng)
            coordinateur.sync_seq += 1
            db.session.add(
                CraCoordination(
                    id=cra_id,
                    conseiller_id=coordinateur.id,
                    structure_id=coordinateur.structure_id,
                    date=day,
                    evenements=evenements,
                    partenariats=partenariats,
                    accompagnements=accompagnements,
                    communication_heures=rng.choice((0.5, 1.0, 1.5, 2.0, 3.0)),
                    head=head,
                    seq=coordinateur.sync_seq,
                )
            )
            db.session.add(
                CraOperation(
                    op_id=head,
                    objet="cra_coordination",
                    cra_id=cra_id,
                    conseiller_id=coordinateur.id,
                    type="create",
                )
            )
