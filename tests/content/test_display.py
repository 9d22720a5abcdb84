"""Sizes and event times in words, in Italian and English (no database needed)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from pyramid.i18n import make_localizer
from pyramid.interfaces import ITranslationDirectories

from tavolo.content.views.display import event_span, human_size
from tests.content.helpers import at


@pytest.mark.parametrize(
    "size,locale,expected",
    [
        (0, "it", ("0", None)),
        (512, "it", ("512", None)),
        (1024, "it", ("1", "kB")),
        (1536, "it", ("1,5", "kB")),
        (1_258_291, "it", ("1,2", "MB")),
        (1_258_291, "en", ("1.2", "MB")),
        (5 * 1024**3, "it", ("5", "GB")),
    ],
)
def test_human_size(size, locale, expected):
    assert human_size(size, locale) == expected


def _event(start, end, whole_day=False):
    return SimpleNamespace(start=start, end=end, whole_day=whole_day)


@pytest.mark.parametrize(
    "event,expected",
    [
        (
            _event(at(2024, 3, 21, 10), at(2024, 3, 21, 12)),
            "giovedì 21 marzo 2024, dalle 10:00 alle 12:00",
        ),
        (_event(at(2024, 3, 21, 10), at(2024, 3, 21, 10)), "giovedì 21 marzo 2024, ore 10:00"),
        (
            _event(at(2024, 7, 1, 23), at(2024, 7, 2, 1)),
            "dal lunedì 1 luglio 2024, ore 23:00 al martedì 2 luglio 2024, ore 01:00",
        ),
        (_event(at(2024, 3, 21), at(2024, 3, 21), whole_day=True), "giovedì 21 marzo 2024"),
        (
            _event(at(2024, 3, 21), at(2024, 3, 23), whole_day=True),
            "dal 21 marzo 2024 al 23 marzo 2024",
        ),
    ],
)
def test_event_span_in_italian(event, expected):
    message = event_span(event, "it")
    text = message.interpolate() if hasattr(message, "interpolate") else message
    assert text == expected


def test_event_span_in_english(wsgi_app):
    localizer = make_localizer("en", wsgi_app.registry.getUtility(ITranslationDirectories))
    message = event_span(_event(at(2024, 3, 21, 10), at(2024, 3, 21, 12)), "en")
    assert localizer.translate(message) == "Thursday 21 March 2024, from 10:00 to 12:00"
