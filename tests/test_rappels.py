"""Reminders by Web Push, sent to a real push service on loopback (tests/push_endpoint.py):
keys, settings, devices, the clock's rules, failures, and one reminder whatever the clocks."""

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from py_vapid import Vapid
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from server import create_app
from server.extensions import db
from server.models import Cra, EnvoiPush, PushSubscription, Rappel, RappelPreferences
from server.models.push import ECHEC, EN_COURS, ENVOYE, INACTIVITE, QUOTIDIEN, allowed_endpoint
from server.models.types import utcnow
from server.services import horloge, notifications, push, rappels, territoires
from tests.conftest import base_config
from tests.cra_payloads import cra_payload, create_op
from tests.push_endpoint import PushEndpoint

SUBJECT = "mailto:rappels@coop-cra.example"
# Wednesday 4 November 2026, 16:00 UTC: 17:00 in Paris (UTC+1), 20:00 in La Réunion (UTC+4).
NOW = datetime(2026, 11, 4, 16, 0, tzinfo=UTC)
DAY = date(2026, 11, 4)
EVERY_DAY = [1, 2, 3, 4, 5, 6, 7]
ROOT = Path(__file__).resolve().parents[1]


def count(model, **where):
    db.session.expire_all()
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


@pytest.fixture
def keys(app):
    """The server's VAPID key pair, given as production gives it (VAPID_PRIVATE_KEY)."""
    vapid = Vapid()
    vapid.generate_keys()
    app.config.update(
        VAPID_PRIVATE_KEY=push.raw_private_key(vapid),
        VAPID_SUBJECT=SUBJECT,
        PUSH_SERVICE_HOSTS="127.0.0.1",
        PUSH_WORKERS=4,
    )
    for cached in ("vapid", "push_sender"):
        app.extensions.pop(cached, None)
    return vapid


@pytest.fixture
def endpoint(keys):
    """A push service on loopback that checks the VAPID JWT against the server's key."""
    with PushEndpoint(push.public_key_of(keys), SUBJECT) as served:
        yield served


@pytest.fixture
def reminded(make_user, make_structure, endpoint):
    """A conseiller with reminders on and subscribed devices."""

    def make(
        heure="17:00",
        jours=EVERY_DAY,
        fuseau="Europe/Paris",
        devices=1,
        inactivite=True,
        since=None,
        status=201,
    ):
        user = make_user("conseiller", structure=make_structure())
        made = [endpoint.device(status=status) for _ in range(devices)]
        for device in made:
            rappels.subscribe(user, device.subscription, "pytest")
        rappels.save_settings(
            user,
            {
                "actif": True,
                "jours": jours,
                "heure": heure,
                "fuseau": fuseau,
                "inactivite": inactivite,
            },
        )
        prefs = db.session.get(RappelPreferences, user.id)
        prefs.actif_depuis = since or DAY - timedelta(days=1)
        db.session.commit()
        return user, made

    return make


def messages(endpoint, device):
    return [json.loads(received.text) for received in endpoint.for_device(device.name)]


# --- keys ---------------------------------------------------------------------------------------


def test_push_keys_writes_a_pair_to_the_instance_folder_once(app, runner, tmp_path):
    app.instance_path = str(tmp_path)
    result = runner.invoke(args=["push", "keys"])
    assert result.exit_code == 0, result.output
    private = tmp_path / push.PRIVATE_FILE
    assert private.stat().st_mode & 0o777 == 0o600
    public = (tmp_path / push.PUBLIC_FILE).read_text().strip()
    assert f"Clé publique : {public}" in result.output
    assert push.public_key() == public  # development reads the instance folder
    again = runner.invoke(args=["push", "keys"])
    assert again.exit_code != 0 and "existe déjà" in again.output
    assert (tmp_path / push.PUBLIC_FILE).read_text().strip() == public
    skipped = runner.invoke(args=["push", "keys", "--if-missing"])  # what `make run` does
    assert skipped.exit_code == 0 and "déjà présentes" in skipped.output
    raw = result.output.split("VAPID_PRIVATE_KEY=")[1].strip()
    assert push.public_key_of(Vapid.from_string(raw)) == public


