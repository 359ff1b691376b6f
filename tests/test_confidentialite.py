"""Field policy: role × field matrix of what each viewer sees of a person it may see."""

import pytest

from server.extensions import db
from server.models import Conseiller
from server.services import confidentialite
from tests.test_pilotage import form_token

PERSONNELS = {"email_perso", "telephone_perso", "date_naissance"}
PROFESSIONNELS = {"prenom", "nom", "email_pro", "telephone_pro", "structure_id", "certifie"}
# viewer → targets whose personal fields it sees ("-": in scope, professional fields only)
MATRIX = {
    #                a1   mover  c1
    "cnfs_a1": ("oui", None, None),
    "coord_k": ("-", None, "-"),
    "structure_a": ("oui", "-", None),  # mover left A for C: A keeps the work, not the person
    "structure_c": (None, "oui", "oui"),
    "prefet_69": ("-", "-", None),
    "admin": ("oui", "oui", "oui"),
}
TARGETS = ("a1", "mover", "c1")


@pytest.mark.parametrize("viewer", MATRIX)
def test_fiche_shows_personal_fields_only_to_the_person_employer_and_agency(
    client, login, roles_world, viewer
):
    headers = login(roles_world["viewers"][viewer])
    for target, expected in zip(TARGETS, MATRIX[viewer], strict=True):
        ident = roles_world["people"][target].conseiller_id
        response = client.get(f"/api/conseillers/{ident}", headers=headers)
        if expected is None:
            assert response.status_code == 404, (viewer, target)
            continue
        assert response.status_code == 200, (viewer, target)
        fields = set(response.json)
        assert PROFESSIONNELS <= fields
        if expected == "oui":
            assert PERSONNELS <= fields, (viewer, target)
            assert response.json["email_perso"].startswith("perso")
        else:
            assert not PERSONNELS & fields, (viewer, target)


@pytest.mark.parametrize("viewer", ["coord_k", "structure_a", "structure_c", "prefet_69", "admin"])
def test_list_applies_the_same_policy_as_the_fiche(client, login, roles_world, viewer):
    headers = login(roles_world["viewers"][viewer])
    items = {i["id"]: i for i in client.get("/api/conseillers", headers=headers).json["items"]}
    for target, expected in zip(TARGETS, MATRIX[viewer], strict=True):
        item = items.get(roles_world["people"][target].conseiller_id)
        assert (item is None) == (expected is None), (viewer, target)
        if item is not None:
            assert bool(PERSONNELS & set(item)) == (expected == "oui"), (viewer, target)


@pytest.mark.parametrize(
    "viewer, target, shown",
    [
        ("structure_a", "a1", True),
        ("structure_a", "mover", False),
        ("prefet_69", "a1", False),
        ("admin", "mover", True),
    ],
)
def test_fiche_page_applies_the_policy(app, roles_world, viewer, target, shown):
    browser = app.test_client()
    user = roles_world["viewers"][viewer]
    token = form_token(browser.get("/pilotage/connexion"))
    browser.post(
        "/pilotage/connexion",
        data={"email": user.email, "password": "Mot-de-passe-1!", "csrf_token": token},
    )
    page = browser.get(f"/pilotage/conseillers/{roles_world['people'][target].conseiller_id}")
    assert page.status_code == 200
    assert "Adresse e-mail CnFS" in page.text
    for label in ("Date de naissance", "Adresse e-mail personnelle", "Téléphone personnel"):
        assert (label in page.text) is shown, label
    assert ("@courriel.example" in page.text) is shown


def test_own_account_shows_its_email(client, login, roles_world):
    me = roles_world["people"]["a1"]
    assert client.get("/api/auth/me", headers=login(me)).json["email"] == me.email


@pytest.mark.parametrize("inviter, shown", [("structure_c", True), ("structure_a", False)])
def test_invitation_shows_the_account_email_to_the_current_employer_only(
    client, login, make_user, roles_world, inviter, shown
):
    """The mover now works for C; A, their former employer, may still invite them (it sees
    their work) but gets the account without its address."""
    mover = roles_world["people"]["mover"]
    db.session.delete(mover)  # the conseiller, without account yet
    db.session.commit()
    response = client.post(
        "/api/invitations",
        headers=login(roles_world["viewers"][inviter]),
        json={
            "email": "nouveau@courriel.example",
            "role": "conseiller",
            "conseiller_id": mover.conseiller_id,
        },
    )
    assert response.status_code == 201, response.json
    assert ("email" in response.json["user"]) is shown
    assert response.json["user"]["conseiller_id"] == mover.conseiller_id


def test_a_personal_field_cannot_be_declared_professional():
    assert confidentialite.professionnels(Conseiller, "prenom", "nom") == ("prenom", "nom")
    with pytest.raises(ValueError, match="date_naissance"):
        confidentialite.professionnels(Conseiller, "nom", "date_naissance")
