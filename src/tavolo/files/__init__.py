"""Files: the blob store, upload checks, downloads, image scales and text extraction.

Only this package touches the blob store (DESIGN.md). Its services take what they need in
their constructors (a ``BlobStore``, limits) and work without a request, from scripts and
tests alike:

- ``blobstore.BlobStore``: content-addressed storage, atomic writes, verify, removal;
- ``checks.inspect_upload``: size limit, allowlisted formats, archive and image checks;
- ``uploads.store_upload`` / ``uploads.Uploads``: inspect, then store (what the content
  services, forms and imports call);
- ``downloads.serve_blob``: a blob streamed as an untrusted download (ranges, ETag);
- ``scales.Scales``: image previews made once and cached;
- ``extract.TextExtractor``: text for the search index, in a child process, cached;
- ``garbage``: which blobs are still referenced, and collecting the others.
"""


def includeme(config):
    """Make the store, the upload limits and the scales available as
    ``registry["tavolo.blobs"]``, ``registry["tavolo.upload_limits"]`` and
    ``registry["tavolo.scales"]`` (views pass them to the services)."""
    from tavolo.files.blobstore import BlobStore
    from tavolo.files.checks import UploadLimits
    from tavolo.files.scales import Scales

    settings = config.get_settings()
    store = BlobStore.from_settings(settings)
    limits = UploadLimits.from_settings(settings)
    config.registry["tavolo.blobs"] = store
    config.registry["tavolo.upload_limits"] = limits
    config.registry["tavolo.scales"] = Scales(store, max_pixels=limits.image_max_pixels)
