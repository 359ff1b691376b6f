"""Whose an archived CRA is: its structure and conseiller here, found by the original ids kept
on our people (or given by a mapping file), else made from what the archive says.

A structure unknown here is created from the row's description (with no posts: dotation 0),
so that its CRAs count in its département. A conseiller unknown here is replaced by the
structure's « archive » owner: a Conseiller row marked `archive`, without account, that no list
shows (scopes.conseiller_condition), so the CRAs stay in the structure's and the territories'
statistics and out of any conseiller's own history.
"""

import csv
from pathlib import Path

from sqlalchemy import select

from server.extensions import db
from server.models import Conseiller, Structure
from server.services import territoires
from server.services.archives.lignes import StructureArchivee

CORRESPONDANCES_EN_TETE = ["type", "id_origine", "id"]


class ArchiveError(Exception):
    """The file cannot be imported at all (its header, a mapping file): nothing was written."""


def lire_correspondances(path: str | Path) -> dict[str, dict[str, int]]:
    """A mapping file (CSV `type,id_origine,id`; type conseiller or structure) as
    {type: {original id: our id}}; every id must exist here."""
    found: dict[str, dict[str, int]] = {"conseiller": {}, "structure": {}}
    with open(path, encoding="utf-8-sig", newline="") as source:
        sample = source.readline()
        source.seek(0)
        reader = csv.reader(source, delimiter=";" if ";" in sample else ",")
        if [name.strip() for name in next(reader, [])] != CORRESPONDANCES_EN_TETE:
            raise ArchiveError("Correspondances : en-tête « type,id_origine,id » attendu.")
        for number, row in enumerate(reader, start=2):
            if not row:
                continue
            kind, origine, ident = (value.strip() for value in (row + ["", "", ""])[:3])
            if kind not in found or not ident.isdigit():
                raise ArchiveError(f"Correspondances, ligne {number} : illisible.")
            found[kind][origine] = int(ident)
    for kind, model in (("conseiller", Conseiller), ("structure", Structure)):
        ids = set(found[kind].values())
        known = set(db.session.scalars(select(model.id).where(model.id.in_(ids)))) if ids else ids
        if ids - known:
            raise ArchiveError(f"Correspondances : {kind} inconnu(s) ici : {sorted(ids - known)}.")
    return found


class Proprietaires:
    """The structures and owners of the rows, remembered for the whole import (a few thousand
    of each): one query to start, one insert per structure or owner made."""

    def __init__(self, correspondances: dict[str, dict[str, int]] | None = None):
        correspondances = correspondances or {"conseiller": {}, "structure": {}}
        rows = db.session.execute(
            select(Structure.origine_id, Structure.id).where(Structure.origine_id.is_not(None))
        )
        self.structures: dict[str, int] = {str(origine): ident for origine, ident in rows}
        self.structures.update(correspondances["structure"])
        rows = db.session.execute(
            select(Conseiller.origine_id, Conseiller.id).where(Conseiller.origine_id.is_not(None))
        )
        self.conseillers: dict[str, int] = {str(origine): ident for origine, ident in rows}
        self.conseillers.update(correspondances["conseiller"])
        rows = db.session.execute(
            select(Conseiller.structure_id, Conseiller.id).where(Conseiller.archive.is_(True))
        )
        self.archives: dict[int, int] = {int(structure or 0): ident for structure, ident in rows}
        self._sirets: dict[str, int] | None = None

    def structure(self, archivee: StructureArchivee) -> int | None:
        """Our structure for the archive's; None when it is unknown and cannot be located."""
        found = self.structures.get(archivee.origine_id)
        if found is None:
            found = self._by_siret(archivee.siret) or self._create(archivee)
            if found is not None:
                self.structures[archivee.origine_id] = found
        return found

    def conseiller(self, origine_id: str | None, structure_id: int) -> int:
        """Our conseiller for the archive's, else the structure's archive owner."""
        found = self.conseillers.get(origine_id) if origine_id else None
        if found is not None:
            return found
        if structure_id not in self.archives:
            nom = db.session.scalar(select(Structure.nom).where(Structure.id == structure_id))
            owner = Conseiller(
                prenom="Archive", nom=(nom or "")[:100], structure_id=structure_id, archive=True
            )
            db.session.add(owner)
            db.session.flush()
            self.archives[structure_id] = owner.id
        return self.archives[structure_id]

    def _by_siret(self, siret: str | None) -> int | None:
        """A structure known here under the same SIRET (one that has no original id yet)."""
        if not siret:
            return None
        if self._sirets is None:
            rows = db.session.execute(
                select(Structure.siret, Structure.id).where(
                    Structure.siret.is_not(None), Structure.origine_id.is_(None)
                )
            )
            self._sirets = {str(siret): ident for siret, ident in rows}
        return self._sirets.get(siret)

    def _create(self, archivee: StructureArchivee) -> int | None:
        commune = territoires.commune(archivee.code_commune) if archivee.code_commune else None
        if commune is None and archivee.code_postal:
            communes = territoires.communes_of_code_postal(archivee.code_postal)
            commune = communes[0] if len(communes) == 1 else None
        if commune is None:
            return None
        codes_postaux = territoires.codes_postaux(commune)
        code_postal = archivee.code_postal
        if code_postal not in codes_postaux and codes_postaux:
            code_postal = codes_postaux[0]
        siret = archivee.siret if archivee.siret and len(archivee.siret) == 14 else None
        taken = select(Structure.id).where(Structure.siret == siret)
        if siret is not None and db.session.scalar(taken) is not None:
            siret = None  # taken by a structure that has another original id
        structure = Structure(
            nom=archivee.nom,
            siret=siret,
            code_postal=code_postal or "",
            code_commune=commune.code,
            departement_code=commune.departement_code,
            region_code=commune.region_code,
            dotation=0,  # its posts are not in the archive
            origine_id=archivee.origine_id,
        )
        db.session.add(structure)
        db.session.flush()
        return structure.id
