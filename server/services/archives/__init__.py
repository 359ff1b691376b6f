"""Import of the original Espace Coop's archive of CRAs (`flask archives importer`).

Every row of the file ends in the report, once: importé, importé avec réparation (named),
refusé (with its reason) or déjà importé. Rows are read, checked and written chunk by chunk
(`lot` rows, one transaction each, the daily totals added in it), so memory stays flat, a
crash loses at most the chunk under way, and a second run (or an overlapping file) finds the
rows already imported by their original id and adds nothing. A dry run goes the same way in
one transaction rolled back at the end: its report is the one a real run would write.
"""

import csv
import gzip
import io
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain, islice
from pathlib import Path

from server.extensions import db
from server.services import cumuls, memoire, tableur, territoires
from server.services.archives import ecriture
from server.services.archives.lignes import (
    COLONNES,
    PARIS,
    REFUS,
    REMARQUES,
    REPARATIONS,
    Lecteur,
    Lecture,
)
from server.services.archives.proprietaires import (
    ArchiveError,
    Proprietaires,
    lire_correspondances,
)

__all__ = ["LOT", "ArchiveError", "Bilan", "STATUTS", "importer"]

LOT = 50_000
IMPORTE, REPARE, REFUSE, DEJA = "importé", "importé avec réparation", "refusé", "déjà importé"
STATUTS = (IMPORTE, REPARE, REFUSE, DEJA)
EN_TETE = ["ligne", "id", "statut", "motifs", "détail"]
LIBELLES = {**REFUS, **REPARATIONS, **REMARQUES}


@dataclass
class Bilan:
    """What an import did: rows per statut, and how often each reason, repair or remark."""

    lignes: int = 0
    statuts: Counter = field(default_factory=Counter)
    motifs: Counter = field(default_factory=Counter)


def importer(
    fichier: str | Path,
    rapport: str | Path,
    dry_run: bool = False,
    correspondances: str | Path | None = None,
    lot: int = LOT,
) -> Bilan:
    """Import an archive file (CSV, gzipped or not) and write its report (CSV) to `rapport`."""
    try:
        mapping = lire_correspondances(correspondances) if correspondances else None
        proprietaires = Proprietaires(mapping)
        communes, servies = territoires.repertoire()
        lecteur = Lecteur(communes.get, lambda cp: servies.get(cp, []), datetime.now(PARIS).date())
        bilan = Bilan()
        with (
            memoire.sans_ramasse_miettes(),
            _rows(fichier) as rows,
            open(rapport, "wb") as sortie,
        ):
            lignes = _chunks(rows, lecteur, proprietaires, ecriture.Sequences(dry_run), lot, bilan)
            for octets in tableur.csv_flux(chain([EN_TETE], lignes), every=1_000):
                sortie.write(octets)
                sortie.flush()
    finally:
        # A dry run never commits; a failed run keeps its committed chunks only.
        db.session.rollback()
    return bilan


@contextmanager
def _rows(fichier: str | Path) -> Iterator[Iterator[tuple[int, list[str] | None, str]]]:
    """The rows after the header (`_lignes`), which must be the archive's."""
    with open(fichier, "rb") as raw:
        zipped = raw.read(2) == b"\x1f\x8b"
    binary = gzip.open(fichier, "rb") if zipped else open(fichier, "rb")
    # A byte that is not UTF-8 is kept as a lone surrogate, so that its row alone is refused.
    with (
        binary,
        io.TextIOWrapper(
            binary, encoding="utf-8-sig", errors="surrogateescape", newline=""
        ) as text,
    ):
        reader = csv.reader(text)
        header = [name.strip() for name in next(reader, [])]
        if tuple(header[: len(COLONNES)]) != COLONNES:
            raise ArchiveError(
                "En-tête inattendu : les 46 colonnes de l'archive (archive-v1) sont attendues."
            )
        yield _lignes(reader)


def _lignes(reader) -> Iterator[tuple[int, list[str] | None, str]]:
    """(first line, fields, "") of each row; (first line, None, why) of a row the csv module
    cannot read (a field past its size limit: a quote left open), after which it reads on."""
    fin = reader.line_num
    while True:
        debut = fin + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            fin = reader.line_num
            yield debut, None, f"lignes {debut} à {fin} illisibles (guillemet non fermé ?)"
        else:
            fin = reader.line_num
            yield debut, row, ""


def _chunks(rows, lecteur, proprietaires, sequences, lot: int, bilan: Bilan) -> Iterator[list]:
    """Import chunk after chunk; yield the report rows of each once it is committed."""
    lues = (
        [ecriture.preparer(lecteur.lire(*ligne)) for ligne in chunk] for chunk in _lots(rows, lot)
    )
    for lectures in en_avance(lues):
        nouvelles = _owned(lectures, proprietaires)
        deja = ecriture.existants(list(nouvelles))
        cras = []
        for ident, lecture in nouvelles.items():
            if ident in deja:
                lecture.valeurs = {}
            else:
                cras.append(lecture)
        ecriture.ecrire(cras, sequences)
        if not sequences.dry_run:
            cumuls.ajouter_nouveaux(ecriture.parametres([lecture.ident for lecture in cras]))
            db.session.commit()
        for lecture in lectures:
            yield _report_row(lecture, bilan)


def _lots(rows: Iterator, lot: int) -> Iterator[list]:
    while chunk := list(islice(rows, lot)):
        yield chunk


def en_avance(iterator: Iterator[list]) -> Iterator[list]:
    """The iterator's items, the next one computed in a thread while the caller works on this
    one: the rows of chunk N+1 are read, checked and prepared (Python) while chunk N is written
    (PostgreSQL's work, during which the caller holds no lock on the interpreter)."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="archives") as lecteur:
        suivant = lecteur.submit(next, iterator, None)
        while (item := suivant.result()) is not None:
            suivant = lecteur.submit(next, iterator, None)
            yield item


def _owned(lectures: list[Lecture], proprietaires: Proprietaires) -> dict[str, Lecture]:
    """The readable rows by their CRA id, each given its structure and owner (refused when it
    has none); a row whose id came earlier in the chunk is already imported."""
    owned: dict[str, Lecture] = {}
    for lecture in lectures:
        if lecture.refus is not None or lecture.structure is None or not lecture.origine_id:
            continue
        ident = lecture.ident
        if ident in owned:
            lecture.valeurs = {}
            lecture.details.append(f"même id que la ligne {owned[ident].ligne}")
            continue
        structure_id = proprietaires.structure(lecture.structure)
        if structure_id is None:
            lecture.refus, lecture.valeurs = "structure_sans_commune", {}
            lecture.details.append(lecture.structure.code_commune or "-")
            continue
        lecture.valeurs["structure_id"] = structure_id
        lecture.valeurs["conseiller_id"] = proprietaires.conseiller(
            lecture.conseiller_origine_id, structure_id
        )
        owned[ident] = lecture
    return owned


def _report_row(lecture: Lecture, bilan: Bilan) -> list:
    if lecture.refus is not None:
        statut, motifs = REFUSE, [lecture.refus]
    elif not lecture.valeurs:
        statut, motifs = DEJA, []
    else:
        statut = REPARE if lecture.reparations else IMPORTE
        motifs = lecture.reparations + lecture.remarques
    bilan.lignes += 1
    bilan.statuts[statut] += 1
    bilan.motifs.update(motifs)
    detail = " ; ".join([LIBELLES[code] for code in motifs] + lecture.details)
    return [lecture.ligne, lecture.origine_id, statut, " ".join(motifs), detail]
