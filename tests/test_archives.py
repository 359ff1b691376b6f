"""`flask archives importer`: the original's flat archive, row by row into our CRAs."""

import csv
import gzip
import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

from server.extensions import db
from server.models import Conseiller, Cra, Structure
from server.models.statistique import cra_stat_jour
from server.services import statistiques
from server.services.archives import ecriture
from server.services.archives.lignes import COLONNES
from server.services.statistiques import Periode

STRUCTURE_LYON = "5f0000000000000000000001"
STRUCTURE_MARSEILLE = "5f0000000000000000000002"
CONSEILLER_CONNU = "6a0000000000000000000001"
CONSEILLER_INCONNU = "6a0000000000000000000002"
TOUT = Periode(date(2020, 1, 1), date(2030, 1, 1))


def archive_row(ident: str, **changes) -> list[str]:
    """One row of the flat archive: a good individuel in Lyon 1er, then the changes."""
    values = {name: "null" for name in COLONNES}
    values.update(
        id=ident,
        imported_at="2024-11-05 10:00:00.000",
        canal="rattachement",
        activite="individuel",
        nb_participants="1",
        nb_participants_recurrents="0",
        age_moins_12_ans="0",
        age_de_12_a_18_ans="0",
        age_de_18_a_35_ans="1",
        age_de_35_a_60_ans="0",
        age_plus_60_ans="0",
        statut_etudiant="0",
        statut_sans_emploi="1",
        statut_en_emploi="0",
        statut_retraite="0",
        statut_heterogene="0",
        themes="{courriel}",
        duree="0-30",
        accompagnement_individuel="0",
        accompagnement_atelier="0",
        accompagnement_redirection="0",
        code_postal="69001",
        nom_commune="LYON 1ER ARRONDISSEMENT",
        # 23:30 UTC on 14 March is 15 March in Paris: the CRA's day.
        date_accompagnement="2022-03-14 23:30:00.000",
        code_commune="69381",
        created_at="2022-03-15 08:00:00.000",
        structure_id=STRUCTURE_LYON,
        structure_nom="Mairie de Lyon",
        structure_siret="null",
        structure_code_postal="69001",
        structure_code_commune="69123",
        structure_code_departement="69",
        structure_code_region="84",
        v1_conseiller_numerique_id=CONSEILLER_CONNU,
        sous_themes_accompagner="{}",
        sous_themes_equipement_informatique="{}",
        sous_themes_traitement_texte="{}",
        sous_themes_sante="{}",
        duree_minutes="15",
    )
    values.update(changes)
    return [values[name] for name in COLONNES]


def oid(number: int) -> str:
    return f"{number:024x}"


