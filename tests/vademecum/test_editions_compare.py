"""Comparing two editions (pure: hand-made snapshots)."""

from __future__ import annotations

import copy

from tavolo.vademecum.edition_compare import ADDED, CHANGED, REMOVED, compare_editions
from tavolo.vademecum.editions import canonical_json, content_hash
from tests.vademecum import edition_samples as samples


def test_same_snapshot_shows_no_difference():
    data = samples.consolidated(3)
    assert compare_editions(data, copy.deepcopy(data)) == []


def test_added_removed_and_changed_sections_with_field_diffs():
    old = samples.consolidated(3)
    new = copy.deepcopy(old)
    removed = new["sections"].pop(0)  # organisation 11 left the Vademecum
    new["sections"].append(samples.section(9))  # organisation 19 joined
    changed = new["sections"][0]
    changed["competences"] = "<p>Competenze <strong>dell'ente 2</strong> ampliate.</p>"
    changed["offices"][0]["hours"] = "lun-gio 9-13"
    changed["last_checked"] = "2026-11-20"
    changed["node_id"] = 999  # bookkeeping only: not a change worth showing by itself

    entries = compare_editions(old, new)
    by_title = {entry.title: entry for entry in entries}
    assert [e.status for e in entries] == [CHANGED, ADDED, REMOVED]
    assert by_title[removed["title"]].status == REMOVED
    assert by_title[samples.section(9)["title"]].status == ADDED

    diffs = {change.name: change.html for change in by_title[changed["title"]].changes}
    assert set(diffs) == {"competences", "offices", "last_checked"}
    assert "<ins>ampliate. </ins>" in diffs["competences"] or "<ins>" in diffs["competences"]
    assert "<del>" in diffs["competences"]
    assert "<ins>lun-gio 9-13</ins>" in diffs["offices"]
    assert "<del>lun-ven 9-12</del>" in diffs["offices"]
    assert "2026-11-20" in diffs["last_checked"]


def test_changed_chapter_and_escaped_plain_fields():
    old = samples.consolidated(1)
    new = copy.deepcopy(old)
    new["chapters"][1]["body"] = "<p>Permesso di soggiorno: il documento.</p>"
    new["sections"][0]["services"][0]["name"] = "<script>alert(1)</script>Sportello"
    entries = compare_editions(old, new)
    assert [(e.kind, e.status) for e in entries] == [("chapter", CHANGED), ("section", CHANGED)]
    html = entries[1].changes[0].html
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_contact_person_privacy_change_is_shown():
    old = samples.consolidated(1)
    new = copy.deepcopy(old)
    new["sections"][0]["contact_person"]["public"] = True
    [entry] = compare_editions(old, new)
    assert [c.name for c in entry.changes] == ["contact_person"]


def test_canonical_json_is_sorted_compact_utf8_and_hash_matches():
    text = canonical_json({"b": "città", "a": [1, {"d": None, "c": True}]})
    assert text == '{"a":[1,{"c":true,"d":null}],"b":"città"}'
    assert content_hash(text) == (__import__("hashlib").sha256(text.encode("utf-8")).hexdigest())
