"""Throttling failed logins per (login name, client address) pair."""

from __future__ import annotations

import datetime as dt

import pytest
from argon2 import PasswordHasher
from sqlalchemy import update

from tavolo.accounts import passwords
from tavolo.accounts.models import LoginFailure, User
from tavolo.scripts.demo import DEMO_PASSWORD

from ..conftest import CLIENT_ADDRESS

LIMIT = 10
WINDOW = dt.timedelta(minutes=5)
OTHER_ADDRESS = "198.51.100.7"  # TEST-NET-2


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch, dbsession):
    """These tests make hundreds of attempts and count them; they are not about the cost
    of a hash. Swap in a cheap argon2id so that the suite stays quick on small machines."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", cheap)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", cheap.hash("tavolo: no such account"))
    dbsession.execute(update(User).values(password_hash=cheap.hash(DEMO_PASSWORD)))
    dbsession.flush()


def attempt(app, login, password, status="*", **request_args):
    form = app.get("/login", **request_args).forms["login-form"]
    form["login"] = login
    form["password"] = password
    return form.submit(status=status, **request_args)


def fail(app, login, times, **request_args):
    """``times`` failed attempts, each retried from the failure page as a person would."""
    page = app.get("/login", **request_args)
    for _ in range(times):
        form = page.forms["login-form"]
        form["login"] = login
        form["password"] = "not-the-password"
        page = form.submit(status=401, **request_args)


def retry_after(response) -> int:
    value = response.headers["Retry-After"]
    assert value.isdigit(), value
    return int(value)


def age_failures(dbsession, by: dt.timedelta) -> None:
    """Pretend the failures recorded so far happened ``by`` ago."""
    dbsession.execute(update(LoginFailure).values(at=dt.datetime.now(dt.UTC) - by))
    dbsession.flush()


def test_eleventh_attempt_is_refused_even_with_the_right_password(testapp):
    fail(testapp, "comune", LIMIT)

    response = attempt(testapp, "comune", DEMO_PASSWORD, status=429)

    assert 0 < retry_after(response) <= WINDOW.total_seconds()
    assert "Troppi tentativi" in response.text
    assert "tavolo_session" not in testapp.cookies
    testapp.get("/area-riservata/", status=303)


def test_nine_failures_do_not_throttle(testapp):
    fail(testapp, "comune", LIMIT - 1)
    attempt(testapp, "comune", DEMO_PASSWORD, status=303)
    testapp.get("/area-riservata/", status=200)


def test_throttled_pair_stays_throttled_while_it_keeps_trying(testapp):
    fail(testapp, "comune", LIMIT)
    first = attempt(testapp, "comune", "not-the-password", status=429)
    second = attempt(testapp, "comune", DEMO_PASSWORD, status=429)
    assert retry_after(second) <= retry_after(first)


def test_unknown_accounts_are_throttled_like_known_ones(testapp):
    # Otherwise the 429 would tell which login names exist.
    fail(testapp, "nessuno.qui", LIMIT)
    response = attempt(testapp, "nessuno.qui", "anything", status=429)
    assert retry_after(response) > 0


def test_failures_count_for_the_login_name_however_it_is_written(testapp):
    for spelling in ["comune", "COMUNE", " Comune", "comune "] * 2 + ["Comune", "cOmUnE"]:
        attempt(testapp, spelling, "not-the-password", status=401)
    attempt(testapp, "comune", DEMO_PASSWORD, status=429)


def test_throttling_one_account_leaves_others_alone(testapp):
    fail(testapp, "comune", LIMIT)
    attempt(testapp, "mondoaperto", DEMO_PASSWORD, status=303)


def test_the_owner_can_still_log_in_from_another_address(testapp):
    fail(testapp, "comune", LIMIT)
    attempt(testapp, "comune", DEMO_PASSWORD, status=429)

    elsewhere = {"REMOTE_ADDR": OTHER_ADDRESS}
    response = attempt(testapp, "comune", DEMO_PASSWORD, status=303, extra_environ=elsewhere)

    assert response.location == "http://localhost/"
    page = testapp.get("/area-riservata/", status=200, extra_environ=elsewhere)
    assert "Marco Rossi" in page.text
    # ... and that success did not clear the throttled address's failures.
    attempt(testapp, "comune", DEMO_PASSWORD, status=429)


def test_forged_x_forwarded_for_headers_do_not_spread_failures(testapp):
    for i in range(LIMIT):
        forged = {"X-Forwarded-For": f"203.0.113.{i + 1}"}
        form = testapp.get("/login", headers=forged).forms["login-form"]
        form["login"] = "comune"
        form["password"] = "not-the-password"
        form.submit(status=401, headers=forged)

    attempt(testapp, "comune", DEMO_PASSWORD, status=429)


def test_a_forged_x_forwarded_for_header_does_not_escape_the_throttle(testapp):
    fail(testapp, "comune", LIMIT)

    for forged in (OTHER_ADDRESS, f"{OTHER_ADDRESS}, {CLIENT_ADDRESS}", "127.0.0.1"):
        headers = {"X-Forwarded-For": forged, "X-Real-IP": forged}
        form = testapp.get("/login", headers=headers).forms["login-form"]
        form["login"] = "comune"
        form["password"] = DEMO_PASSWORD
        form.submit(status=429, headers=headers)


def test_a_successful_login_clears_the_pairs_failures(testapp):
    fail(testapp, "comune", LIMIT - 1)
    attempt(testapp, "comune", DEMO_PASSWORD, status=303)

    # Without the clearing these would make 18 failures, well over the limit.
    fail(testapp, "comune", LIMIT - 1)
    attempt(testapp, "comune", DEMO_PASSWORD, status=303)


def test_failures_older_than_five_minutes_no_longer_count(testapp, dbsession):
    fail(testapp, "comune", LIMIT)
    attempt(testapp, "comune", DEMO_PASSWORD, status=429)

    age_failures(dbsession, WINDOW + dt.timedelta(seconds=5))

    attempt(testapp, "comune", DEMO_PASSWORD, status=303)
    testapp.get("/area-riservata/", status=200)


def test_retry_after_says_when_the_oldest_failure_leaves_the_window(testapp, dbsession):
    fail(testapp, "comune", LIMIT)
    age_failures(dbsession, dt.timedelta(minutes=4))

    response = attempt(testapp, "comune", DEMO_PASSWORD, status=429)

    assert 50 <= retry_after(response) <= 60


def test_only_failures_inside_the_window_add_up(testapp, dbsession):
    fail(testapp, "comune", LIMIT - 1)
    age_failures(dbsession, WINDOW + dt.timedelta(seconds=5))
    # Nine old failures and nine new ones: neither batch alone reaches the limit.
    fail(testapp, "comune", LIMIT - 1)
    attempt(testapp, "comune", DEMO_PASSWORD, status=303)