# id → (row changes, expected statut, expected motifs)
CASES = {
    oid(1): ({}, "importé", ""),
    oid(2): (
        {
            "activite": "collectif",
            "canal": "autre lieu",
            "nb_participants": "3",
            "nb_participants_recurrents": "1",
            "age_de_18_a_35_ans": "3",
            "statut_sans_emploi": "3",
            "themes": '{"demarche en ligne",sante}',
            "sous_themes_sante": "{espace-sante}",
            "duree": "90",
            "accompagnement_redirection": "2",
            "organismes": '{"CAF": 1, "Mairie": 1}',
            "code_commune": "75114",
            "code_postal": "75014",
            "v1_conseiller_numerique_id": CONSEILLER_INCONNU,
        },
        "importé",
        "",
    ),
    oid(3): (
        {"nb_participants_recurrents": "2"},
        "importé avec réparation",
        "recurrents_plafonnes",
    ),
    oid(4): ({"themes": "{courriel,courriel}"}, "importé avec réparation", "themes_dedoublonnes"),
    oid(5): ({"code_postal": "69009"}, "importé avec réparation", "code_postal_corrige"),
    oid(6): (
        {"code_commune": "38999", "code_postal": "38000"},
        "importé avec réparation",
        "commune_par_code_postal",
    ),
    oid(7): (
        {"sous_themes_equipement_informatique": "{tablette}"},
        "importé avec réparation",
        "sous_theme_retire",
    ),
    oid(8): ({"annotation": "x" * 40}, "importé avec réparation", "annotation_tronquee"),
    oid(9): ({"annotation": "ok"}, "importé avec réparation", "annotation_retiree"),
    oid(10): ({"duree": "45"}, "importé avec réparation", "duree_en_tranche"),
    oid(11): ({"duree": "70"}, "importé avec réparation", "duree_arrondie"),
    oid(12): ({"duree": "600"}, "importé avec réparation", "duree_plafonnee"),
    oid(13): ({"organismes": '{"CAF": 0}'}, "importé avec réparation", "organisme_vide_retire"),
    oid(14): ({"themes": "{smartphone}"}, "importé", "themes_anciens"),
    oid(15): ({"age_de_18_a_35_ans": "0"}, "importé", "ages_incoherents"),
    oid(16): (
        {"accompagnement_redirection": "1"},
        "importé",
        "organismes_incoherents",
    ),
    oid(20): ({"date_accompagnement": "hier"}, "refusé", "date_invalide"),
    oid(21): ({"date_accompagnement": "2019-05-01 10:00:00.000"}, "refusé", "date_hors_periode"),
    oid(22): ({"canal": "telephone"}, "refusé", "canal_inconnu"),
    oid(23): ({"activite": "null"}, "refusé", "activite_inconnue"),
    oid(24): ({"age_plus_60_ans": "-1"}, "refusé", "nombre_invalide"),
    oid(25): ({"nb_participants": "0"}, "refusé", "participants_invalides"),
    oid(26): ({"code_commune": "UNDEFINED", "code_postal": "null"}, "refusé", "commune_inconnue"),
    oid(27): ({"themes": "{}"}, "refusé", "themes_manquants"),
    oid(28): ({"themes": "{jardinage}"}, "refusé", "theme_inconnu"),
    oid(29): ({"duree": "longtemps"}, "refusé", "duree_invalide"),
    oid(30): ({"organismes": "{CAF}"}, "refusé", "organismes_invalides"),
    oid(31): ({"structure_id": "null"}, "refusé", "structure_manquante"),
    oid(32): (
        {"structure_id": oid(999), "structure_code_commune": "00000", "structure_code_postal": "x"},
        "refusé",
        "structure_sans_commune",
    ),
    oid(33): (
        {
            "structure_id": STRUCTURE_MARSEILLE,
            "structure_nom": "CCAS de Marseille",
            "structure_code_commune": "13055",
            "structure_code_postal": "13001",
            "code_commune": "13201",
            "code_postal": "13001",
            "v1_conseiller_numerique_id": "null",
        },
        "importé",
        "",
    ),
}


def write_archive(path, ids, opener=open, extra=()):
    with opener(path, "wt", encoding="utf-8", newline="") as target:
        writer = csv.writer(target)
        writer.writerow(COLONNES)
        for ident in ids:
            writer.writerow(archive_row(ident, **CASES[ident][0]) + list(extra))
        if not ids:
            return path
        writer.writerow(archive_row("pas-un-id"))
    return path


def read_report(path) -> dict[str, tuple[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as source:
        rows = list(csv.reader(source, delimiter=";"))
    assert rows[0] == ["ligne", "id", "statut", "motifs", "détail"]
    return {row[1]: (row[2], row[3]) for row in rows[1:]}


@pytest.fixture
def lyon(make_structure, make_user):
    """Our Mairie de Lyon, and one of its conseillers, both known by their original ids."""
    structure = make_structure()
    structure.origine_id = STRUCTURE_LYON
    user = make_user("conseiller", structure=structure)
    db.session.get(Conseiller, user.conseiller_id).origine_id = CONSEILLER_CONNU
    db.session.commit()
    return structure, user


@pytest.fixture
def run(runner, tmp_path):
    """run(file, *options) → (the command's result, the report by id)."""

    def do(path, *options, expect=0):
        report = tmp_path / "rapport.csv"
        result = runner.invoke(
            args=["archives", "importer", str(path), "--rapport", str(report), *options]
        )
        assert result.exit_code == expect, result.output
        return result, read_report(report) if expect == 0 else None

    return do


def cra_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Cra))


