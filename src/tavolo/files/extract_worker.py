"""Child process of ``extract.py``: the text of one PDF, DOCX or ODF file on stdout.

Run as ``python -I extract_worker.py FORMAT PATH --max-chars N --max-pages N --seconds S
--memory BYTES --cpu SECONDS``. It imports nothing from Tavolo (starting the application's
package would cost half a second per file), only the standard library, pypdf and
defusedxml, and it lowers its own resource limits before it opens the file: done here
rather than with ``preexec_fn``, which is unsafe in a multi-threaded parent such as
waitress, and equivalent, since nothing untrusted is read before.

Exit status: 0 complete, 3 partial (a limit was reached, or the file broke after some
text was written), 2 failed. Text goes out page by page, flushed, so that a parent which
kills us at its time limit still has what was done.
"""

from __future__ import annotations

import argparse
import logging
import resource
import sys
import time
import warnings
import zipfile

EXIT_OK, EXIT_FAILED, EXIT_PARTIAL = 0, 2, 3


def limit_resources(memory: int, cpu: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))  # MemoryError, not swapping
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))  # even if the parent is gone
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # writes no file (stdout is a pipe)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # and no core dump when it crashes


class Output:
    """Writes text until ``max_chars`` or the deadline; remembers whether it stopped."""

    def __init__(self, max_chars: int, seconds: float):
        self.left = max_chars
        self.deadline = time.monotonic() + seconds
        self.partial = False
        self.written = False

    def write(self, text: str) -> bool:
        """False when no more text is wanted."""
        if len(text) >= self.left:
            text = text[: self.left]
            self.partial = True
        if text:
            sys.stdout.write(text)
            self.written = True
        self.left -= len(text)
        return not self.partial and not self.out_of_time()

    def out_of_time(self) -> bool:
        if time.monotonic() > self.deadline:
            self.partial = True
        return self.partial


def pdf_text(path: str, out: Output, max_pages: int) -> None:
    from pypdf import PdfReader

    reader = PdfReader(path, strict=False)
    if reader.is_encrypted:
        reader.decrypt("")  # "owner password only" files open with an empty password
    for number, page in enumerate(reader.pages):
        if number >= max_pages:
            out.partial = True
            return
        try:
            text = page.extract_text()
        except Exception:  # noqa: BLE001, S112 - one broken page: the others still count
            continue
        text = text.strip()
        if text and not out.write(text + "\n\n"):
            return
        sys.stdout.flush()
        if out.out_of_time():
            return


def _local(tag) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _docx_paragraph(element, parts: list[str]) -> None:
    for child in element:
        name = _local(child.tag)
        if name in ("pPr", "rPr", "instrText", "delText"):  # properties, field codes, deletions
            continue
        if name == "t":
            parts.append(child.text or "")
        elif name == "tab":
            parts.append("\t")
        elif name in ("br", "cr"):
            parts.append("\n")
        else:
            _docx_paragraph(child, parts)


def _odf_paragraph(element, parts: list[str]) -> None:
    if element.text:
        parts.append(element.text)
    for child in element:
        name = _local(child.tag)
        if name == "s":
            count = next((v for k, v in child.attrib.items() if _local(k) == "c"), "1")
            parts.append(" " * min(int(count) if count.isdigit() else 1, 100))
        elif name == "tab":
            parts.append("\t")
        elif name == "line-break":
            parts.append("\n")
        else:
            _odf_paragraph(child, parts)
        if child.tail:
            parts.append(child.tail)


def xml_text(stream, paragraphs: frozenset[str], render, out: Output) -> None:
    """Stream the XML, writing each outermost paragraph as a line. Finished elements are
    detached from their parent, so memory stays at one paragraph whatever the size.
    defusedxml refuses DTDs and entities (billion laughs, external entities)."""
    from defusedxml.ElementTree import iterparse

    stack = []
    depth = 0
    for event, element in iterparse(stream, events=("start", "end"), forbid_dtd=True):
        name = _local(element.tag)
        if event == "start":
            stack.append(element)
            depth += name in paragraphs
            continue
        stack.pop()
        if name in paragraphs:
            depth -= 1
        if depth:
            continue  # inside a paragraph: written with it
        if name in paragraphs:
            parts: list[str] = []
            render(element, parts)
            text = "".join(parts).strip()
            if text and not out.write(text + "\n"):
                return
        if stack:
            stack[-1].remove(element)


def zipped_xml_text(path: str, member: str, paragraphs, render, out: Output) -> None:
    with zipfile.ZipFile(path) as archive, archive.open(member) as stream:
        xml_text(stream, frozenset(paragraphs), render, out)


def extract(kind: str, path: str, out: Output, max_pages: int) -> None:
    if kind == "pdf":
        pdf_text(path, out, max_pages)
    elif kind == "docx":
        zipped_xml_text(path, "word/document.xml", {"p"}, _docx_paragraph, out)
    elif kind in ("odt", "ods", "odp"):
        zipped_xml_text(path, "content.xml", {"p", "h"}, _odf_paragraph, out)
    else:
        raise ValueError(f"no extractor for {kind}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind")
    parser.add_argument("path")
    parser.add_argument("--max-chars", type=int, required=True)
    parser.add_argument("--max-pages", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--memory", type=int, required=True)
    parser.add_argument("--cpu", type=int, required=True)
    args = parser.parse_args(argv)
    limit_resources(args.memory, args.cpu)
    # pypdf reports every oddity of a damaged file; none of it is ours to show.
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    sys.stdout.reconfigure(encoding="utf-8", errors="replace")
    out = Output(args.max_chars, args.seconds)
    try:
        extract(args.kind, args.path, out, args.max_pages)
    except Exception as exc:  # noqa: BLE001 - MemoryError, RecursionError too: a bad file
        sys.stdout.flush()
        print(f"{type(exc).__name__}: {exc}"[:500], file=sys.stderr)
        return EXIT_PARTIAL if out.written else EXIT_FAILED
    sys.stdout.flush()
    return EXIT_PARTIAL if out.partial else EXIT_OK


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