def test_production_reads_keys_from_the_environment_only(tmp_path, keys):
    config = {
        "APP_ENV": "production",
        "SECRET_KEY": "s" * 40,
        "JWT_SECRET_KEY": "j" * 40,
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
    }
    with pytest.raises(RuntimeError, match="VAPID_SUBJECT"):
        create_app({**config, "VAPID_PRIVATE_KEY": push.raw_private_key(keys)})
    app = create_app(
        {**config, "VAPID_PRIVATE_KEY": push.raw_private_key(keys), "VAPID_SUBJECT": SUBJECT}
    )
    with app.app_context():
        assert push.public_key() == push.public_key_of(keys)
    unset = create_app(config)
    unset.instance_path = str(tmp_path)
    push.generate_keys(str(tmp_path))
    with unset.app_context():
        assert push.public_key() is None  # never the instance folder's in production


def test_public_key_is_served_to_the_app_without_session(client, keys):
    response = client.get("/api/rappels/cle-publique")
    assert response.status_code == 200
    assert response.json == {"cle_publique": push.public_key_of(keys)}


# --- settings and devices -------------------------------------------------------------------


def test_settings_default_to_weekdays_17h_paris_then_are_saved(
    client, login, make_user, make_structure, keys
):
    user = make_user("conseiller", structure=make_structure())
    headers = login(user)
    shown = client.get("/api/rappels", headers=headers).json
    assert (shown["actif"], shown["jours"], shown["heure"], shown["fuseau"]) == (
        False,
        [1, 2, 3, 4, 5],
        "17:00",
        "Europe/Paris",
    )
    assert shown["jours_inactivite"] == 7 and shown["appareils"] == 0
    assert shown["cle_publique"] == push.public_key_of(keys)
    assert {"code": "Indian/Reunion", "libelle": "La Réunion"} in shown["fuseaux"]
    body = {
        "actif": True,
        "jours": [1, 3, 6],
        "heure": "18:30",
        "fuseau": "Indian/Reunion",
        "inactivite": False,
    }
    saved = client.put("/api/rappels", json=body, headers=headers)
    assert saved.status_code == 200, saved.json
    assert {k: saved.json[k] for k in body} == body
    assert client.get("/api/rappels", headers=headers).json["heure"] == "18:30"


def test_overseas_structure_defaults_to_its_time_zone(client, login, make_user, make_structure):
    structure = make_structure(
        nom="Mairie de Saint-Denis", code_commune="97411", code_postal="97400"
    )
    headers = login(make_user("conseiller", structure=structure))
    assert client.get("/api/rappels", headers=headers).json["fuseau"] == "Indian/Reunion"


def test_every_overseas_departement_zone_can_be_chosen():
    assert set(territoires.TIME_ZONES.values()) | {"Europe/Paris"} <= set(rappels.FUSEAUX)


@pytest.mark.parametrize(
    "change, field",
    [
        ({"jours": []}, "jours"),
        ({"jours": [0]}, "jours"),
        ({"jours": [1, 1]}, "jours"),
        ({"heure": "24:00"}, "heure"),
        ({"heure": "7h"}, "heure"),
        ({"fuseau": "Europe/London"}, "fuseau"),
    ],
)
def test_invalid_settings_are_refused_in_french(client, login, make_user, change, field):
    body = {"actif": True, "jours": [1], "heure": "17:00", "fuseau": "Europe/Paris", **change}
    response = client.put("/api/rappels", json=body, headers=login(make_user("conseiller")))
    assert response.status_code == 422
    assert any(key.split(".")[0] == field for key in response.json["errors"])  # "jours.0"


@pytest.mark.parametrize("role", ["structure", "prefet", "admin"])
def test_only_those_who_file_cras_have_reminders(client, login, make_user, make_structure, role):
    user = make_user(role, structure=make_structure(), departement_code="69")
    assert client.get("/api/rappels", headers=login(user)).status_code == 403


def test_each_device_has_its_subscription_resent_without_duplicate(
    client, login, make_user, endpoint
):
    user = make_user("conseiller")
    headers = login(user)
    phone, tablet = endpoint.device(), endpoint.device()
    for device in (phone, tablet, phone):  # the phone's app started twice
        response = client.put("/api/rappels/abonnement", json=device.subscription, headers=headers)
        assert response.status_code == 200, response.json
    assert response.json["appareils"] == 2
    assert response.json["cle_publique"] == endpoint.vapid_public_key
    other = make_user("conseiller")  # someone else logs in on the phone
    client.put("/api/rappels/abonnement", json=phone.subscription, headers=login(other))
    assert count(PushSubscription, user_id=user.id) == 1
    assert count(PushSubscription, user_id=other.id) == 1
    gone = client.delete(
        "/api/rappels/abonnement", query_string={"endpoint": tablet.endpoint}, headers=headers
    )
    assert gone.status_code == 204 and count(PushSubscription, user_id=user.id) == 0


