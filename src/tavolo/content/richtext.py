"""Rich text: the HTML that editors write with TinyMCE, sanitised with nh3 on save.

nh3 binds ammonia (Rust, html5ever): it parses the fragment as a browser would, keeps only
what is allowed below and serialises a fresh tree, so unclosed tags, odd quoting and
comment tricks cannot survive as markup. Everything here is an allowlist; what is not named
is removed. The choices, and why:

- **Tags** are what an article of a public administration needs: paragraphs, headings h2-h6
  (the page title is the only h1, for accessibility), lists, tables with captions and
  header cells, quotations, figures, inline emphasis, abbreviations, code. Anything else
  (h1 included) is unwrapped: the tag goes, its text stays.
- **Dropped with their content**: script, style and the elements whose content is code or
  a fallback rather than prose (iframe, object, svg, math, template, noscript, ...).
- **Attributes** are per tag, and never ``style`` (layout belongs to Bootstrap Italia and
  CSS is a script vector in old browsers), ``class`` (the site's CSS and JavaScript key on
  classes), ``id`` or ``name`` (they clobber DOM globals and collide with the page's own
  ids), ``on*`` handlers or ``data-*``. ``lang`` and ``dir`` are allowed everywhere, because
  screen readers need them for passages in other languages (Arabic, English, French ...).
- **URLs**: links may use http, https, mailto, tel or be relative; images only http, https
  or relative (no ``data:``, which can carry SVG with scripts, and no ``mailto:``). ammonia
  resolves entities, tabs and newlines before it reads the scheme, as the browser does.
- **Links** always get ``rel="noopener noreferrer"`` (any ``rel`` given is replaced) and lose
  ``target``: opening new windows is discouraged by the AgID accessibility guidelines, and
  so the editor should not offer it.
- **Comments** are removed (conditional comments, and comment-based parser confusion).
- Numeric attributes (width, height, colspan, rowspan, start) must be plain integers, and
  ``lang``/``hreflang`` must look like language tags, so that no stored value is noise.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_TAGS",
    "ATTRIBUTE_VALUES",
    "IMAGE_SCHEMES",
    "LINK_SCHEMES",
    "plain_text",
    "sanitise_html",
]

HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
BLOCKS = frozenset({"p", "div", "blockquote", "pre", "hr", "br", "figure", "figcaption"})
LISTS = frozenset({"ul", "ol", "li", "dl", "dt", "dd"})
TABLES = frozenset({"table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td"})
INLINE = frozenset({"a", "img", "strong", "em", "u", "s", "sub", "sup", "abbr", "code", "span"})
ALLOWED_TAGS = HEADINGS | BLOCKS | LISTS | TABLES | INLINE

# Removed together with everything inside them (must not overlap ALLOWED_TAGS).
CLEAN_CONTENT_TAGS = frozenset(
    {
        "script", "style", "template", "noscript", "noembed", "noframes", "iframe",
        "frameset", "object", "applet", "svg", "math", "textarea", "select", "title", "xmp",
    }
)  # fmt: skip

GLOBAL_ATTRIBUTES = frozenset({"lang", "dir"})
ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    "*": GLOBAL_ATTRIBUTES,
    "a": frozenset({"href", "title", "hreflang"}),
    "img": frozenset({"src", "alt", "width", "height"}),
    "abbr": frozenset({"title"}),
    "th": frozenset({"colspan", "rowspan"}),  # and scope, restricted below
    "td": frozenset({"colspan", "rowspan"}),
    "ol": frozenset({"start"}),
}
# Attributes whose value must be one of a fixed set (kept out of ALLOWED_ATTRIBUTES).
ATTRIBUTE_VALUES = {"th": {"scope": {"row", "col", "rowgroup", "colgroup"}}}

LINK_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
IMAGE_SCHEMES = frozenset({"http", "https"})
LINK_REL = "noopener noreferrer"

_INTEGER = re.compile(r"\d{1,4}")
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8}){0,4}")
_DIRECTIONS = frozenset({"ltr", "rtl", "auto"})
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
# C0 controls other than tab, newline and carriage return are illegal in XML (the feeds)
# and never meaningful in an article. They go from the input, before parsing: removing them
# from the output could join "java\x01script:" (a harmless relative URL) into a scheme.
# Form feed is HTML whitespace, so it becomes a space and still separates attributes.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_URL_IGNORED = re.compile(r"[\x00-\x20]")  # what the URL parser strips or ignores


def _filter_attribute(tag: str, name: str, value: str) -> str | None:
    """Check the values of attributes that passed the allowlist (URLs already checked)."""
    if name in {"width", "height", "colspan", "rowspan", "start"}:
        value = value.strip()
        return value if _INTEGER.fullmatch(value) else None
    if name in {"lang", "hreflang"}:
        value = value.strip()
        return value if _LANGUAGE_TAG.fullmatch(value) else None
    if name == "dir":
        value = value.strip().lower()
        return value if value in _DIRECTIONS else None
    if tag == "img" and name == "src":
        # ammonia allows LINK_SCHEMES on every URL attribute; images are narrower.
        scheme = _SCHEME.match(_URL_IGNORED.sub("", value))
        if scheme and scheme.group(1).lower() not in IMAGE_SCHEMES:
            return None
    return value


_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(CLEAN_CONTENT_TAGS),
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    tag_attribute_values=ATTRIBUTE_VALUES,
    attribute_filter=_filter_attribute,
    url_schemes=set(LINK_SCHEMES),
    link_rel=LINK_REL,
    strip_comments=True,
    generic_attribute_prefixes=set(),
)


def sanitise_html(html: str | None) -> str:
    """Return ``html`` reduced to the allowlist above; "" for None or blank input.

    The result is safe to render unescaped and stable: sanitising it again changes nothing.
    """
    if html is None:
        return ""
    html = _CONTROL_CHARACTERS.sub("", html.replace("\f", " "))
    if not html.strip():
        return ""
    return _cleaner.clean(html).strip()


# Elements that separate words: their boundaries become spaces in plain text.
_BREAKING = ALLOWED_TAGS - INLINE | {"img"}


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in _BREAKING:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in _BREAKING:
            self.parts.append(" ")

    def handle_data(self, data):
        self.parts.append(data)


def plain_text(html: str | None) -> str:
    """The words of ``html`` without any markup, entities decoded, whitespace collapsed.

    For descriptions, listings and the search index. The input is sanitised first, so the
    content of scripts and styles never shows up as text. The result is text, not HTML:
    it must be escaped when rendered (Chameleon does so by default).
    """
    collector = _TextCollector()
    collector.feed(sanitise_html(html))
    collector.close()
    return " ".join("".join(collector.parts).split())
