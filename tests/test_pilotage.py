"""The pilotage pages: cookie session and CSRF, each page for each role, the figures the API
gives, the prefet's territory, escaping."""

import re
from datetime import timedelta
from html import unescape

import pytest
from flask_jwt_extended import create_access_token, decode_token

from server import create_app
from server.extensions import db
from server.pages.pilotage.filtres import nombre
from tests.conftest import PASSWORD, base_config
from tests.cra_payloads import atelier_payload, cra_payload, create_op

# The database changes nothing here: SQLite only (see pytest.ini).
pytestmark = pytest.mark.one_database

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
ACCESS, REFRESH = "access_token_cookie", "refresh_token_cookie"


def form_token(page) -> str:
    return unescape(CSRF_FIELD.search(page.text).group(1))


def set_cookies(response) -> dict[str, str]:
    """Set-Cookie headers of a response by cookie name."""
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


@pytest.fixture
def browser(app):
    """A new browser (its own cookies) logged in through the login page as a user."""

    def open_as(user=None, password=PASSWORD):
        client = app.test_client()
        if user is not None:
            token = form_token(client.get("/pilotage/connexion"))
            response = client.post(
                "/pilotage/connexion",
                data={"email": user.email, "password": password, "csrf_token": token},
            )
            assert response.status_code == 302, response.text
        return client

    return open_as


@pytest.fixture
def world(make_structure, make_user, make_team):
    """Lyon (69, région 84) and Marseille (13, région 93), a conseiller in each, a colleague in
    Lyon, a coordinator in Lyon whose team is the Marseille conseiller."""
    lyon = make_structure("Mairie de Lyon", "69123", "69001")
    marseille = make_structure("Mairie de Marseille", "13055", "13001")
    me = make_user("conseiller", structure=lyon)
    far = make_user("conseiller", structure=marseille)
    coordinateur = make_user("coordinateur", structure=lyon)
    make_team(coordinateur, far)
    return {
        "lyon": lyon,
        "marseille": marseille,
        "me": me,
        "far": far,
        "coordinateur": coordinateur,
        "users": {
            "conseiller": me,
            "coordinateur": coordinateur,
            "structure": make_user("structure", structure=lyon),
            "prefet": make_user("prefet", departement_code="69"),
            "prefet_region": make_user("prefet", region_code="84"),
            "admin": make_user("admin"),
        },
    }


def push(client, login, user, *payloads):
    """CRAs sent by a conseiller's app (Bearer header, as the PWA does)."""
    response = client.post(
        "/api/sync/push",
        headers=login(user),
        json={"operations": [create_op(payload) for payload in payloads]},
    )
    assert {r["status"] for r in response.json["results"]} == {"applied"}, response.json


# --- login, logout, cookies, CSRF -------------------------------------------------------------