@pytest.mark.parametrize("replaced", [["auth"], ["p256dh"], ["p256dh", "auth"], []])
def test_a_subscription_moves_to_another_account_only_with_the_device_keys(
    client, login, make_user, endpoint, replaced
):
    """Whoever knows an endpoint cannot take it (the owner would silently lose reminders);
    the device itself, holding its keys, can (another person logs in on the phone)."""
    owner, other = make_user("conseiller"), make_user("conseiller")
    phone, intruder = endpoint.device(), endpoint.device()
    client.put("/api/rappels/abonnement", json=phone.subscription, headers=login(owner))
    keys = {**phone.subscription["keys"]}
    for key in replaced:  # the intruder knows the endpoint, not the device's keys
        keys[key] = intruder.subscription["keys"][key]
    body = {**phone.subscription, "keys": keys}
    response = client.put("/api/rappels/abonnement", json=body, headers=login(other))
    if replaced:
        assert response.status_code == 409
        assert "depuis l'appareil lui-même" in response.json["message"]
        assert count(PushSubscription, user_id=owner.id) == 1
        assert count(PushSubscription, user_id=other.id) == 0
    else:
        assert response.status_code == 200
        assert count(PushSubscription, user_id=owner.id) == 0
        assert count(PushSubscription, user_id=other.id) == 1


@pytest.mark.parametrize(
    "endpoint_url",
    [
        "https://example.org/push/1",
        "http://fcm.googleapis.com/fcm/send/1",
        "https://fcm.googleapis.com.example.org/x",
        "https://10.0.0.1/push",
        "file:///etc/passwd",
        "https://fcm.googleapis.com:99999/x",
    ],
)
def test_subscription_elsewhere_than_a_push_service_is_refused(
    client, login, make_user, endpoint, endpoint_url
):
    body = {**endpoint.device().subscription, "endpoint": endpoint_url}
    response = client.put(
        "/api/rappels/abonnement", json=body, headers=login(make_user("conseiller"))
    )
    assert response.status_code == 422
    assert response.json["errors"]["endpoint"] == [
        "Adresse d'abonnement refusée : service de notification inconnu."
    ]


def test_push_service_hosts_default_to_the_browsers_services(app):
    app.config["PUSH_SERVICE_HOSTS"] = create_app(base_config("sqlite://")).config[
        "PUSH_SERVICE_HOSTS"
    ]
    for url in (
        "https://fcm.googleapis.com/fcm/send/abc",
        "https://updates.push.services.mozilla.com/wpush/v2/abc",
        "https://web.push.apple.com/QGx",
        "https://db5p.notify.windows.com/w/?t=1",
    ):
        assert allowed_endpoint(url), url
    assert not allowed_endpoint("http://127.0.0.1:5000/push")


@pytest.mark.parametrize(
    "keys_change, field",
    [
        ({"p256dh": "AAAA"}, "p256dh"),
        ({"p256dh": "BA" + "A" * 85}, "p256dh"),
        ({"auth": "c2hvcnQ"}, "auth"),
        ({"auth": "%%%"}, "auth"),
    ],
)
def test_subscription_keys_are_checked(client, login, make_user, endpoint, keys_change, field):
    body = endpoint.device().subscription
    body["keys"].update(keys_change)
    response = client.put(
        "/api/rappels/abonnement", json=body, headers=login(make_user("conseiller"))
    )
    assert response.status_code == 422 and f"keys.{field}" in response.json["errors"]


