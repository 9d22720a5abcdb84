"""The catalogues: complete, compiled, and overriding deform's Italian gaps."""

from __future__ import annotations

import pathlib
import re

import pytest
from babel.messages.pofile import read_po
from pyramid.i18n import TranslationString, make_localizer
from pyramid.interfaces import ITranslationDirectories

import tavolo

PLACEHOLDER = re.compile(r"\$\{\w+\}")

LOCALE_DIR = pathlib.Path(tavolo.__file__).parent / "locale"


def _catalogue(language: str):
    with open(LOCALE_DIR / language / "LC_MESSAGES" / "tavolo.po", "rb") as f:
        return read_po(f, locale=language, domain="tavolo")


def _template_ids() -> set[str]:
    with open(LOCALE_DIR / "tavolo.pot", "rb") as f:
        return {m.id for m in read_po(f) if m.id}


@pytest.mark.parametrize("language", ["it", "en"])
def test_each_catalogue_holds_every_extracted_message(language):
    catalogue = _catalogue(language)
    assert str(catalogue.locale) == language
    assert catalogue.plural_forms == "nplurals=2; plural=(n != 1);"
    ids = {m.id for m in catalogue if m.id}
    assert ids == _template_ids()
    assert not [m.id for m in catalogue if m.id and m.fuzzy]


def test_every_message_has_an_english_translation_with_its_placeholders():
    for message in _catalogue("en"):
        if not message.id:
            continue
        assert message.string, f"no English for {message.id!r}"
        placeholders = set(PLACEHOLDER.findall(message.id))
        assert placeholders == set(PLACEHOLDER.findall(message.string)), message.id


@pytest.fixture(scope="module")
def translation_dirs(wsgi_app):
    return wsgi_app.registry.getUtility(ITranslationDirectories)


def test_english_localizer_translates_our_domain(translation_dirs):
    localizer = make_localizer("en", translation_dirs)
    assert localizer.translate(TranslationString("Pagina non trovata", domain="tavolo")) == (
        "Page not found"
    )
    assert localizer.translate(
        TranslationString("Errore ${status}", domain="tavolo", mapping={"status": 404})
    ) == ("Error 404")


def test_italian_fills_deforms_gaps(translation_dirs):
    localizer = make_localizer("it", translation_dirs)

    def deform(msgid):
        return localizer.translate(TranslationString(msgid, domain="deform"))

    assert deform("Date") == "Data"
    assert deform("Time") == "Ora"
    assert deform("Incomplete time") == "Ora non completa"
    # deform's own catalogue still answers everything else.
    assert deform("Incomplete date") == "Data non completa"


def test_colander_speaks_italian(translation_dirs):
    localizer = make_localizer("it", translation_dirs)
    assert localizer.translate(TranslationString("Required", domain="colander")) == "Richiesto"
