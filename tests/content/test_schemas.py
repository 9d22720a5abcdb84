"""The content schemas: the URN:NIR grammar, addresses, tags, dates, names from titles."""

from __future__ import annotations

import datetime as dt

import colander
import pytest

from tavolo.content.registry import TYPES
from tavolo.content.schemas import (
    EventSchema,
    LinkSchema,
    PageSchema,
    Tags,
    is_valid_urn_nir,
)
from tavolo.content.services import name_from_title

CIRCULAR_2649 = (
    "urn:nir:ministero.interno;dipartimento.liberta.civili.immigrazione;"
    "direzione.centrale.politiche.immigrazione.asilo:circolare:2012-04-16;2649"
)


def without_database(schema):
    del schema["responsible_organisation_id"]  # its choices come from the database
    return schema.bind(request=None, dbsession=None)


@pytest.mark.parametrize(
    "urn",
    [
        CIRCULAR_2649,
        "urn:nir:stato:legge:1998-07-06;286",
        "urn:nir:stato:decreto.legislativo:1998-07-25;286",
        "urn:nir:presidente.repubblica:decreto:1999-08-31;394",
        "urn:nir:ministero.interno+ministero.lavoro:decreto:2020-01-01",
        "urn:nir:stato:legge:2002-07-30;189",
        "urn:nir:stato:decreto.legge:2020-10-21;130",
        "urn:nir:stato:legge:2024-01-01;13-bis",
    ],
)
def test_valid_urns(urn):
    assert is_valid_urn_nir(urn)


@pytest.mark.parametrize(
    "urn",
    [
        "",
        "urn:nir:",
        "urn:nir:stato:legge",  # no date
        "urn:nir:Stato:legge:1998-07-06;286",  # upper case
        "urn:nir:stato:legge:1998-02-30;286",  # no such day
        "urn:nir:stato:legge:06-07-1998;286",  # not ISO
        "urn:nir:stato::1998-07-06;286",  # no type
        "urn:nir:stato:legge:1998-07-06;286 ",  # trailing space
        "urn:nir:stato;:legge:1998-07-06",  # empty sub-authority
        "urn:nir:ministero..interno:circolare:2012-04-16",  # empty word
        "urn:lex:it:stato:legge:1998-07-06;286",  # another namespace
        "urn:nir:stato:legge:1998-07-06;286@originale",  # a version, not the act
        "urn:nir:città:legge:1998-07-06",  # accents are folded in the grammar
        "javascript:alert(1)",
    ],
)
def test_invalid_urns(urn):
    assert not is_valid_urn_nir(urn)


def test_every_type_declares_its_schema():
    assert all(info.schema is not None for info in TYPES.values())


def test_tags_from_a_string_or_a_sequence():
    node = colander.SchemaNode(Tags())
    assert node.deserialize(" lavoro, minori ,,lavoro, Vademecum ") == [
        "Vademecum",
        "lavoro",
        "minori",
    ]
    assert node.deserialize(["a", " b  c "]) == ["a", "b c"]
    assert node.serialize(["a", "b"]) == "a, b"
    with pytest.raises(colander.Invalid):
        node.deserialize("x" * 101)


@pytest.mark.parametrize(
    ("url", "valid"),
    [
        ("https://www.normattiva.it/", True),
        ("http://example.it/a?b=c", True),
        ("mailto:segreteria@example.it", True),
        ("javascript:alert(1)", False),
        ("JavaScript:alert(1)", False),
        ("data:text/html,<script>", False),
        ("ftp://example.it/", False),
        ("https://", False),
        ("//example.it/", False),
        ("https://exa mple.it/", False),
    ],
)
def test_link_addresses(url, valid):
    schema = without_database(LinkSchema())
    try:
        schema.deserialize({"title": "Collegamento", "url": url})
    except colander.Invalid as error:
        assert not valid, error.asdict()
        assert "url" in error.asdict()
    else:
        assert valid


def test_rich_text_is_sanitised_by_the_schema():
    schema = without_database(PageSchema())
    value = schema.deserialize(
        {"title": "  Una   pagina ", "body": "<p onclick='x'>a</p><script>b</script>"}
    )
    assert value["body"] == "<p>a</p>"
    assert value["title"] == "Una pagina"


def test_event_times_are_rome_time_stored_in_utc():
    schema = without_database(EventSchema())
    value = schema.deserialize(
        {"title": "Riunione", "start": "2026-07-01T10:00:00", "end": "2026-07-01T12:00:00"}
    )
    assert value["start"] == dt.datetime(2026, 7, 1, 8, 0, tzinfo=dt.UTC)  # CEST
    assert schema["start"].serialize(value["start"]).startswith("2026-07-01T10:00:00")
    with pytest.raises(colander.Invalid) as caught:
        schema.deserialize(
            {"title": "Riunione", "start": "2026-07-01T10:00:00", "end": "2026-07-01T10:00:00"}
        )
    assert "end" in caught.value.asdict()
    whole_day = schema.deserialize(
        {
            "title": "Giornata",
            "start": "2026-07-01T00:00:00",
            "end": "2026-07-01T00:00:00",
            "whole_day": "true",
        }
    )
    assert whole_day["whole_day"] is True


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Città", "citta"),
        ("Perché l'accoglienza è importante?", "perche-l-accoglienza-e-importante"),
        ("  Verbale  del 15/02/2023 ", "verbale-del-15-02-2023"),
        ("Ω", "documento"),
        ("a" * 80, "a" * 60),
        ("parola " * 20, "-".join(["parola"] * 8)),
    ],
)
def test_names_from_titles(title, name):
    assert name_from_title(title) == name