def test_renewed_subscription_replaces_the_old_one_with_its_secret_as_proof(
    client, make_user, endpoint
):
    user = make_user("conseiller")
    old, new = endpoint.device(), endpoint.device()
    rappels.subscribe(user, old.subscription, None)
    wrong = {
        "ancien": {"endpoint": old.endpoint, "auth": new.subscription["keys"]["auth"]},
        "nouveau": new.subscription,
    }
    assert client.post("/api/rappels/abonnement/renouvellement", json=wrong).status_code == 404
    right = {
        **wrong,
        "ancien": {"endpoint": old.endpoint, "auth": old.subscription["keys"]["auth"]},
    }
    assert client.post("/api/rappels/abonnement/renouvellement", json=right).status_code == 204
    db.session.expire_all()
    stored = db.session.scalars(select(PushSubscription)).one()
    assert (stored.user_id, stored.endpoint) == (user.id, new.endpoint)
    assert stored.p256dh == new.subscription["keys"]["p256dh"]


# --- the test notification ------------------------------------------------------------------


def test_test_notification_reaches_the_device_encrypted_and_signed(
    client, login, make_user, endpoint
):
    user = make_user("conseiller")
    headers = login(user)
    phone = endpoint.device()
    client.put("/api/rappels/abonnement", json=phone.subscription, headers=headers)
    response = client.post("/api/rappels/essai", json={"endpoint": phone.endpoint}, headers=headers)
    assert response.status_code == 200, response.json
    assert response.json["envoye"] is True
    assert endpoint.errors == []
    [received] = endpoint.for_device(phone.name)
    assert json.loads(received.text) == {
        "type": "essai",
        "titre": "Notification d'essai",
        "corps": "Les rappels de coop-cra fonctionnent sur cet appareil.",
        "url": "/?vue=rappels",
    }
    assert received.ttl == 6 * 3600 and received.topic == "rappel-essai"
    assert received.claims["aud"] == endpoint.base and received.claims["sub"] == SUBJECT
    assert count(EnvoiPush, user_id=user.id, type="essai", resultat="accepte", statut_http=201) == 1


def test_test_notification_needs_a_device_and_keys(client, login, make_user, app):
    headers = login(make_user("conseiller"))
    app.config.update(VAPID_PRIVATE_KEY=None, APP_ENV="production")
    app.extensions.pop("vapid", None)
    response = client.post("/api/rappels/essai", json={"endpoint": "https://x"}, headers=headers)
    assert response.status_code == 409
    assert response.json["message"] == notifications.NOT_CONFIGURED


def test_test_notification_to_a_device_of_someone_else_is_404(client, login, make_user, endpoint):
    phone = endpoint.device()
    rappels.subscribe(make_user("conseiller"), phone.subscription, None)
    response = client.post(
        "/api/rappels/essai",
        json={"endpoint": phone.endpoint},
        headers=login(make_user("conseiller")),
    )
    assert response.status_code == 404 and endpoint.received == []


def test_test_notifications_are_limited(client, login, make_user, endpoint):
    user = make_user("conseiller")
    headers = login(user)
    phone = endpoint.device()
    rappels.subscribe(user, phone.subscription, None)
    answers = [
        client.post(
            "/api/rappels/essai", json={"endpoint": phone.endpoint}, headers=headers
        ).status_code
        for _ in range(rappels.MAX_ESSAIS)
    ]
    assert answers == [200] * rappels.MAX_ESSAIS
    # Sent 50 minutes ago: the oldest leaves the hour in 10 minutes.
    db.session.execute(update(EnvoiPush).values(sent_at=utcnow() - timedelta(minutes=50)))
    db.session.commit()
    refused = client.post("/api/rappels/essai", json={"endpoint": phone.endpoint}, headers=headers)
    assert refused.status_code == 429
    assert 590 <= int(refused.headers["Retry-After"]) <= 600
    assert refused.json["message"] == (
        "Trop de notifications d'essai : réessayez dans 10 minute(s)."
    )


# --- the clock's rules ------------------------------------------------------------------------


def test_daily_reminder_at_the_chosen_time_once(reminded, endpoint):
    user, [phone] = reminded(heure="17:00")
    assert horloge.send_due(NOW - timedelta(minutes=1)) == {}
    counts = horloge.send_due(NOW)
    assert counts == {"accepte": 1, "envoye": 1}
    assert horloge.send_due(NOW + timedelta(minutes=5)) == {}
    assert endpoint.errors == []
    [received] = endpoint.for_device(phone.name)
    assert json.loads(received.text) == notifications.payload(QUOTIDIEN)
    assert json.loads(received.text)["url"] == "/?vue=saisie"
    assert (received.ttl, received.topic) == (6 * 3600, "rappel-cra")
    claim = db.session.scalars(select(Rappel)).one()
    assert (claim.type, claim.jour, claim.statut) == (QUOTIDIEN, DAY, ENVOYE)


