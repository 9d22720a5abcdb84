"""Rich text sanitising: an XSS corpus, and that real TinyMCE documents survive.

No database: these tests only call the sanitiser.
"""

from __future__ import annotations

import pathlib
import re
from html.parser import HTMLParser

import pytest
from bs4 import BeautifulSoup

from tavolo.content.richtext import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    ATTRIBUTE_VALUES,
    IMAGE_SCHEMES,
    LINK_SCHEMES,
    plain_text,
    sanitise_html,
)

CORPUS = pathlib.Path(__file__).with_name("xss_corpus.txt")
PLACEHOLDERS = {
    "%TAB%": "\t",
    "%LF%": "\n",
    "%CR%": "\r",
    "%FF%": "\f",
    "%VT%": "\v",
    "%NUL%": "\0",
}


def load_corpus() -> list[str]:
    payloads = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("# "):
            continue
        for placeholder, character in PLACEHOLDERS.items():
            line = line.replace(placeholder, character)
        payloads.append(line)
    return payloads


PAYLOADS = load_corpus()

FORBIDDEN_ELEMENTS = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "svg",
    "math", "form", "input", "button", "textarea", "select", "base", "meta", "link",
    "template", "noscript", "h1",
}  # fmt: skip
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:")
# What a browser's URL parser ignores: leading/trailing C0 controls and space, and every
# tab and newline wherever it is. Removing all of them is stricter still.
_URL_IGNORED = re.compile(r"[\x00-\x20\x7f]")
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):")


class Elements(HTMLParser):
    """Every element, attribute and comment of a fragment, as a browser would see them.

    ``convert_charrefs`` decodes entities in text and attribute values exactly once, which
    is what the browser does before it reads a URL.
    """

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.other: list[str] = []  # comments, declarations, processing instructions
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_comment(self, data):
        self.other.append(f"<!--{data}-->")

    def handle_decl(self, decl):
        self.other.append(f"<!{decl}>")

    def handle_pi(self, data):
        self.other.append(f"<?{data}>")

    def unknown_decl(self, data):
        self.other.append(f"<![{data}]>")


def url_scheme(value: str) -> str | None:
    normalised = _URL_IGNORED.sub("", value).lower()
    match = _SCHEME.match(normalised)
    return match.group(1) if match else None


def allowed_attributes(tag: str) -> set[str]:
    return (
        set(ALLOWED_ATTRIBUTES["*"])
        | set(ALLOWED_ATTRIBUTES.get(tag, ()))
        | set(ATTRIBUTE_VALUES.get(tag, {}))
        | ({"rel"} if tag == "a" else set())
    )


def assert_harmless(html: str) -> None:
    parsed = Elements(html)
    assert parsed.other == [], html
    for tag, attrs in parsed.elements:
        assert tag not in FORBIDDEN_ELEMENTS, html
        assert tag in ALLOWED_TAGS, html
        for name, value in attrs.items():
            assert not name.startswith("on"), html
            assert name not in {"style", "id", "name", "class", "srcdoc", "formaction"}, html
            assert name in allowed_attributes(tag), html
            if name in {"href", "src"}:
                normalised = _URL_IGNORED.sub("", value or "").lower()
                assert not normalised.startswith(DANGEROUS_SCHEMES), html
                scheme = url_scheme(value or "")
                allowed = IMAGE_SCHEMES if tag == "img" else LINK_SCHEMES
                assert scheme is None or scheme in allowed, html
        if tag == "a":
            assert attrs.get("rel") == "noopener noreferrer", html


def test_the_corpus_is_big_enough():
    assert len(PAYLOADS) >= 120
    assert len(set(PAYLOADS)) == len(PAYLOADS), "duplicate payloads"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_comes_back_harmless(payload):
    cleaned = sanitise_html(payload)
    assert_harmless(cleaned)
    # Stable: what is stored, loaded into the editor and saved again does not change, so
    # the serialised tree parses back into itself (no mutation on a second parse).
    assert sanitise_html(cleaned) == cleaned


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_inside_a_document_comes_back_harmless(payload):
    cleaned = sanitise_html(f"<p>Prima</p><div><p>{payload}</p></div><p>Dopo</p>")
    assert_harmless(cleaned)


# a realistic document ------------------------------------------------------------------

