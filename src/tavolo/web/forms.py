"""Forms with deform: our templates first, the visitor's language, CSRF, no inline scripts.

- **Templates**: ``templates/deform/`` overrides deform's own (Bootstrap 3 leftovers, and
  every widget template we use that carried an inline ``<script>``: the site's CSP is
  ``script-src 'self'``). Widgets are started by ``static/js/forms.js`` from ``data-``
  attributes instead.
- **Language**: labels and colander/deform messages go through the current request's
  localizer, so they come out in Italian (English when chosen).
- **CSRF**: every form carries ``csrf_token`` (Pyramid checks it on every POST already).
- **Static files**: deform's own under ``/static/deform/`` (TinyMCE among them); jQuery 3
  from the npm registry (``static/vendor/jquery``), never deform's jQuery 2.
"""

from __future__ import annotations

import os
import threading
import time

import colander
import deform
from pyramid.csrf import get_csrf_token
from pyramid.threadlocal import get_current_request

from tavolo.files.checks import UploadLimits
from tavolo.i18n import _

DEFORM_TEMPLATES = os.path.join(os.path.dirname(deform.__file__), "templates")


def translate(term):
    """deform's translator: the current request's localizer, or plain interpolation."""
    request = get_current_request()
    if request is None:
        return term.interpolate() if hasattr(term, "interpolate") else term
    return request.localizer.translate(term)


def make_renderer(templates_dir: str) -> deform.ZPTRendererFactory:
    return deform.ZPTRendererFactory(
        (os.path.join(templates_dir, "deform"), DEFORM_TEMPLATES),
        translator=translate,
        auto_reload=False,
    )


@colander.deferred
def _csrf_default(node, kw):
    return get_csrf_token(kw["request"])


def csrf_node() -> colander.SchemaNode:
    """The hidden token field; its value is checked by Pyramid before any view runs."""
    return colander.SchemaNode(
        colander.String(),
        name="csrf_token",
        widget=deform.widget.HiddenWidget(),
        default=_csrf_default,
        missing="",
    )


def hidden_number(name: str) -> colander.SchemaNode:
    """A hidden whole number the form carries back (a version it was opened on); absent
    or empty is None."""
    return colander.SchemaNode(
        colander.Integer(), name=name, widget=deform.widget.HiddenWidget(), missing=None
    )


MAX_CHANGE_NOTE = 500


def change_note() -> colander.SchemaNode:
    """The optional note an edit form's save keeps with the revision it writes (why the
    change was made; tavolo.versioning)."""
    return colander.SchemaNode(
        colander.String(),
        name="change_note",
        title=_("Nota sulla modifica"),
        description=_("Facoltativa: perché hai fatto questa modifica."),
        widget=deform.widget.TextAreaWidget(rows=2),
        validator=colander.Length(max=MAX_CHANGE_NOTE),
        missing="",
    )


def make_form(request, schema, buttons=(), **kw) -> deform.Form:
    """A form for ``schema`` bound to ``request``, rendered with our templates.

    ``schema`` must already be bound (``schema.bind(request=request, ...)``); the CSRF field
    is added here, first, so that no form forgets it.
    """
    if "csrf_token" not in schema:
        schema.children.insert(0, csrf_node().bind(request=request))
    return deform.Form(
        schema,
        buttons=buttons,
        renderer=request.registry["tavolo.deform_renderer"],
        **kw,
    )


def strip(value):
    """A colander ``preparer``: surrounding blanks are never meant."""
    return value.strip() if isinstance(value, str) else value


def strip_lower(value):
    """A colander ``preparer`` for identifiers compared without regard to case."""
    return value.strip().lower() if isinstance(value, str) else value


def save_button(title=None) -> deform.Button:
    return deform.Button("save", title or _("Salva"), css_class="btn-primary")


def cancel_button() -> deform.Button:
    return deform.Button("cancel", _("Annulla"), css_class="btn-outline-secondary")


class UploadTempStore:
    """Where deform keeps an upload between a failed validation and the next submit.

    deform stores the request's open file; we copy the bytes at once (at most
    ``max_bytes`` + 1, enough to tell that a file is too big) and forget entries after
    ``lifetime`` seconds, since deform never expires anything. Per process: a form
    re-displayed by another process simply asks for the file again.
    """

    def __init__(self, max_bytes: int, lifetime: int = 3600, capacity: int = 50):
        self.max_bytes = max_bytes
        self.lifetime = lifetime
        self.capacity = capacity
        self._entries: dict[str, tuple[float, dict]] = {}
        self._lock = threading.Lock()

    def _expire(self, now: float) -> None:
        for uid in [u for u, (expires, _v) in self._entries.items() if expires < now]:
            del self._entries[uid]
        while len(self._entries) >= self.capacity:
            oldest = min(self._entries, key=lambda u: self._entries[u][0])
            del self._entries[oldest]

    def __setitem__(self, uid, value):
        value = dict(value)
        fp = value.pop("fp", None)
        if fp is not None:
            fp.seek(0)
            value["data"] = fp.read(self.max_bytes + 1)
            value["size"] = len(value["data"])
        with self._lock:
            now = time.monotonic()
            self._expire(now)
            self._entries[uid] = (now + self.lifetime, value)

    def get(self, uid, default=None):
        with self._lock:
            entry = self._entries.get(uid)
            if entry is None or entry[0] < time.monotonic():
                return default
            return entry[1]

    def __getitem__(self, uid):
        value = self.get(uid)
        if value is None:
            raise KeyError(uid)
        return value

    def __contains__(self, uid):
        return self.get(uid) is not None

    def __len__(self):
        return len(self._entries)

    def preview_url(self, uid):
        return None


def includeme(config):
    settings = config.get_settings()
    config.registry["tavolo.deform_renderer"] = make_renderer(settings["tavolo.templates_dir"])
    # One reader of tavolo.upload.max_bytes: the files package's limits.
    max_bytes = UploadLimits.from_settings(settings).max_bytes
    config.registry["tavolo.upload_store"] = UploadTempStore(max_bytes)
    config.add_static_view("static/deform", "deform:static", cache_max_age=3600)
