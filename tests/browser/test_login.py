"""A person logs in and out of the app in a real browser."""

from tests.conftest import PASSWORD


def test_conseiller_logs_in_and_out(page, live_server, make_user, make_structure):
    user = make_user("conseiller", structure=make_structure())
    page.goto(live_server)
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("heading", name="Nouveau compte rendu d'activité").wait_for()
    page.reload()
    page.get_by_role("heading", name="Nouveau compte rendu d'activité").wait_for()
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Se déconnecter").click()
    page.get_by_role("heading", name="Connexion").wait_for()


def test_a_new_visitor_sees_the_login_form_before_the_app_script_runs(page, live_server):
    # The app's modules never arrive (a crawling network): the form shows all the same, and
    # sending it does not put the password in the URL.
    page.route("**/js/app.js", lambda route: route.abort())
    page.goto(live_server)
    page.get_by_role("heading", name="Connexion").wait_for()
    page.get_by_label("Adresse e-mail").fill("personne@example.org")
    page.get_by_label("Mot de passe").fill("Secret-1!")
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("heading", name="Connexion").wait_for()
    assert page.url == live_server + "/"
    assert page.get_by_label("Mot de passe").input_value() == "Secret-1!"  # not reloaded


def test_a_logged_in_user_never_sees_the_login_form_first(page, live_server):
    page.route("**/js/app.js", lambda route: route.abort())
    page.add_init_script("localStorage.setItem('coop-cra.tokens', '{\"access_token\": \"x\"}')")
    page.goto(live_server)
    page.wait_for_load_state("load")
    assert page.get_by_role("heading", name="Connexion").is_hidden()


def test_other_roles_are_greeted_and_sent_to_their_pages(page, live_server, make_user):
    user = make_user("admin")
    page.goto(live_server)
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("heading", name=f"Bonjour {user.email}").wait_for()


def test_wrong_password_shows_the_french_message(page, live_server, make_user):
    user = make_user("admin")
    page.goto(live_server)
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill("Pas-le-bon-1!")
    page.get_by_role("button", name="Se connecter").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert alert.inner_text() == "Adresse e-mail ou mot de passe incorrect."


def test_invited_person_chooses_a_password(page, live_server, client, make_user, login):
    response = client.post(
        "/api/invitations",
        headers=login(make_user("admin")),
        json={"email": "invite@test.example", "role": "admin"},
    )
    path = response.json["link"].replace("http://testserver", "")
    page.goto(live_server + path)
    page.get_by_text("Compte : invite@test.example").wait_for()
    page.get_by_label("Choisissez votre mot de passe").fill("court")
    page.get_by_role("button", name="Activer mon compte").click()
    assert "12 caractères" in page.get_by_role("alert").inner_text()
    page.get_by_label("Choisissez votre mot de passe").fill("Un-Bon-Mot2passe")
    page.get_by_role("button", name="Activer mon compte").click()
    page.get_by_text("Votre compte est activé.").wait_for()