def test_each_row_is_imported_repaired_or_refused_and_the_report_says_which(
    lyon, run, runner, tmp_path
):
    result, report = run(write_archive(tmp_path / "archive.csv", list(CASES)))
    expected = {ident: (statut, motifs) for ident, (_, statut, motifs) in CASES.items()}
    assert report == {**expected, "pas-un-id": ("refusé", "id_invalide")}
    kept = sum(1 for _, statut, _ in CASES.values() if statut != "refusé")
    assert cra_count() == kept
    repaired = sum(1 for _, statut, _ in CASES.values() if statut == "importé avec réparation")
    summary = f"{len(CASES) + 1} lignes : {kept - repaired} importé, {repaired} importé avec"
    assert summary in result.output
    assert runner.invoke(args=["statistiques", "verifier"]).exit_code == 0


def test_rows_are_read_by_the_rules_of_our_cras(lyon, run, tmp_path):
    run(write_archive(tmp_path / "archive.csv", [oid(1), oid(2), oid(6), oid(10), oid(11)]))
    cras = {cra.origine_id: cra for cra in db.session.scalars(select(Cra))}
    first = cras[oid(1)]
    assert first.date == date(2022, 3, 15)  # the day in Paris
    assert (first.code_commune, first.code_postal) == ("69381", "69001")
    assert first.lieu_activite_id is None and first.canal == "rattachement"
    assert (first.duree, first.duree_minutes) == ("0-30", None)
    assert first.conseiller_id == lyon[1].conseiller_id and first.structure_id == lyon[0].id
    second = cras[oid(2)]
    assert second.themes == ["demarche en ligne", "sante"]
    assert second.sous_themes == {"sante": ["espace-sante"]}
    assert second.organismes == [{"nom": "CAF", "nombre": 1}, {"nom": "Mairie", "nombre": 1}]
    assert (second.duree, second.duree_minutes, second.code_commune) == ("60+", 90, "75114")
    assert (cras[oid(6)].code_commune, cras[oid(6)].nom_commune) == ("38185", "Grenoble")
    assert (cras[oid(10)].duree, cras[oid(11)].duree_minutes) == ("30-60", 75)
    # The known conseiller's CRAs take the next numbers of their sync sequence: pulled.
    mine = sorted(cra.seq for cra in cras.values() if cra.conseiller_id == lyon[1].conseiller_id)
    assert mine == [1, 2, 3, 4]
    assert db.session.get(Conseiller, lyon[1].conseiller_id).sync_seq == 4


def test_a_rerun_adds_nothing_and_an_overlapping_file_only_its_new_rows(
    lyon, run, runner, tmp_path
):
    """Also what resuming after a crash is: the chunks committed are found again by id."""
    first = [oid(1), oid(3), oid(20)]
    run(write_archive(tmp_path / "a.csv", first), "--lot", "2")
    assert cra_count() == 2
    _, again = run(write_archive(tmp_path / "a.csv", first))
    assert again[oid(1)] == again[oid(3)] == ("déjà importé", "")
    assert again[oid(20)] == ("refusé", "date_invalide")
    assert cra_count() == 2
    _, superset = run(write_archive(tmp_path / "b.csv", [*first, oid(4), oid(5)]), "--lot", "2")
    assert superset[oid(1)][0] == "déjà importé"
    assert superset[oid(4)][0] == superset[oid(5)][0] == "importé avec réparation"
    assert cra_count() == 4
    assert runner.invoke(args=["statistiques", "verifier"]).exit_code == 0


def test_a_repeated_id_in_the_file_is_imported_once(lyon, run, tmp_path):
    _, report = run(
        write_archive(tmp_path / "a.csv", [oid(1), oid(1), oid(3), oid(1)]), "--lot", "2"
    )
    assert report[oid(1)] == ("déjà importé", "")
    assert cra_count() == 2


