"""Files: the blob store, upload checks, image scales and text extraction.

Only this package touches the blob store (DESIGN.md). Its services take what they need in
their constructors (a ``BlobStore``, limits) and work without a request, from scripts and
tests alike:

- ``blobstore.BlobStore``: content-addressed storage, atomic writes, verify, removal;
- ``checks.inspect_upload``: size limit, allowlisted formats, archive and image checks;
- ``uploads.store_upload``: inspect, then store (what a form or an import calls);
- ``scales.Scales``: image previews made once and cached;
- ``extract.TextExtractor``: text for the search index, in a child process, cached;
- ``garbage``: which blobs are still referenced, and collecting the others.
"""


def includeme(config):
    """Make the store and the upload limits available as ``registry["tavolo.blobs"]`` and
    ``registry["tavolo.upload_limits"]`` (views then pass them to the services)."""
    from tavolo.files.blobstore import BlobStore
    from tavolo.files.checks import UploadLimits

    settings = config.get_settings()
    config.registry["tavolo.blobs"] = BlobStore.from_settings(settings)
    config.registry["tavolo.upload_limits"] = UploadLimits.from_settings(settings)