def test_every_device_of_the_user_is_reminded(reminded, endpoint):
    user, devices = reminded(devices=3)
    horloge.send_due(NOW)
    assert [len(endpoint.for_device(d.name)) for d in devices] == [1, 1, 1]
    assert count(EnvoiPush, user_id=user.id, type=QUOTIDIEN) == 3
    assert count(Rappel) == 1


def test_no_reminder_on_a_day_not_chosen_nor_when_turned_off(reminded, client, login, endpoint):
    user, _ = reminded(jours=[1, 2, 4, 5])  # not Wednesday
    other, _ = reminded()
    body = rappels.settings(other)
    rappels.save_settings(other, {**body, "actif": False})
    assert horloge.send_due(NOW) == {} and endpoint.received == []


def test_no_daily_reminder_once_a_cra_of_the_day_reached_the_server(
    reminded, client, login, endpoint
):
    user, [phone] = reminded()
    late, [late_phone] = reminded()
    for who, day in ((user, DAY), (late, DAY - timedelta(days=1))):
        response = client.post(
            "/api/sync/push",
            headers=login(who),
            json={"operations": [create_op(cra_payload(date=day.isoformat()))]},
        )
        assert response.json["results"][0]["status"] == "applied", response.json
    assert count(Cra) == 2
    horloge.send_due(NOW)
    assert endpoint.for_device(phone.name) == []
    assert len(endpoint.for_device(late_phone.name)) == 1  # yesterday's CRA is not today's


def test_reunion_user_is_reminded_at_17h_local_time(reminded, endpoint):
    paris, [paris_phone] = reminded(heure="17:00", fuseau="Europe/Paris")
    reunion, [reunion_phone] = reminded(heure="17:00", fuseau="Indian/Reunion")
    horloge.send_due(datetime(2026, 11, 4, 12, 59, tzinfo=UTC))  # 16:59 in La Réunion
    assert endpoint.received == []
    horloge.send_due(datetime(2026, 11, 4, 13, 0, tzinfo=UTC))  # 17:00 there, 14:00 in Paris
    assert [r.device for r in endpoint.received] == [reunion_phone.name]
    horloge.send_due(NOW)  # 17:00 in Paris
    assert sorted(r.device for r in endpoint.received) == sorted(
        [reunion_phone.name, paris_phone.name]
    )


def test_local_day_decides_for_a_zone_behind_utc(reminded, endpoint):
    """20:00 on Tuesday in Guadeloupe is Wednesday 00:00 UTC: Tuesday's reminder is due."""
    user, [phone] = reminded(heure="20:00", jours=[2], fuseau="America/Guadeloupe")
    horloge.send_due(datetime(2026, 11, 4, 0, 0, tzinfo=UTC))
    assert len(endpoint.for_device(phone.name)) == 1
    assert db.session.scalars(select(Rappel.jour)).one() == date(2026, 11, 3)


def test_inactivity_reminder_after_n_days_without_cra_then_every_n_days(
    reminded, endpoint, client, login
):
    user, [phone] = reminded(since=DAY - timedelta(days=30))
    response = client.post(
        "/api/sync/push",
        headers=login(user),
        json={"operations": [create_op(cra_payload(date=(DAY - timedelta(days=7)).isoformat()))]},
    )
    assert response.json["results"][0]["status"] == "applied"
    fresh, [fresh_phone] = reminded(since=DAY - timedelta(days=3))  # turned on 3 days ago
    horloge.send_due(NOW)
    [received] = messages(endpoint, phone)
    assert received == notifications.payload(INACTIVITE) and received["url"] == "/?vue=historique"
    assert "depuis 7 jours" in received["titre"]
    assert [m["type"] for m in messages(endpoint, fresh_phone)] == [QUOTIDIEN]
    for day in range(1, 8):  # the next days: daily reminders, inactivity again after 7 days
        horloge.send_due(NOW + timedelta(days=day))
    kinds = [m["type"] for m in messages(endpoint, phone)]
    assert kinds == [INACTIVITE] + [QUOTIDIEN] * 6 + [INACTIVITE]


