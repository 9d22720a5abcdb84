"""The password rules: length, the shipped list of common passwords, the account's own name."""

from __future__ import annotations

import pytest

from tavolo.accounts.password_rules import MIN_LENGTH, common_passwords, is_common, problems


def messages(password, **kw) -> list[str]:
    return [m.interpolate() for m in problems(password, **kw)]


def test_the_shipped_list_is_loaded():
    words = common_passwords()
    assert len(words) > 400
    assert {"password", "qwerty", "123456", "tavolo", "prefettura", "estate"} <= words


@pytest.mark.parametrize(
    "password",
    [
        "PASSWORD1234",
        "Qwertyuiop!!",
        "prefettura2026",
        "Tavolo123456!",
        "Settembre2025!",
        "forzaspezia1906",
        "000000000000",
        "aaaaaaaaaaaa",
        "abababababab",
    ],
)
def test_common_passwords_are_refused_whatever_the_case_and_trailing_digits(password):
    assert is_common(password)
    assert "troppo comune" in messages(password)[0]


@pytest.mark.parametrize(
    "password", ["cantiere navale al tramonto", "Vela-Gabbiano-Ulivo-7", "r8#Lq2!vT9zP"]
)
def test_long_uncommon_passwords_pass(password):
    assert problems(password, login="comune", email="comune@example.it") == []


def test_too_short():
    assert messages("a" * (MIN_LENGTH - 1)) == ["La password deve avere almeno 12 caratteri."]


@pytest.mark.parametrize(
    "password", ["lucia.bianchi", "Lucia.Bianchi@Comune.example.it", "lucia.bianchi2026!"]
)
def test_not_the_login_or_the_email(password):
    found = messages(password, login="lucia.bianchi", email="lucia.bianchi@comune.example.it")
    assert found == ["La password non può essere il nome utente o l'indirizzo e-mail."]
