"""Signing in: throttled but never lockable by someone else, a fresh session every time,
and a password change that signs out every other session.

Throttling is django-axes: after 5 wrong passwords for one username from one address,
that pair waits 15 minutes, right password or not. The pair, not the username: an
attacker elsewhere can only lock themselves out.
"""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.utils import timezone

PASSWORD = "correct-horse-battery"  # cases.tests.factories.UserFactory
NEW_PASSWORD = "a-new-and-long-passphrase-2026"
ATTACKER = "198.51.100.7"
VICTIM = "203.0.113.9"


def sign_in(client, username, password, **request):
    return client.post("/login/", {"username": username, "password": password}, **request)


def is_signed_in(client):
    return client.get("/").status_code == 200


def fail(client, username, times, **request):
    return [sign_in(client, username, "wrong-password", **request).status_code for _ in range(times)]


def is_locked_out_page(response):
    return response.status_code == 429 and "Too many sign-in attempts" in response.text


# Throttling.


def test_five_wrong_passwords_lock_that_username_from_that_address_for_15_minutes(client, customer):
    assert fail(client, customer.username, 4) == [200] * 4  # the form again, with its error

    fifth = sign_in(client, customer.username, "wrong-password")

    assert is_locked_out_page(fifth)
    assert "paused for 15 minutes" in fifth.text
    right_password = sign_in(client, customer.username, PASSWORD)
    assert is_locked_out_page(right_password)
    assert not is_signed_in(client)


def test_another_username_still_signs_in_from_the_same_address(client, customer, colleague):
    fail(client, customer.username, 5)

    response = sign_in(client, colleague.username, PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert is_signed_in(client)


def test_an_attacker_elsewhere_cannot_lock_the_user_out(customer):
    attacker, victim = Client(), Client()
    fail(attacker, customer.username, 20, REMOTE_ADDR=ATTACKER)
    assert is_locked_out_page(sign_in(attacker, customer.username, PASSWORD, REMOTE_ADDR=ATTACKER))

    response = sign_in(victim, customer.username, PASSWORD, REMOTE_ADDR=VICTIM)

    assert response.status_code == 302
    assert is_signed_in(victim)


def test_the_lock_lifts_15_minutes_after_it_started_even_if_tried_meanwhile(client, customer):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        fail(client, customer.username, 5)

        clock.shift(timedelta(minutes=10))
        assert is_locked_out_page(sign_in(client, customer.username, PASSWORD))
        assert is_locked_out_page(sign_in(client, customer.username, "wrong-password"))
        clock.shift(timedelta(minutes=4, seconds=59))
        assert is_locked_out_page(sign_in(client, customer.username, PASSWORD))

        clock.shift(timedelta(seconds=2))
        response = sign_in(client, customer.username, PASSWORD)

    assert response.status_code == 302
    assert is_signed_in(client)


def test_signing_in_resets_the_count_of_failures(client, customer):
    fail(client, customer.username, 4)
    assert sign_in(client, customer.username, PASSWORD).status_code == 302
    assert client.post("/logout/").status_code == 302

    assert fail(client, customer.username, 4) == [200] * 4
    assert sign_in(client, customer.username, PASSWORD).status_code == 302


def test_behind_a_trusted_proxy_the_client_address_counts_not_the_proxys(settings, customer):
    """With AXES_PROXY_COUNT=1 every request comes from the proxy: X-Forwarded-For names the client."""
    settings.AXES_IPWARE_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    attacker, victim = Client(), Client()
    # The attacker varies a forged X-Forwarded-For; the proxy appends the address it really saw.
    attempts = [
        sign_in(
            attacker,
            customer.username,
            "wrong-password",
            **proxy,
            headers={"X-Forwarded-For": f"192.0.2.{forged}, {ATTACKER}"},
        ).status_code
        for forged in range(5)
    ]

    attacker_again = sign_in(
        attacker, customer.username, PASSWORD, **proxy, headers={"X-Forwarded-For": f"192.0.2.99, {ATTACKER}"}
    )
    victim_response = sign_in(victim, customer.username, PASSWORD, **proxy, headers={"X-Forwarded-For": VICTIM})

    assert attempts == [200] * 4 + [429]  # one address, whatever it forged: the fifth failure locks it
    assert is_locked_out_page(attacker_again)
    assert victim_response.status_code == 302


# Sessions.


def test_the_session_key_changes_at_sign_in(customer):
    """Session fixation: a key planted in the browser before sign-in is worthless after it."""
    browser = Client()
    planted = browser.session  # an anonymous session, as an attacker could have obtained
    planted["planted"] = True
    planted.save()
    planted_key = planted.session_key
    assert browser.cookies[django_settings.SESSION_COOKIE_NAME].value == planted_key

    response = sign_in(browser, customer.username, PASSWORD)

    assert response.status_code == 302
    signed_in_key = browser.cookies[django_settings.SESSION_COOKIE_NAME].value
    assert signed_in_key != planted_key
    assert not SessionStore().exists(planted_key)
    attacker = Client()
    attacker.cookies[django_settings.SESSION_COOKIE_NAME] = planted_key
    assert not is_signed_in(attacker)
    assert is_signed_in(browser)


def test_signing_out_ends_the_session_on_the_server(customer):
    browser = Client()
    assert sign_in(browser, customer.username, PASSWORD).status_code == 302
    key = browser.cookies[django_settings.SESSION_COOKIE_NAME].value

    assert browser.post("/logout/").status_code == 302

    replay = Client()
    replay.cookies[django_settings.SESSION_COOKIE_NAME] = key
    assert not is_signed_in(replay)


# Changing the password.


def change_password(client, old=PASSWORD, new=NEW_PASSWORD):
    return client.post("/account/password/", {"old_password": old, "new_password1": new, "new_password2": new})


def test_a_password_change_ends_the_users_other_sessions_and_keeps_this_one(customer):
    laptop, phone = Client(), Client()
    assert sign_in(laptop, customer.username, PASSWORD).status_code == 302
    assert sign_in(phone, customer.username, PASSWORD).status_code == 302
    assert is_signed_in(laptop) and is_signed_in(phone)
    key_before = laptop.cookies[django_settings.SESSION_COOKIE_NAME].value

    response = change_password(laptop)

    assert response.status_code == 302
    assert response["Location"] == "/account/password/done/"
    assert is_signed_in(laptop)
    assert laptop.cookies[django_settings.SESSION_COOKIE_NAME].value != key_before
    assert not is_signed_in(phone)
    bounced = phone.get("/")
    assert bounced.status_code == 302
    assert bounced.headers["Location"].startswith("/login/")
    assert sign_in(Client(), customer.username, PASSWORD).status_code == 200  # the old password is refused
    assert sign_in(Client(), customer.username, NEW_PASSWORD).status_code == 302


def test_a_wrong_current_password_changes_nothing(customer):
    laptop, phone = Client(), Client()
    assert sign_in(laptop, customer.username, PASSWORD).status_code == 302
    assert sign_in(phone, customer.username, PASSWORD).status_code == 302

    response = change_password(laptop, old="not-my-password")

    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.text
    assert is_signed_in(phone)
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


@pytest.mark.parametrize("path", ["/account/password/", "/account/password/done/"])
def test_the_password_pages_need_a_signed_in_user(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_the_header_links_to_the_password_change_page(client, customer):
    client.force_login(customer)

    page = client.get("/")
    form = client.get("/account/password/")

    assert page.status_code == 200
    assert '<a href="/account/password/"' in page.text
    assert form.status_code == 200
    assert "Change your password" in form.text
    assert 'autocomplete="current-password"' in form.text
