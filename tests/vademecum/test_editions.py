"""Editions (service level): numbering, the frozen snapshot and its hash."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tavolo.vademecum.edition_models import Edition, FrozenEdition
from tavolo.vademecum.editions import (
    EditionConflict,
    EditionService,
    canonical_json,
    content_hash,
)
from tavolo.vademecum.snapshot import consolidated
from tests.vademecum import edition_fixtures as fx


@pytest.fixture
def vademecum(dbsession):
    return fx.build(dbsession)


def test_publish_freezes_the_consolidated_vademecum_with_its_hash(dbsession, vademecum):
    service = EditionService(dbsession)
    actor = fx.user(dbsession, "prefettura")
    edition = service.publish(vademecum, actor, "  Prima edizione  ")
    assert (edition.number, edition.note, edition.public) == (1, "Prima edizione", False)
    assert edition.published_by_name == actor.fullname
    expected = canonical_json(consolidated(dbsession, vademecum))
    assert edition.content == expected
    assert edition.sha256 == content_hash(expected)
    assert edition.content == json.dumps(
        json.loads(edition.content), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    data = service.data(edition)
    assert [s["title"] for s in data["sections"]] == fx.approved_titles(dbsession, vademecum)
    assert len(data["sections"]) == len(fx.APPROVED)
    assert service.verify(edition)


def test_numbers_follow_per_vademecum(dbsession, vademecum):
    service = EditionService(dbsession)
    actor = fx.user(dbsession, "admin")
    numbers = [service.publish(vademecum, actor).number for _ in range(3)]
    assert numbers == [1, 2, 3]
    assert [e.number for e in service.editions(vademecum)] == [3, 2, 1]
    assert service.latest_number(vademecum) == 3


def test_a_publish_based_on_an_old_list_is_refused(dbsession, vademecum):
    service = EditionService(dbsession)
    actor = fx.user(dbsession, "prefettura")
    service.publish(vademecum, actor, expected_latest=0)
    with pytest.raises(EditionConflict) as raised:
        service.publish(vademecum, actor, expected_latest=0)
    assert raised.value.latest == 1
    assert service.latest_number(vademecum) == 1


def test_an_edition_never_changes_when_sections_do(dbsession, vademecum):
    service = EditionService(dbsession)
    edition = service.publish(vademecum, fx.user(dbsession, "prefettura"))
    stored_content, stored_hash = edition.content, edition.sha256

    # Afterwards: a section edited and re-approved, another retired, a chapter rewritten.
    comune = fx.section_of(dbsession, vademecum)
    comune.competences = "<p>Tutt'altro testo.</p>"
    fx.approve(dbsession, comune)
    fx.section_of(dbsession, vademecum, "CGIL").retired_at = comune.approved_at
    dbsession.flush()
    assert consolidated(dbsession, vademecum)["sections"] != service.data(edition)["sections"]

    dbsession.expire_all()
    again = dbsession.scalars(select(Edition).where(Edition.id == edition.id)).one()
    assert (again.content, again.sha256) == (stored_content, stored_hash)
    assert content_hash(again.content) == again.sha256
    second = service.publish(vademecum, fx.user(dbsession, "prefettura"))
    assert second.sha256 != again.sha256


def test_the_model_refuses_changes_to_an_edition(dbsession, vademecum):
    service = EditionService(dbsession)
    edition = service.publish(vademecum, fx.user(dbsession, "prefettura"))
    edition.content = "{}"
    with pytest.raises(FrozenEdition):
        dbsession.flush()
    dbsession.rollback()


def test_public_flag_is_the_one_thing_that_changes(dbsession, vademecum):
    service = EditionService(dbsession)
    actor = fx.user(dbsession, "prefettura")
    edition = service.publish(vademecum, actor)
    assert service.set_public(edition, actor, True)
    assert not service.set_public(edition, actor, True)
    assert service.get_public(edition.id) is edition
    assert service.set_public(edition, actor, False)
    assert service.get_public(edition.id) is None
    assert service.verify(edition)
