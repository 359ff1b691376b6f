"""The pilotage pages' session: the same JWTs as the app, carried in HttpOnly cookies.

The access cookie goes everywhere (pages, chart images, exports); the refresh cookie only to
/pilotage, where it renews an expired access cookie. Both die with the browser session or at
logout. One CSRF value serves the whole session (the refresh token's, kept by every renewed
access token): forms that change state post it in a hidden csrf_token field. The login form,
which has no session yet, gets a value of its own, signed and bound to a cookie (login CSRF).
"""

import hmac
import secrets
import time
from functools import wraps

from flask import current_app, g, redirect, request, url_for
from flask_jwt_extended import (
    current_user,
    get_csrf_token,
    get_jwt,
    get_jwt_request_location,
    set_access_cookies,
    set_refresh_cookies,
    unset_jwt_cookies,
    verify_jwt_in_request,
)
from flask_jwt_extended.exceptions import CSRFError, JWTExtendedException, NoAuthorizationError
from itsdangerous import BadData, URLSafeTimedSerializer
from jwt import PyJWTError

from server.errors import ApiError
from server.services import accounts

JWT_ERRORS = (JWTExtendedException, PyJWTError)
NOTICES = {
    "requise": "Veuillez vous connecter pour accéder à cette page.",
    "expiree": "Votre session a expiré : veuillez vous reconnecter.",
    "deconnexion": "Vous êtes déconnecté(e).",
}
CSRF_REFUSED = "Jeton de sécurité manquant ou invalide : rechargez la page, puis réessayez."
LOGIN_COOKIE = "connexion_csrf"
LOGIN_FORM_MAX_AGE = 2 * 3600  # seconds a login form stays valid


def _verified(refresh: bool = False) -> str | None:
    """None when the cookie holds a valid token, else the notice to log in again ("csrf" for
    a form posted without the session's CSRF value: the session itself may be fine)."""
    try:
        verify_jwt_in_request(refresh=refresh, locations=["cookies"])
    except NoAuthorizationError:
        return "requise"
    except CSRFError:
        return "csrf"
    except JWT_ERRORS:  # expired, revoked, tampered with, account disabled
        return "expiree"
    return None


def _remember_user() -> None:
    g.utilisateur = current_user
    g.csrf_token = get_jwt()["csrf"]


def login_required(*roles):
    """A page for logged-in users (of these roles): else the login page, or 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            notice = _verified()
            if notice == "csrf":  # a form of another site, or of an older session
                raise ApiError(403, CSRF_REFUSED)
            if notice and _verified(refresh=True) is None:
                notice = None  # the refresh cookie renews the session (renew_access_cookie)
            if notice:
                return redirect(
                    url_for(
                        "pilotage.connexion", motif=notice, suivant=request.full_path.rstrip("?")
                    )
                )
            _remember_user()
            if roles and current_user.role.value not in roles:
                raise ApiError(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def optional_user() -> None:
    """Public pages: know a logged-in user for the navigation, ask nothing of the others."""
    if _verified() is None:
        _remember_user()


def open_session(response, tokens: dict):
    """Log in: the tokens in cookies, the access token carrying the session's CSRF value."""
    refresh_token = tokens["refresh_token"]
    access_token = accounts.refresh(tokens["user"], tokens["sid"], get_csrf_token(refresh_token))
    set_access_cookies(response, access_token["access_token"])
    set_refresh_cookies(response, refresh_token)
    response.delete_cookie(LOGIN_COOKIE, path=url_for("pilotage.connexion"))
    return response


def close_session(response):
    """Log out: revoke the session's tokens (403 without its CSRF value), clear the cookies."""
    for refresh in (False, True):  # the access token, or once expired the refresh token
        try:
            verify_jwt_in_request(refresh=refresh, locations=["cookies"])
        except CSRFError:
            raise ApiError(403, CSRF_REFUSED) from None
        except JWT_ERRORS:
            continue
        payload = get_jwt()
        refresh_token = (
            request.cookies.get(current_app.config["JWT_REFRESH_COOKIE_NAME"])
            if payload["type"] == "access"
            else None
        )
        accounts.logout(payload, refresh_token)
        break
    unset_jwt_cookies(response)
    return response


def _sets_access_cookie(response) -> bool:
    name = current_app.config["JWT_ACCESS_COOKIE_NAME"] + "="
    return any(cookie.startswith(name) for cookie in response.headers.getlist("Set-Cookie"))


def renew_access_cookie(response):
    """Implicit refresh: a cookie session used with less than half its access token's lifetime
    left, or renewed from its refresh cookie, gets a new access cookie (same CSRF value)."""
    if get_jwt_request_location() != "cookies" or _sets_access_cookie(response):
        return response
    payload = get_jwt()
    lifetime = current_app.config["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds()
    if payload["type"] == "refresh" or payload["exp"] - time.time() < lifetime / 2:
        set_access_cookies(
            response,
            accounts.refresh(current_user, payload.get("sid"), payload["csrf"])["access_token"],
        )
    return response


# --- the login form's own CSRF token -----------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="pilotage-connexion")


def login_form_token() -> tuple[str, str]:
    """(cookie value, form value) for a login form; the browser's cookie is kept if any."""
    nonce = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(32)
    return nonce, _serializer().dumps(nonce)


def set_login_cookie(response, nonce: str):
    """The cookie the login form's value is bound to: for this page, same site only."""
    response.set_cookie(
        LOGIN_COOKIE,
        nonce,
        httponly=True,
        samesite="Strict",
        secure=current_app.config["JWT_COOKIE_SECURE"],
        path=url_for("pilotage.connexion"),
    )
    return response


def login_form_is_genuine() -> bool:
    """Whether the posted login form is the one this browser got (not another site's)."""
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    try:
        signed = _serializer().loads(request.form.get("csrf_token", ""), max_age=LOGIN_FORM_MAX_AGE)
    except BadData:
        return False
    return bool(nonce) and isinstance(signed, str) and hmac.compare_digest(signed, nonce)