@pytest.mark.parametrize(
    "role, home",
    [
        ("structure", "/pilotage/structures/{lyon}"),
        ("coordinateur", "/pilotage/equipes/{coord}"),
        ("prefet", "/pilotage/territoires"),
        ("admin", "/pilotage/territoires"),
        ("conseiller", "/pilotage/statistiques/national"),
    ],
)
def test_login_sets_httponly_lax_cookies_and_lands_on_the_role_home(app, world, role, home):
    client = app.test_client()
    token = form_token(client.get("/pilotage/connexion"))
    response = client.post(
        "/pilotage/connexion",
        data={"email": world["users"][role].email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302 and response.location == "/pilotage/"
    cookies = set_cookies(response)
    for name, path in ((ACCESS, "Path=/;"), (REFRESH, "Path=/pilotage;")):
        assert "HttpOnly" in cookies[name] and "SameSite=Lax" in cookies[name]
        assert path in cookies[name] and "Secure" not in cookies[name]
        assert "Expires" not in cookies[name]  # gone when the browser closes
    landing = client.get("/pilotage/")
    assert landing.status_code == 302
    assert landing.location == home.format(
        lyon=world["lyon"].id, coord=world["coordinateur"].conseiller_id
    )
    assert client.get(landing.location).status_code == 200


def test_cookies_are_secure_in_production(database_url, make_user):
    production = create_app({**base_config(database_url), "APP_ENV": "production"})
    user = make_user("admin")
    client = production.test_client()
    token = form_token(client.get("/pilotage/connexion"))
    response = client.post(
        "/pilotage/connexion", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    with production.app_context():
        db.engine.dispose()
    cookies = set_cookies(response)
    assert "Secure" in cookies[ACCESS] and "Secure" in cookies[REFRESH]


def test_login_form_without_its_token_is_refused(app, world):
    client = app.test_client()
    client.get("/pilotage/connexion")
    response = client.post(
        "/pilotage/connexion", data={"email": world["users"]["admin"].email, "password": PASSWORD}
    )
    assert response.status_code == 400 and "Le formulaire a expiré" in response.text
    assert ACCESS not in set_cookies(response)


def test_login_form_token_of_another_browser_is_refused(app, world):
    token = form_token(app.test_client().get("/pilotage/connexion"))
    other = app.test_client()
    other.get("/pilotage/connexion")  # its own cookie, not the one the token is bound to
    response = other.post(
        "/pilotage/connexion",
        data={"email": world["users"]["admin"].email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 400 and ACCESS not in set_cookies(response)


def test_wrong_password_then_lockout_show_the_app_french_messages(app, world):
    client = app.test_client()
    user = world["users"]["structure"]
    messages = []
    for _ in range(3):
        token = form_token(client.get("/pilotage/connexion"))
        response = client.post(
            "/pilotage/connexion",
            data={"email": user.email, "password": "Mauvais-1!", "csrf_token": token},
        )
        messages.append((response.status_code, response.text))
    assert messages[0][0] == 401 and "Adresse e-mail ou mot de passe incorrect." in messages[0][1]
    assert messages[2][0] == 429 and "depuis votre appareil est bloquée" in unescape(messages[2][1])
    token = form_token(client.get("/pilotage/connexion"))
    locked = client.post(
        "/pilotage/connexion", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert locked.status_code == 429 and ACCESS not in set_cookies(locked)
    assert 890 <= int(locked.headers["Retry-After"]) <= 900  # the lock's end, in seconds


def test_logout_without_the_csrf_token_is_refused(browser, world):
    client = browser(world["users"]["structure"])
    response = client.post("/pilotage/deconnexion")
    assert response.status_code == 403 and "Jeton de sécurité" in unescape(response.text)
    assert client.get("/pilotage/territoires").status_code == 200


def test_logout_revokes_the_session_and_clears_the_cookies(browser, world):
    client = browser(world["users"]["structure"])
    page = client.get("/pilotage/territoires")
    access = client.get_cookie(ACCESS).value
    refresh = client.get_cookie(REFRESH, path="/pilotage").value
    response = client.post("/pilotage/deconnexion", data={"csrf_token": form_token(page)})
    assert response.status_code == 302
    assert response.location == "/pilotage/connexion?motif=deconnexion"
    assert "Vous êtes déconnecté(e)." in unescape(client.get(response.location).text)
    assert client.get_cookie(ACCESS) is None
    # The same tokens replayed by someone who kept them: both revoked.
    client.set_cookie(ACCESS, access)
    client.set_cookie(REFRESH, refresh, path="/pilotage")
    again = client.get("/pilotage/territoires")
    assert again.status_code == 302 and "motif=expiree" in again.location


def test_api_accepts_the_cookie_but_a_post_needs_the_csrf_header(browser, world, app):
    client = browser(world["users"]["conseiller"])
    assert client.get("/api/auth/me").json["email"] == world["users"]["conseiller"].email
    operations = {"operations": [create_op(cra_payload())]}
    refused = client.post("/api/sync/push", json=operations)
    assert refused.status_code == 401 and refused.json["code"] == 401
    csrf = decode_token(client.get_cookie(ACCESS).value)["csrf"]
    accepted = client.post("/api/sync/push", json=operations, headers={"X-CSRF-TOKEN": csrf})
    assert accepted.status_code == 200


def test_bearer_header_is_read_before_the_cookie(browser, world, login):
    client = browser(world["users"]["structure"])
    response = client.get("/api/auth/me", headers=login(world["users"]["admin"]))
    assert response.json["role"] == "admin"


def test_expired_access_cookie_is_renewed_from_the_refresh_cookie(browser, world):
    user = world["users"]["structure"]
    client = browser(user)
    csrf = decode_token(client.get_cookie(REFRESH, path="/pilotage").value)["csrf"]
    client.set_cookie(ACCESS, create_access_token(str(user.id), expires_delta=timedelta(-1)))
    response = client.get("/pilotage/territoires")
    assert response.status_code == 200
    renewed = decode_token(client.get_cookie(ACCESS).value)
    assert renewed["type"] == "access" and renewed["csrf"] == csrf == form_token(response)


def test_access_cookie_near_expiry_is_renewed_with_the_same_csrf_value(browser, world):
    user = world["users"]["structure"]
    client = browser(user)
    old = decode_token(client.get_cookie(ACCESS).value)
    client.set_cookie(
        ACCESS,
        create_access_token(
            str(user.id),
            expires_delta=timedelta(minutes=2),
            additional_claims={"role": "structure", "csrf": old["csrf"]},
        ),
    )
    response = client.get("/api/auth/me")
    assert ACCESS in set_cookies(response)
    renewed = decode_token(client.get_cookie(ACCESS).value)
    assert renewed["exp"] > old["exp"] - 60 and renewed["csrf"] == old["csrf"]
    assert ACCESS not in set_cookies(client.get("/api/auth/me"))  # fresh: left as is


def test_expired_session_goes_to_the_login_page_with_a_french_notice(app, world):
    user = world["users"]["structure"]
    client = app.test_client()
    client.set_cookie(ACCESS, create_access_token(str(user.id), expires_delta=timedelta(-1)))
    response = client.get("/pilotage/territoires?maille=region")
    assert response.status_code == 302
    assert response.location.startswith("/pilotage/connexion?motif=expiree&suivant=")
    page = client.get(response.location)
    assert "Votre session a expiré : veuillez vous reconnecter." in unescape(page.text)
    token = form_token(page)
    back = client.post(
        "/pilotage/connexion",
        data={
            "email": user.email,
            "password": PASSWORD,
            "csrf_token": token,
            "suivant": "/pilotage/territoires?maille=region",
        },
    )
    assert back.location == "/pilotage/territoires?maille=region"


@pytest.mark.parametrize(
    "suivant", ["https://example.org/", "//example.org/pilotage/", "/api/auth/me", "/\\example.org"]
)
def test_after_login_never_leaves_the_pilotage_pages(app, world, suivant):
    client = app.test_client()
    token = form_token(client.get("/pilotage/connexion"))
    response = client.post(
        "/pilotage/connexion",
        data={
            "email": world["users"]["admin"].email,
            "password": PASSWORD,
            "csrf_token": token,
            "suivant": suivant,
        },
    )
    assert response.location == "/pilotage/"


# --- each page for each role --------------------------------------------------------------------


def page_path(world, resource: str) -> str:
    ids = {
        "me": world["me"].conseiller_id,
        "far": world["far"].conseiller_id,
        "coordinateur": world["coordinateur"].conseiller_id,
        "lyon": world["lyon"].id,
        "marseille": world["marseille"].id,
    }
    kind, _, name = resource.partition(":")
    ident = ids.get(name, name)
    return {
        "liste": f"/pilotage/structures/{ident}",
        "fiche": f"/pilotage/conseillers/{ident}",
        "team": f"/pilotage/equipes/{ident}",
        "territoires": "/pilotage/territoires",
        "national": "/pilotage/statistiques/national",
        "public": "/statistiques",
    }.get(kind, f"/pilotage/statistiques/{kind}/{ident}")


PAGES = [
    "liste:lyon",
    "liste:marseille",
    "fiche:me",
    "fiche:far",
    "team:coordinateur",
    "territoires",
    "conseiller:me",
    "conseiller:far",
    "equipe:coordinateur",
    "structure:lyon",
    "structure:marseille",
    "departement:69",
    "departement:13",
    "region:84",
    "region:93",
    "national",
    "public",
]
# role → expected status per page, in the order of PAGES (statistics: as the API's matrix)
MATRIX = {
    "conseiller": [
        403,
        403,
        403,
        403,
        403,
        403,
        200,
        404,
        403,
        403,
        403,
        403,
        403,
        403,
        403,
        200,
        200,
    ],
    "coordinateur": [
        403,
        403,
        403,
        403,
        200,
        403,
        404,
        200,
        200,
        403,
        403,
        403,
        403,
        403,
        403,
        200,
        200,
    ],
    "structure": [
        200,
        404,
        200,
        404,
        403,
        200,
        200,
        404,
        403,
        200,
        404,
        200,
        200,
        200,
        200,
        200,
        200,
    ],
    "prefet": [200, 404, 200, 404, 403, 200, 200, 404, 403, 200, 404, 200, 404, 404, 404, 200, 200],
    "prefet_region": [
        200,
        404,
        200,
        404,
        403,
        200,
        200,
        404,
        403,
        200,
        404,
        200,
        404,
        200,
        404,
        200,
        200,
    ],
    "admin": [200] * len(PAGES),
}
CASES = [(role, page, MATRIX[role][index]) for role in MATRIX for index, page in enumerate(PAGES)]


@pytest.mark.parametrize("role, page, expected", CASES)
def test_role_by_page_matrix(browser, world, role, page, expected):
    response = browser(world["users"][role]).get(page_path(world, page))
    assert response.status_code == expected, response.text[-600:]
    assert response.mimetype == "text/html"
    text = unescape(response.text)
    if expected == 403:
        assert "Accès refusé" in text
    if expected == 404:
        assert "Page introuvable" in text and "ne vous est pas accessible" in text
    if expected == 200:
        assert response.headers["Cache-Control"] == "no-store"
        assert re.search(r"<title>[^<]+ – coop-cra pilotage</title>", text)
        assert 'href="#contenu"' in text and text.count("<h1") == 1


@pytest.mark.parametrize("page", [p for p in PAGES if p != "public"])
def test_anonymous_visitor_is_sent_to_the_login_page(client, world, page):
    path = page_path(world, page)
    response = client.get(path)
    assert response.status_code == 302
    assert response.location.startswith("/pilotage/connexion?motif=requise&suivant=")
    assert "Veuillez vous connecter" in unescape(client.get(response.location).text)


def test_public_national_page_needs_no_login(client, world, login):
    push(client, login, world["me"], cra_payload(date="2026-11-02"))
    response = client.get("/statistiques", query_string={"du": "2026-11-01", "au": "2026-11-30"})
    assert response.status_code == 200
    text = unescape(response.text)
    assert "Statistiques nationales 01/11/2026 - 30/11/2026" in text
    assert "Se connecter" in text and "Se déconnecter" not in text
    charts = re.findall(r'<img [^>]*src="([^"]+)"', response.text)
    assert len(charts) == 8 and all(
        unescape(url).startswith("/api/statistiques/national/graphiques/") for url in charts
    )
    assert client.get(unescape(charts[0])).status_code == 200


def test_unknown_page_is_a_french_404_page(client):
    response = client.get("/pilotage/nulle-part")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "Page introuvable" in response.text
    assert client.get("/api/nulle-part").json["code"] == 404  # the API keeps its JSON


# --- what the pages show -------------------------------------------------------------------------


def shown_figures(response) -> dict[str, str]:
    return {
        key: unescape(value)
        for key, value in re.findall(
            r'data-figure="([a-z_]+)"><span class="app-figure__value">([^<]*)</span>', response.text
        )
    }


@pytest.mark.parametrize(
    "scope",
    [
        "conseiller:me",
        "structure:lyon",
        "departement:69",
        "region:84",
        "equipe:coordinateur",
        "national",
    ],
)
def test_statistics_page_shows_the_figures_and_charts_of_the_api(
    client, browser, login, world, scope
):
    push(
        client,
        login,
        world["me"],
        cra_payload(date="2026-11-02"),
        atelier_payload(date="2026-11-05"),
        cra_payload(date="2026-10-02"),
    )
    push(client, login, world["far"], cra_payload(date="2026-11-03", activite="ponctuel"))
    period = {"du": "2026-11-01", "au": "2026-11-30"}
    user = world["users"]["coordinateur" if scope.startswith("equipe") else "admin"]
    page = browser(user).get(page_path(world, scope), query_string=period)
    api_path = (
        "/api/statistiques/national"
        if scope == "national"
        else page_path(world, scope).replace("/pilotage/", "/api/")
    )
    api = client.get(api_path, query_string=period, headers=login(user)).json
    assert page.status_code == 200
    assert shown_figures(page) == {f["cle"]: nombre(f["valeur"]) for f in api["figures"]}
    assert shown_figures(page)["cra_enregistres"] != "0"
    text = unescape(page.text)
    assert f"<h1>{api['titre']}</h1>" in text
    for chart in api["graphiques"]:
        assert f'src="{chart["url"]}"' in text
        assert f'data-alternative="{chart["nom"]}">{chart["alternative"]}</p>' in text


def test_commune_filter_narrows_the_figures_and_offers_the_postal_code_communes(
    client, browser, login, world
):
    push(
        client,
        login,
        world["me"],
        cra_payload(date="2026-11-02"),
        cra_payload(
            date="2026-11-03", code_postal="69100", code_commune="69266", nom_commune="Villeurbanne"
        ),
    )
    page = browser(world["users"]["structure"]).get(
        page_path(world, "structure:lyon"),
        query_string={"du": "2026-11-01", "au": "2026-11-30", "code_postal": "69100"},
    )
    assert shown_figures(page)["cra_enregistres"] == "1"
    assert '<option value="69266">Villeurbanne</option>' in page.text
    links = re.findall(r'href="([^"]+)" download', page.text)
    assert links and all("code_postal=69100" in unescape(link) for link in links)


def test_invalid_period_is_explained_and_the_default_period_shown(browser, world):
    page = browser(world["users"]["admin"]).get(
        "/pilotage/statistiques/national", query_string={"du": "2026-11-30", "au": "2026-11-01"}
    )
    assert page.status_code == 200
    assert "La date de début doit précéder la date de fin." in unescape(page.text)
    assert 'id="f-du" name="du" value="2020-11-17"' in page.text


@pytest.mark.parametrize(
    "role, scope, rows",
    [
        ("structure", "structure:lyon", True),
        ("structure", "departement:69", False),
        ("prefet", "departement:69", True),
        ("structure", "national", False),
        ("admin", "national", True),
    ],
)
def test_export_links_carry_the_period_and_offer_rows_only_to_those_who_may(
    browser, world, role, scope, rows
):
    client = browser(world["users"][role])
    page = client.get(
        page_path(world, scope), query_string={"du": "2026-11-01", "au": "2026-11-30"}
    )
    links = {
        format_: unescape(url)
        for url, format_ in re.findall(
            r'href="([^"]+)" download data-telechargement="([^"]+)"', page.text
        )
    }
    expected = {"resume.csv", "xlsx", "pdf"} | ({"cras.csv"} if rows else set())
    assert set(links) == expected
    api = page_path(world, scope).replace("/pilotage/", "/api/")
    for format_, url in links.items():
        assert url == f"{api}/export/{format_}?du=2026-11-01&au=2026-11-30"
    response = client.get(links["resume.csv"])
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]


def test_public_page_exports_the_summary_only(client):
    page = client.get("/statistiques")
    formats = set(re.findall(r'data-telechargement="([^"]+)"', page.text))
    assert formats == {"resume.csv", "xlsx", "pdf"}


def test_structure_list_shows_its_conseillers_and_their_cras_of_the_period(
    client, browser, login, world, make_user
):
    push(
        client,
        login,
        world["me"],
        cra_payload(date="2026-11-02"),
        cra_payload(date="2026-11-04"),
        cra_payload(date="2026-10-02"),
    )
    waiting = make_user("conseiller", structure=world["lyon"], activated=False)
    waiting.conseiller.certifie = True
    db.session.commit()
    page = browser(world["users"]["structure"]).get(
        page_path(world, "liste:lyon"), query_string={"du": "2026-11-01", "au": "2026-11-30"}
    )
    rows = {
        cells[1]: cells
        for cells in (
            [
                re.sub(r"<[^>]+>", "", cell).strip()
                for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            ]
            for row in re.findall(r"<tr>(.*?)</tr>", page.text, re.S)
        )
        if len(cells) == 8
    }
    me, other = world["me"].conseiller, waiting.conseiller
    assert rows[me.nom][:7] == [
        me.prenom,
        me.nom,
        "03/01/2022",
        "non renseignée",
        "✗ Non certifié",
        "✓ Activé",
        "2",
    ]
    assert rows[other.nom][4:7] == ["✓ Certifié", "✗ Non activé", "0"]
    assert world["far"].conseiller.nom not in rows  # Marseille's
    assert f'href="/pilotage/conseillers/{me.id}"' in page.text
    assert "la croix rouge signifie que le conseiller n'a pas encore passé" in page.text


def test_fiche_shows_the_conseiller_and_links_to_their_statistics(browser, world):
    conseiller = world["me"].conseiller
    conseiller.telephone_perso = "06 12 34 56 78"
    world["lyon"].siret = "21690123100011"
    db.session.commit()
    page = browser(world["users"]["structure"]).get(page_path(world, "fiche:me"))
    text = unescape(page.text)
    for shown in (
        conseiller.email_pro,
        "06 12 34 56 78",
        "Mairie de Lyon",
        "21690123100011",
        "69001",
        "03/01/2022",
    ):
        assert shown in text
    assert f'href="/pilotage/statistiques/conseiller/{conseiller.id}"' in page.text
    assert "Voir les statistiques" in text


def test_coordinator_team_list_counts_each_member_cras(client, browser, login, world):
    push(client, login, world["far"], cra_payload(date="2026-11-02"))
    page = browser(world["coordinateur"]).get(
        page_path(world, "team:coordinateur"), query_string={"du": "2026-11-01", "au": "2026-11-30"}
    )
    far = world["far"].conseiller
    assert far.nom in page.text and world["me"].conseiller.nom not in page.text
    assert re.search(r'<td class="app-number">1</td>', page.text)
    assert f'href="/pilotage/statistiques/conseiller/{far.id}"' in page.text


def table_codes(response) -> list[str]:
    return re.findall(r"<tr>\s*<td>([0-9AB]{2,3})</td>", response.text)


@pytest.mark.parametrize(
    "role, maille, codes",
    [
        ("prefet", "departement", ["69"]),
        ("prefet", "region", []),
        (
            "prefet_region",
            "departement",
            ["01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"],
        ),
        ("prefet_region", "region", ["84"]),
    ],
)
def test_prefet_sees_only_the_rows_of_their_territory(browser, world, role, maille, codes):
    page = browser(world["users"][role]).get(
        "/pilotage/territoires", query_string={"maille": maille}
    )
    assert table_codes(page) == codes


def test_territorial_table_sorts_on_a_column_and_links_each_territory(
    client, browser, login, world
):
    push(
        client, login, world["far"], cra_payload(date="2026-11-02"), cra_payload(date="2026-11-03")
    )
    push(client, login, world["me"], cra_payload(date="2026-11-02"))
    admin = browser(world["users"]["admin"])
    by_cras = admin.get(
        "/pilotage/territoires",
        query_string={"tri": "cras", "ordre": "desc", "du": "2026-11-01", "au": "2026-11-30"},
    )
    assert table_codes(by_cras)[:2] == ["13", "69"]
    assert len(table_codes(by_cras)) == 101
    assert 'aria-sort="descending"' in by_cras.text
    assert (
        'href="/pilotage/statistiques/departement/13?du=2026-11-01&amp;au=2026-11-30"'
        in by_cras.text
    )
    by_name = admin.get("/pilotage/territoires", query_string={"maille": "region", "tri": "nom"})
    names = re.findall(r'<th scope="row">([^<]+)</th>', by_name.text)
    assert names[:2] == ["Auvergne-Rhône-Alpes", "Bourgogne-Franche-Comté"]
    assert "les postes pas encore pourvus y sont donc comptés" in by_name.text
    export = unescape(re.search(r'href="([^"]+)" download', by_name.text).group(1))
    assert export.startswith("/api/statistiques/territoires/export.csv?maille=region&du=")


def test_user_text_is_escaped(browser, world):
    conseiller = world["me"].conseiller
    conseiller.prenom = '<script>alert("x")</script>'
    world["lyon"].nom = "Mairie <b>de</b> Lyon"
    db.session.commit()
    client = browser(world["users"]["structure"])
    for path in (
        page_path(world, "liste:lyon"),
        page_path(world, "fiche:me"),
        page_path(world, "conseiller:me"),
        page_path(world, "structure:lyon"),
    ):
        text = client.get(path).text
        assert "<script>alert" not in text and "<b>de</b>" not in text
        assert "&lt;script&gt;" in text or "Mairie &lt;b&gt;de&lt;/b&gt; Lyon" in text


def test_names_are_shown_as_typed(browser, world):
    coordinateur = world["coordinateur"].conseiller
    coordinateur.prenom, coordinateur.nom = "Karim", "McFOURNIER-de la Tour"
    coordinateur.sexe = "homme"
    db.session.commit()
    admin = browser(world["users"]["admin"])
    page = admin.get(page_path(world, "team:coordinateur"))
    assert "<h1>Équipe de Karim McFOURNIER-de la Tour</h1>" in unescape(page.text)
    fiche = admin.get(page_path(world, "fiche:coordinateur"))
    assert "<dd>Homme</dd>" in fiche.text
    assert "<h1>Karim McFOURNIER-de la Tour</h1>" in unescape(fiche.text)