def test_inactivity_days_are_configurable(reminded, endpoint, app):
    app.config["REMINDERS_INACTIVITY_DAYS"] = 3
    user, [phone] = reminded(since=DAY - timedelta(days=3))
    horloge.send_due(NOW)
    assert [m["titre"] for m in messages(endpoint, phone)] == ["Aucun compte rendu depuis 3 jours"]


def test_inactivity_reminder_can_be_turned_off(reminded, endpoint):
    user, [phone] = reminded(since=DAY - timedelta(days=30), inactivite=False)
    horloge.send_due(NOW)
    assert [m["type"] for m in messages(endpoint, phone)] == [QUOTIDIEN]


def test_payloads_fit_in_a_push_message():
    app = create_app(base_config("sqlite://"))
    with app.app_context():
        for kind in (QUOTIDIEN, INACTIVITE, "essai"):
            assert len(json.dumps(notifications.payload(kind)).encode()) < 3000


# --- failures ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [404, 410])
def test_gone_subscription_is_deleted_and_the_send_recorded(reminded, endpoint, status):
    user, [gone, alive] = reminded(devices=2)
    gone.status = status
    counts = horloge.send_due(NOW)
    assert counts == {"disparu": 1, "accepte": 1, "envoye": 1}
    db.session.expire_all()
    assert db.session.scalars(select(PushSubscription.endpoint)).all() == [alive.endpoint]
    envoi = db.session.scalars(select(EnvoiPush).where(EnvoiPush.statut_http == status)).one()
    assert (envoi.resultat, envoi.subscription_id, envoi.service) == (
        "disparu",
        None,
        endpoint.base.removeprefix("http://"),
    )


def test_only_device_gone_fails_the_reminder_for_good(reminded, endpoint):
    user, [phone] = reminded(status=410)
    assert horloge.send_due(NOW) == {"disparu": 1, "echec": 1}
    assert count(PushSubscription) == 0
    assert db.session.scalars(select(Rappel.statut)).one() == ECHEC
    assert horloge.send_due(NOW + timedelta(minutes=30)) == {}


def test_429_backs_off_then_the_reminder_is_retried(reminded, endpoint):
    user, [phone] = reminded()
    other, [other_phone] = reminded()
    phone.status, phone.headers = 429, {"Retry-After": "1200"}
    other_phone.status = 429
    counts = horloge.send_due(NOW)
    assert counts.get("a_reessayer") == 2 and counts.get("accepte") is None
    assert endpoint.requests <= 2  # after the first 429, the service is left alone
    claim = db.session.scalars(select(Rappel).where(Rappel.user_id == user.id)).one()
    assert claim.reessai_apres >= NOW + timedelta(seconds=1200)
    phone.status = other_phone.status = 201
    assert horloge.send_due(NOW + timedelta(minutes=5)) == {}  # the service asked to wait
    counts = horloge.send_due(NOW + timedelta(minutes=21))
    assert counts == {"accepte": 2, "envoye": 2}
    db.session.expire_all()
    assert db.session.scalars(select(Rappel.tentatives)).all() == [2, 2]
    assert count(EnvoiPush, resultat="limite", statut_http=429) >= 1


def test_temporary_failures_are_retried_a_few_times_then_given_up(reminded, endpoint, app):
    user, [phone] = reminded(status=503)
    moments = [NOW + timedelta(minutes=11 * n) for n in range(5)]
    results = [horloge.send_due(moment) for moment in moments]
    assert results == [
        {"erreur": 1, "a_reessayer": 1},
        {"erreur": 1, "a_reessayer": 1},
        {"erreur": 1, "echec": 1},
        {},
        {},
    ]
    assert count(EnvoiPush, statut_http=503) == app.config["REMINDERS_MAX_ATTEMPTS"]
    assert db.session.scalars(select(Rappel.statut)).one() == ECHEC


def test_no_retry_once_the_cra_of_the_day_arrived(reminded, endpoint, client, login):
    user, [phone] = reminded(status=500)
    horloge.send_due(NOW)
    client.post(
        "/api/sync/push",
        headers=login(user),
        json={"operations": [create_op(cra_payload(date=DAY.isoformat()))]},
    )
    phone.status = 201
    assert horloge.send_due(NOW + timedelta(minutes=15)) == {}
    assert db.session.scalars(select(Rappel.statut)).one() == ECHEC
    assert len(endpoint.for_device(phone.name)) == 1