TINYMCE_DOCUMENT = """\
<h2 id="mce_1" style="text-align: center;">Permesso di soggiorno per lavoro</h2>
<p class="lead" data-mce-style="x">La domanda si presenta allo <strong>Sportello Unico
per l'Immigrazione</strong> della <em>Prefettura</em>, secondo il
<abbr title="Testo Unico sull'Immigrazione">TUI</abbr> (d.lgs. 286/1998).</p>
<h3>Documenti necessari</h3>
<ol start="3">
  <li>passaporto in corso di validità;</li>
  <li>contratto di soggiorno <u>firmato</u>;</li>
  <li>ricevuta del versamento di&nbsp;30,46&nbsp;€.</li>
</ol>
<ul><li>H<sub>2</sub>O e m<sup>2</sup></li><li><s>vecchio modulo</s></li></ul>
<table border="1" style="width: 100%;">
  <caption>Orari dello sportello</caption>
  <thead><tr><th scope="col">Giorno</th><th scope="col">Orario</th></tr></thead>
  <tbody>
    <tr><th scope="row">Lunedì</th><td>9:00–12:00</td></tr>
    <tr><th scope="row">Giovedì</th><td colspan="1">14:00–16:00</td></tr>
  </tbody>
</table>
<blockquote><p lang="en">Everyone has the right to freedom of movement.</p></blockquote>
<p dir="rtl" lang="ar">مرحبا</p>
<figure class="image"><img src="/immagini/sportello.jpg" alt="Lo sportello" width="640"
height="480" data-mce-src="/immagini/sportello.jpg"><figcaption>Lo sportello</figcaption>
</figure>
<p>Scrivete a <a href="mailto:immigrazione.pref@interno.it">immigrazione.pref@interno.it</a>,
chiamate il <a href="tel:+390612345678">06 1234 5678</a>, leggete la
<a href="https://www.interno.gov.it/it" title="Ministero dell'Interno" hreflang="it"
target="_blank" rel="opener">pagina del Ministero</a> o la
<a href="../modulistica/">modulistica</a>.</p>
<hr>
<pre><code>codice pratica: P-2024/123</code></pre>
"""


@pytest.fixture(scope="module")
def document():
    return BeautifulSoup(sanitise_html(TINYMCE_DOCUMENT), "html.parser")


def test_document_keeps_its_structure(document):
    assert [h.name for h in document.find_all(re.compile(r"^h\d$"))] == ["h2", "h3"]
    assert document.h2.get_text() == "Permesso di soggiorno per lavoro"
    assert document.ol["start"] == "3"
    assert len(document.ol.find_all("li")) == 3
    assert document.find("sub").get_text() == "2"
    assert document.find("sup").get_text() == "2"
    assert document.find("s").get_text() == "vecchio modulo"
    assert document.find("u").get_text() == "firmato"
    assert " ".join(document.strong.get_text().split()) == "Sportello Unico per l'Immigrazione"
    assert document.em.get_text() == "Prefettura"
    assert document.abbr["title"] == "Testo Unico sull'Immigrazione"
    assert document.blockquote.p["lang"] == "en"
    assert document.find("p", dir="rtl")["lang"] == "ar"
    assert document.pre.code.get_text() == "codice pratica: P-2024/123"
    assert document.hr is not None
    assert "30,46\xa0€" in document.get_text()


def test_document_keeps_its_table(document):
    table = document.table
    assert table.caption.get_text() == "Orari dello sportello"
    assert [(th.get_text(), th["scope"]) for th in table.thead.find_all("th")] == [
        ("Giorno", "col"),
        ("Orario", "col"),
    ]
    assert [th["scope"] for th in table.tbody.find_all("th")] == ["row", "row"]
    assert table.tbody.find_all("td")[1]["colspan"] == "1"
    assert "border" not in table.attrs


def test_document_keeps_its_image(document):
    assert document.figure.img.attrs == {
        "src": "/immagini/sportello.jpg",
        "alt": "Lo sportello",
        "width": "640",
        "height": "480",
    }
    assert document.figure.figcaption.get_text() == "Lo sportello"


def test_document_keeps_its_links(document):
    links = {a.get_text(): a.attrs for a in document.find_all("a")}
    assert links == {
        "immigrazione.pref@interno.it": {
            "href": "mailto:immigrazione.pref@interno.it",
            "rel": ["noopener", "noreferrer"],
        },
        "06 1234 5678": {"href": "tel:+390612345678", "rel": ["noopener", "noreferrer"]},
        "pagina del Ministero": {
            "href": "https://www.interno.gov.it/it",
            "title": "Ministero dell'Interno",
            "hreflang": "it",
            "rel": ["noopener", "noreferrer"],
        },
        "modulistica": {"href": "../modulistica/", "rel": ["noopener", "noreferrer"]},
    }


