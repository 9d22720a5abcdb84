"""The forms infrastructure: our deform templates, no inline scripts, static resources,
the CSRF field and the upload temp store."""

from __future__ import annotations

import io

import pytest

from tavolo.web import forms
from tavolo.web.forms import UploadTempStore


@pytest.fixture
def edit_page(testapp, login_as):
    login_as("admin")
    return testapp.get("/privacy/@@edit", status=200)


def test_form_pages_have_no_inline_script(edit_page):
    scripts = edit_page.html.select("script")
    assert scripts and all(s.get("src") for s in scripts)
    assert all(not s.get_text(strip=True) for s in scripts)
    sources = [s["src"] for s in scripts]
    assert any("/static/vendor/jquery/jquery.min.js" in src for src in sources)
    assert any("/static/deform/tinymce/tinymce.min.js" in src for src in sources)
    assert any("/static/js/forms.js" in src for src in sources)
    assert not any("jquery-2" in src for src in sources)
    assert "script-src 'self'" in edit_page.headers["Content-Security-Policy"]


def test_bootstrap_3_leftovers_are_gone(edit_page):
    assert "btn-default" not in edit_page.text
    assert "glyphicon" not in edit_page.text
    assert edit_page.html.select_one("textarea[data-tavolo-richtext]") is not None


def test_every_form_carries_the_csrf_token(edit_page):
    form = edit_page.forms["deform"]
    assert form["csrf_token"].value == edit_page.forms["language-form"]["csrf_token"].value


@pytest.mark.parametrize(
    "path",
    [
        "/static/deform/scripts/deform.js",
        "/static/deform/tinymce/langs/it.js",
        "/static/js/forms.js",
    ],
)
def test_static_resources_are_served(testapp, path):
    testapp.get(path, status=200)


def test_the_temp_store_keeps_bytes_and_forgets(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(forms.time, "monotonic", lambda: now[0])
    store = UploadTempStore(max_bytes=4, lifetime=60, capacity=2)
    store["a"] = {"fp": io.BytesIO(b"0123456789"), "filename": "a.txt", "uid": "a"}
    assert store["a"]["data"] == b"01234"  # one byte over the limit: enough to refuse it
    assert "fp" not in store["a"]
    assert "a" in store and store.preview_url("a") is None
    now[0] += 61
    assert store.get("a") is None and "a" not in store
    for uid in "bcd":
        store[uid] = {"filename": uid, "uid": uid}
    assert len(store) == 2 and "b" not in store
    with pytest.raises(KeyError):
        store["zz"]
