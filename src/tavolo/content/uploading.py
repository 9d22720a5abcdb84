"""Several files into a folder at once (``@@carica``), with a result for each file.

Each file is inspected and stored by ``tavolo.files`` like an upload through the add form;
PNG and JPEG pictures become Images (so that they get previews and can illustrate news),
everything else a File. A refused file is skipped with its reason; the others are created
in the same transaction, so one bad file in twenty costs the editor one retry, not twenty.
Names come from the file names (``verbale-citta.pdf``, ``verbale-citta-2.pdf``...).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config

from tavolo import events
from tavolo.content import content_service
from tavolo.content.models import Node
from tavolo.content.registry import addable_types, type_info
from tavolo.content.services import ContentService
from tavolo.files.messages import UploadRefused, megabytes
from tavolo.files.names import display_filename
from tavolo.files.uploads import IMAGE_FORMATS
from tavolo.i18n import _
from tavolo.security.roles import ADD

TEMPLATE = "tavolo:templates/content/editing/upload.pt"


@dataclass
class UploadResult:
    filename: str
    node: Node | None = None
    refusal: UploadRefused | None = None


def title_from_filename(filename: str, extension: str) -> str:
    """``"verbale città.pdf"`` -> ``"verbale città"`` (the name shows the extension)."""
    suffix = f".{extension}"
    if filename.lower().endswith(suffix) and len(filename) > len(suffix):
        return filename[: -len(suffix)].strip() or filename
    return filename


class FolderUpload:
    """Creates a File or an Image in ``folder`` for each accepted upload.

    ``types`` are the type names the caller may add there ("file", "image"): a picture
    becomes an Image only where Images may be added, a File otherwise.
    """

    def __init__(self, service: ContentService, folder: Node, types: frozenset[str]):
        self.service = service
        self.folder = folder
        self.types = types

    def add(self, uploads: list[tuple[str, BinaryIO]], owner_id: int | None):
        results = []
        for filename, stream in uploads:
            shown = display_filename(filename)
            try:
                stored = self.service.files.receive(stream, filename)
            except UploadRefused as refusal:
                results.append(UploadResult(shown, refusal=refusal))
                continue
            image = stored.format in IMAGE_FORMATS and "image" in self.types
            title = title_from_filename(stored.filename, stored.extension)
            node = self.service.create(
                self.folder,
                "image" if image else "file",
                self.service.choose_name(self.folder, title, stored.extension),
                title[:300],
                owner_id=owner_id,
                **stored.columns(image=image),
            )
            results.append(UploadResult(stored.filename, node=node))
        return results


def upload_types(request, context) -> frozenset[str]:
    """What the caller may create here by uploading: "file" and/or "image"."""
    return frozenset(
        info.name
        for info in addable_types(context)
        if info.name in ("file", "image") and request.has_permission(info.add_permission, context)
    )


def may_upload(request, context) -> bool:
    return (
        isinstance(context, Node)
        and type_info(context.type).folderish
        and request.has_permission(ADD, context)
        and "file" in upload_types(request, context)
    )


@view_config(context=Node, name="carica", permission=ADD, renderer=TEMPLATE)
def upload_view(context, request):
    if not may_upload(request, context):
        raise HTTPNotFound()
    limits = request.registry["tavolo.upload_limits"]
    values = {"results": None, "error": None, "max_size": megabytes(limits.max_bytes)}
    if request.method != "POST":
        return values
    uploads = [
        (field.filename, field.file)
        for field in request.POST.getall("files")
        if getattr(field, "filename", None) and getattr(field, "file", None)
    ]
    if not uploads:
        values["error"] = _("Scegli almeno un file da caricare.")
        request.response.status_int = 400
        return values
    results = FolderUpload(content_service(request), context, upload_types(request, context)).add(
        uploads, request.identity.id
    )
    for result in results:
        if result.node is not None:
            request.registry.notify(events.ObjectAdded(result.node, request))
    values["results"] = results
    return values
