"""Login and logout of the pilotage pages, and each role's first page."""

from urllib.parse import urlsplit

from flask import make_response, redirect, render_template, request, url_for
from flask_jwt_extended import current_user

from server.errors import ApiError, is_page
from server.pages import navigation, session
from server.pages.pilotage import bp
from server.pages.session import login_required
from server.services import accounts


def _next_page() -> str:
    """Where to go after login: a pilotage page asked for, never another site."""
    target = request.form.get("suivant") or request.args.get("suivant") or ""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target or not is_page(parts.path):
        return url_for("pilotage.accueil")
    return target


@bp.route("/pilotage/connexion", methods=["GET", "POST"])
def connexion():
    """The login page: the app's accounts, lockout and messages, a login-CSRF token."""
    erreur, status, headers = None, 200, {}
    if request.method == "POST":
        if not session.login_form_is_genuine():
            erreur, status = "Le formulaire a expiré : veuillez réessayer.", 400
        else:
            try:
                tokens = accounts.login(
                    request.form.get("email", ""),
                    request.form.get("password", ""),
                    request.remote_addr,
                )
            except ApiError as error:  # a lock's 429 keeps its Retry-After
                erreur, status, headers = error.message, error.status, error.headers
            else:
                return session.open_session(redirect(_next_page()), tokens)
    nonce, jeton = session.login_form_token()
    page = render_template(
        "pilotage/connexion.html",
        jeton=jeton,
        erreur=erreur,
        notice=session.NOTICES.get(request.args.get("motif", "")),
        email=request.form.get("email"),
        suivant=_next_page(),
    )
    return session.set_login_cookie(make_response(page, status, headers), nonce)


@bp.post("/pilotage/deconnexion")
def deconnexion():
    """Log out (a form posting the session's CSRF value): tokens revoked, cookies cleared."""
    return session.close_session(redirect(url_for("pilotage.connexion", motif="deconnexion")))


@bp.get("/pilotage/")
@login_required()
def accueil():
    """Each role's first page."""
    return redirect(navigation.home(current_user))