def test_a_dry_run_writes_nothing_and_gives_the_same_report(lyon, run, tmp_path):
    path = write_archive(tmp_path / "archive.csv", [*CASES, oid(1)])
    structures = db.session.scalar(select(func.count()).select_from(Structure))
    result, dry = run(path, "--dry-run", "--lot", "5")
    assert "Essai (rien n'est écrit)" in result.output
    assert cra_count() == 0
    assert db.session.scalar(select(func.count()).select_from(Structure)) == structures
    assert db.session.scalar(select(func.count()).select_from(cra_stat_jour)) == 0
    assert db.session.scalar(select(func.count()).where(Conseiller.archive)) == 0
    _, real = run(path, "--lot", "5")
    assert dry == real


def test_a_gzipped_archive_is_read_as_the_plain_one(lyon, run, tmp_path):
    path = write_archive(tmp_path / "archive.csv.gz", [oid(1), oid(2)], opener=gzip.open)
    _, report = run(path)
    assert report[oid(1)] == report[oid(2)] == ("importé", "")
    assert cra_count() == 2


def test_trailing_null_columns_are_read_and_other_trailing_values_refused(lyon, run, tmp_path):
    _, report = run(write_archive(tmp_path / "a.csv", [oid(1)], extra=["null", "null"]))
    assert report[oid(1)] == ("importé", "")
    _, report = run(write_archive(tmp_path / "b.csv", [oid(3)], extra=["quelque chose"]))
    assert report[oid(3)] == ("refusé", "ligne_mal_formee")


def test_a_file_that_is_not_the_archive_is_refused_whole(lyon, run, tmp_path):
    path = tmp_path / "autre.csv"
    path.write_text("id;date\n1;2022-01-01\n", encoding="utf-8")
    result, _ = run(path, expect=1)
    assert "En-tête inattendu" in result.output
    assert cra_count() == 0


def test_an_unknown_conseiller_goes_to_the_archive_owner_seen_only_in_statistics(
    lyon, run, client, login, make_user, tmp_path
):
    structure, known = lyon
    run(write_archive(tmp_path / "archive.csv", [oid(1), oid(2), oid(33)]))
    # The known conseiller sees their CRA in their history; the other two are no one's.
    headers = login(known)
    history = client.get("/api/cras", headers=headers).json
    assert history["total"] == 1
    owners = db.session.scalars(select(Conseiller).where(Conseiller.archive)).all()
    assert sorted(owner.nom for owner in owners) == ["CCAS de Marseille", "Mairie de Lyon"]
    admin = login(make_user("admin"))
    listed = client.get("/api/conseillers", headers=admin).json
    assert [item["id"] for item in listed["items"]] == [known.conseiller_id]
    # Every territory counts them: the Rhône, the Bouches-du-Rhône (a structure made from the
    # archive's description, without posts), the nation; and so does the structure.
    marseille = db.session.scalar(
        select(Structure).where(Structure.origine_id == STRUCTURE_MARSEILLE)
    )
    assert (marseille.departement_code, marseille.dotation) == ("13", 0)

    def cras(perimetre):
        return statistiques.indicateurs(perimetre, TOUT, ("general",))["general"]["cra_enregistres"]

    assert cras(statistiques.Perimetre("departement", "Rhône", departement_code="69")) == 2
    assert cras(statistiques.Perimetre("departement", "BdR", departement_code="13")) == 1
    assert cras(statistiques.NATIONAL) == 3
    assert cras(statistiques.Perimetre("structure", "Lyon", structure_id=structure.id)) == 2


def test_a_mapping_file_ties_original_ids_to_our_people(make_structure, make_user, run, tmp_path):
    structure = make_structure()
    user = make_user("conseiller", structure=structure)
    mapping = tmp_path / "correspondances.csv"
    mapping.write_text(
        f"type,id_origine,id\nstructure,{STRUCTURE_LYON},{structure.id}\n"
        f"conseiller,{CONSEILLER_CONNU},{user.conseiller_id}\n",
        encoding="utf-8",
    )
    run(write_archive(tmp_path / "a.csv", [oid(1)]), "--correspondances", str(mapping))
    cra = db.session.scalar(select(Cra))
    assert (cra.conseiller_id, cra.structure_id) == (user.conseiller_id, structure.id)
    mapping.write_text("type,id_origine,id\nconseiller,x,999\n", encoding="utf-8")
    result, _ = run(
        write_archive(tmp_path / "b.csv", [oid(3)]), "--correspondances", str(mapping), expect=1
    )
    assert "inconnu" in result.output


