"""Atom (RFC 4287) documents, built with ElementTree so that everything is escaped."""

from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree as ET

ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM_TYPE = "application/atom+xml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

ET.register_namespace("", ATOM_NS)


def _tag(name: str) -> str:
    return f"{{{ATOM_NS}}}{name}"


def rfc3339(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def tag_uri(host: str, created: dt.datetime, specific: str) -> str:
    """A permanent id (RFC 4151): unlike the URL it survives renames and moves."""
    authority = host.split(":", 1)[0] or "localhost"
    return f"tag:{authority},{created.astimezone(dt.UTC):%Y-%m-%d}:{specific}"


class AtomFeed:
    def __init__(
        self,
        *,
        id: str,
        title: str,
        updated: dt.datetime,
        self_url: str,
        alternate_url: str,
        language: str = "it",
        subtitle: str = "",
        author: str = "",
        generator: str = "Tavolo",
    ):
        self.root = ET.Element(_tag("feed"), {XML_LANG: language})
        self._text("id", id)
        self._text("title", title)
        if subtitle:
            self._text("subtitle", subtitle)
        self._text("updated", rfc3339(updated))
        ET.SubElement(self.root, _tag("link"), rel="self", type=ATOM_TYPE, href=self_url)
        ET.SubElement(
            self.root, _tag("link"), rel="alternate", type="text/html", href=alternate_url
        )
        author_element = ET.SubElement(self.root, _tag("author"))
        ET.SubElement(author_element, _tag("name")).text = author or title
        ET.SubElement(self.root, _tag("generator")).text = generator

    def _text(self, name: str, value: str, parent=None, **attributes):
        element = ET.SubElement(self.root if parent is None else parent, _tag(name), attributes)
        element.text = value
        return element

    def add_entry(
        self,
        *,
        id: str,
        title: str,
        url: str,
        updated: dt.datetime,
        published: dt.datetime | None = None,
        summary: str = "",
        html: str = "",
        categories=(),
        language: str | None = None,
    ) -> None:
        attributes = {XML_LANG: language} if language else {}
        entry = ET.SubElement(self.root, _tag("entry"), attributes)
        self._text("id", id, entry)
        self._text("title", title, entry)
        ET.SubElement(entry, _tag("link"), rel="alternate", type="text/html", href=url)
        self._text("updated", rfc3339(updated), entry)
        if published is not None:
            self._text("published", rfc3339(published), entry)
        if summary:
            self._text("summary", summary, entry)
        if html:
            # Rich text is sanitised on the way in (nh3); Atom carries it escaped.
            self._text("content", html, entry, type="html")
        for term in categories:
            ET.SubElement(entry, _tag("category"), term=term)

    def to_bytes(self) -> bytes:
        return ET.tostring(self.root, encoding="utf-8", xml_declaration=True)