def test_document_loses_presentation_and_editor_attributes(document):
    for element in document.find_all(True):
        assert not {"style", "class", "id", "border", "target"} & set(element.attrs)
        assert not any(name.startswith("data-") for name in element.attrs)


def test_document_is_harmless_and_stable():
    cleaned = sanitise_html(TINYMCE_DOCUMENT)
    assert_harmless(cleaned)
    assert sanitise_html(cleaned) == cleaned


# single rules -------------------------------------------------------------------------


def test_h1_is_unwrapped_and_keeps_its_text():
    assert sanitise_html("<h1>Titolo</h1><p>Testo</p>") == "Titolo<p>Testo</p>"


def test_links_get_rel_and_lose_target():
    assert sanitise_html('<a href="https://x.example/" target="_blank" rel="opener">x</a>') == (
        '<a href="https://x.example/" rel="noopener noreferrer">x</a>'
    )


@pytest.mark.parametrize(
    "src",
    ["data:image/png;base64,iVBORw0KGgo=", "mailto:a@example.org", "tel:123", "ftp://x/y.png"],
)
def test_images_accept_only_http_https_and_relative_sources(src):
    assert sanitise_html(f'<img src="{src}" alt="a">') == '<img alt="a">'


@pytest.mark.parametrize("src", ["https://x.example/a.png", "http://x.example/a.png", "a.png"])
def test_images_keep_web_sources(src):
    assert sanitise_html(f'<img src="{src}">') == f'<img src="{src}">'


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<img src="a.png" width="50%" height="x">', '<img src="a.png">'),
        ('<th scope="everything">x</th>', "x"),
        ('<table><tr><th scope="banner">x</th></tr></table>', "<th>x</th>"),
        ('<ol start="-1"><li>x</li></ol>', "<ol><li>x</li></ol>"),
        ('<p lang="en&quot;x">x</p>', "<p>x</p>"),
        ('<p dir="RTL">x</p>', '<p dir="rtl">x</p>'),
        ('<p dir="sideways">x</p>', "<p>x</p>"),
        ('<span lang="pt-BR">x</span>', '<span lang="pt-BR">x</span>'),
    ],
)
def test_attribute_values_are_checked(html, expected):
    assert expected in sanitise_html(html)


@pytest.mark.parametrize(("html", "expected"), [(None, ""), ("", ""), ("  \n\t ", "")])
def test_empty_input(html, expected):
    assert sanitise_html(html) == expected
    assert plain_text(html) == expected


def test_text_is_escaped_and_trimmed():
    assert sanitise_html("  1 < 2 & 3 > 2  ") == "1 &lt; 2 &amp; 3 &gt; 2"


def test_control_characters_are_removed():
    assert sanitise_html("<p>a\x01b\x0bc\x7fd\te\ff</p>") == "<p>abcd\te f</p>"


def test_form_feed_still_separates_attributes():
    assert sanitise_html("<img src=x\x0conerror=alert(1)>") == '<img src="x">'


def test_comments_are_removed():
    assert sanitise_html("<p>a<!-- nota interna -->b</p>") == "<p>ab</p>"


# plain text ---------------------------------------------------------------------------


def test_plain_text_separates_blocks_and_decodes_entities():
    html = (
        "<h2>Titolo</h2><p>Uno&nbsp;&amp; <strong>due</strong></p>"
        "<ul><li>tre</li><li>quattro</li></ul><p>cinque<br>sei</p>"
        "<table><tr><td>a</td><td>b</td></tr></table>"
    )
    assert plain_text(html) == "Titolo Uno & due tre quattro cinque sei a b"


def test_plain_text_drops_scripts_styles_and_comments():
    html = "<p>visibile</p><script>alert(1)</script><style>p{}</style><!-- nascosto -->"
    assert plain_text(html) == "visibile"


def test_plain_text_keeps_words_together_inside_inline_elements():
    assert plain_text("<p>im<em>port</em>ante</p>") == "importante"


def test_plain_text_is_text_not_html():
    assert plain_text("<p>&lt;script&gt;</p>") == "<script>"