def test_a_structure_known_here_by_its_siret_is_the_archives_one(make_structure, run, tmp_path):
    ours = make_structure("Médiathèque de Lyon")
    ours.siret = "21690123100011"
    db.session.commit()
    path = tmp_path / "a.csv"
    changes = {**CASES[oid(33)][0], "structure_siret": "21690123100011"}
    with open(path, "w", encoding="utf-8", newline="") as target:
        writer = csv.writer(target)
        writer.writerow(COLONNES)
        writer.writerow(archive_row(oid(33), **changes))
    run(path)
    cra = db.session.scalar(select(Cra))
    assert cra.structure_id == ours.id
    assert db.session.scalar(select(func.count()).select_from(Structure)) == 1


def test_a_row_with_unreadable_bytes_is_refused_alone(lyon, run, tmp_path):
    """Bytes that are not UTF-8, or a NUL (which PostgreSQL refuses in a text), refuse their
    row only: the import goes on, and the report names the row by its readable id."""
    path = tmp_path / "a.csv"
    write_archive(path, [oid(1), oid(3), oid(4), oid(5)])
    raw = path.read_bytes()
    raw = raw.replace(oid(3).encode(), oid(3)[:-1].encode() + b"\xff", 1)
    raw = raw.replace(b"{courriel,courriel}", b"{courriel\x00}", 1)
    path.write_bytes(raw)
    _, report = run(path)
    assert report[oid(1)] == ("importé", "")
    assert report[oid(3)[:-1] + "?"] == ("refusé", "texte_illisible")
    assert report[oid(4)] == ("refusé", "texte_illisible")
    assert report[oid(5)] == ("importé avec réparation", "code_postal_corrige")
    assert cra_count() == 2


def test_a_quote_left_open_is_reported_with_the_lines_it_swallowed(lyon, run, tmp_path):
    """The csv module reads on past a field over its size limit: the rows it swallowed are
    named by their lines, and the rows after them are read as usual."""
    path = tmp_path / "a.csv"
    with open(path, "w", encoding="utf-8", newline="") as target:
        writer = csv.writer(target)
        writer.writerow(COLONNES)
        writer.writerow(archive_row(oid(1)))
        target.write(",".join(archive_row(oid(2), annotation='"ouvert')) + "\r\n")
        for number in range(100, 600):  # about 170,000 characters: past the 131,072 limit
            writer.writerow(archive_row(oid(number)))
    result, report = run(path)
    with open(tmp_path / "rapport.csv", encoding="utf-8-sig", newline="") as source:
        rows = list(csv.reader(source, delimiter=";"))
    refused = [row for row in rows[1:] if row[2] != "importé"]
    assert refused == [
        [
            "3",
            "",
            "refusé",
            "ligne_mal_formee",
            "Ligne mal formée ; lignes 3 à 387 illisibles (guillemet non fermé ?)",
        ]
    ]
    # Lines 3 to 387 held the open row and 384 others; each line after them is one CRA.
    assert [row[0] for row in rows[1:4]] == ["2", "3", "388"]
    assert report[oid(1)] == report[oid(599)] == ("importé", "")
    assert cra_count() == 1 + (599 - 100 + 1) - 384


@pytest.mark.parametrize("origine_id", [oid(1), "5f3e1b2c9a8d7e6f5a4b3c2d", "é"])
def test_an_archived_cras_ids_are_the_uuid5_of_its_original_id(origine_id):
    """Fixed forever (a rerun finds the rows by them): the standard uuid5, in text."""
    assert ecriture.cra_id(origine_id) == str(uuid.uuid5(ecriture.NAMESPACE, origine_id))
    assert ecriture.head_of(origine_id) == str(uuid.uuid5(ecriture.NAMESPACE, "head:" + origine_id))