def test_unreachable_push_service_is_a_temporary_failure(reminded, endpoint, app):
    user, [phone] = reminded()
    with PushEndpoint() as closed:
        dead = closed.device()
    rappels.subscribe(user, dead.subscription, None)
    app.config["PUSH_TIMEOUT_SECONDS"] = 2
    counts = horloge.send_due(NOW)
    assert counts == {"accepte": 1, "erreur": 1, "envoye": 1}
    envoi = db.session.scalars(select(EnvoiPush).where(EnvoiPush.resultat == "erreur")).one()
    assert envoi.statut_http is None and "ConnectionError" in envoi.detail


# --- one reminder, whatever the clocks --------------------------------------------------------


def test_claim_is_unique_per_user_kind_and_day_in_the_database(reminded):
    user, _ = reminded()
    db.session.add(Rappel(user_id=user.id, type=QUOTIDIEN, jour=DAY, statut=EN_COURS))
    db.session.commit()
    db.session.add(Rappel(user_id=user.id, type=QUOTIDIEN, jour=DAY, statut=EN_COURS))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_clock_late_on_another_sends_nothing_twice(reminded, endpoint):
    """Clock A finds the reminders due, clock B sends them all, then A claims: A gets none.
    Only the unique claim stops A here: its list of due reminders is already stale."""
    users = [reminded()[0] for _ in range(5)]
    seen_by_a = horloge.due(QUOTIDIEN, NOW)
    assert {d.user_id for d in seen_by_a} == {u.id for u in users}
    assert horloge.send_due(NOW)["envoye"] == 5  # clock B
    assert horloge.claim(seen_by_a, NOW) == []  # clock A
    assert len(endpoint.received) == 5


def test_a_retry_is_taken_by_one_clock_only(reminded, endpoint):
    user, [phone] = reminded(status=500)
    horloge.send_due(NOW)
    later = NOW + timedelta(minutes=11)
    first, second = horloge.reclaim(later), horloge.reclaim(later)
    assert len(first) == 1 and second == []


def _flask(command: list[str], database_url: str, keys: Vapid, **popen):
    env = {
        **os.environ,
        "FLASK_APP": "server",
        "DATABASE_URL": database_url,
        "VAPID_PRIVATE_KEY": push.raw_private_key(keys),
        "VAPID_SUBJECT": SUBJECT,
        "PUSH_SERVICE_HOSTS": "127.0.0.1",
        "APP_ENV": "development",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", *command],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **popen,
    )


def test_two_clock_processes_at_once_send_each_reminder_once(
    reminded, endpoint, keys, database_url
):
    devices = [reminded(heure="00:00")[1][0] for _ in range(40)]
    clocks = [_flask(["reminders", "send-due"], database_url, keys) for _ in range(2)]
    outputs = [clock.communicate(timeout=120)[0] for clock in clocks]
    assert [clock.returncode for clock in clocks] == [0, 0], outputs
    assert endpoint.errors == []
    assert sorted(len(endpoint.for_device(d.name)) for d in devices) == [1] * 40
    assert count(Rappel, statut=ENVOYE) == 40 and count(EnvoiPush) == 40


@pytest.mark.one_database  # the process's signal handling; claims on both: the test above
def test_clock_process_sends_then_stops_cleanly_on_sigterm(reminded, endpoint, keys, database_url):
    user, [phone] = reminded(heure="00:00")
    clock = _flask(["reminders", "run", "--every", "1"], database_url, keys)
    deadline = time.monotonic() + 60
    while not endpoint.for_device(phone.name) and time.monotonic() < deadline:
        time.sleep(0.2)
    clock.send_signal(signal.SIGTERM)
    output = clock.communicate(timeout=30)[0]
    assert clock.returncode == 0, output
    assert "Rappels : 1 accepte, 1 envoye." in output
    assert len(endpoint.for_device(phone.name)) == 1


def test_commands_say_when_reminders_are_not_configured(runner, app):
    app.config.update(VAPID_PRIVATE_KEY=None, APP_ENV="production")
    app.extensions.pop("vapid", None)
    for command in (["reminders", "send-due"], ["reminders", "run"]):
        result = runner.invoke(args=command)
        assert result.exit_code != 0 and "VAPID_PRIVATE_KEY" in result.output
