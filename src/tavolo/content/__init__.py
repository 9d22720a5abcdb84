"""The content tree: nodes, types, traversal and the default views."""

from tavolo.content.services import ALWAYS_RESERVED, ContentService
from tavolo.content.tree import NodeTraverser, TreeEntry, root_factory


def view_names(registry) -> frozenset[str]:
    """Every named view: content may not take these names (they would hide the view)."""
    names = set()
    for introspectable in registry.introspector.get_category("views"):
        name = introspectable["introspectable"]["name"]
        if name:
            names.add(name)
    return frozenset(names)


def reserved_names(registry) -> frozenset[str]:
    return registry.get("tavolo.reserved_names", ALWAYS_RESERVED)


def content_service(request) -> ContentService:
    """The content service of a request, able to receive uploads into the blob store
    (``registry["tavolo.blobs"]``, through ``tavolo.files.uploads.Uploads``)."""
    from tavolo.files.uploads import Uploads

    return ContentService(
        request.dbsession,
        reserved_names(request.registry),
        files=Uploads.from_registry(request.registry),
    )


def includeme(config):
    config.set_root_factory(root_factory)
    config.add_traverser(NodeTraverser, TreeEntry)
    config.scan("tavolo.content.views")
    config.scan("tavolo.content.editing")
    config.scan("tavolo.content.navigation")
    config.scan("tavolo.content.contents")
    config.scan("tavolo.content.contents_actions")
    config.scan("tavolo.content.organising")
    config.scan("tavolo.content.uploading")

    def record_reserved_names():
        config.registry["tavolo.reserved_names"] = ALWAYS_RESERVED | view_names(config.registry)

    # After every other action, so that all packages' views are registered.
    config.action(None, record_reserved_names, order=10**6)
