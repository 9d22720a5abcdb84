"""Image previews: ``thumbnail``, ``listing`` and ``large``, made once and cached by hash.

A scale is the picture with its longest side reduced to the scale's size (never enlarged),
turned upright as its EXIF orientation says, and re-encoded without metadata: EXIF (the
GPS position of a phone photo, the camera's serial), XMP and comments stay in the original
only; the ICC colour profile is kept, since it changes how colours look. PNG stays PNG
(transparency kept), JPEG stays JPEG (quality 85).

Scales live in ``<blobs>/scales/v1/ab/<hash>/<name>-<width>x<height>.<ext>``: the source
hash and the scale name identify one, and its size is in the name, so a page can write
``<img width height>`` after one directory listing, without opening the file. ``v1``
changes when the way scales are made changes, so that old ones are simply not found.
A scale is written like a blob (temp file, fsync, link): two requests making the same
scale at once both succeed, and the second finds the first's file and keeps it.
"""

from __future__ import annotations

import io
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps

from tavolo.files.blobstore import BlobStore, check_hash, write_atomically
from tavolo.files.checks import DEFAULT_LIMITS, open_image
from tavolo.files.messages import UploadRefused

SCALES = {"thumbnail": 160, "listing": 480, "large": 1200}
JPEG_QUALITY = 85
VERSION = "v1"
_TYPES = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png")}
_CONTENT_TYPES = {ext: content_type for ext, content_type in _TYPES.values()}
_HASH = re.compile(r"[0-9a-f]{64}")
_FILE = re.compile(r"(?P<name>[a-z]+)-(?P<width>\d+)x(?P<height>\d+)\.(?P<ext>jpg|png)")


class ScaleError(ValueError):
    """The source is not a picture we can scale (not PNG or JPEG, damaged, too big)."""


@dataclass(frozen=True)
class ScaledImage:
    path: Path
    content_type: str
    width: int
    height: int
    source: str
    name: str

    @property
    def etag(self) -> str:
        return f"{self.source}-{self.name}-{VERSION}"


def scaled_size(width: int, height: int, longest: int) -> tuple[int, int]:
    """The size of a scale of a ``width`` x ``height`` picture, as Pillow's ``thumbnail``
    computes it (never larger than the original)."""
    if max(width, height) <= longest:
        return width, height
    if width >= height:
        return longest, max(1, round(height * longest / width))
    return max(1, round(width * longest / height)), longest


class Scales:
    def __init__(
        self,
        store: BlobStore,
        sizes: dict[str, int] | None = None,
        max_pixels: int = DEFAULT_LIMITS.image_max_pixels,
        quality: int = JPEG_QUALITY,
    ):
        self.store = store
        self.sizes = dict(SCALES if sizes is None else sizes)
        self.max_pixels = max_pixels
        self.quality = quality
        self.root = store.root / "scales" / VERSION

    def _dir(self, sha256: str) -> Path:
        check_hash(sha256)
        return self.root / sha256[:2] / sha256

    def cached(self, sha256: str, name: str) -> ScaledImage | None:
        directory = self._dir(sha256)
        try:
            entries = os.listdir(directory)
        except FileNotFoundError:
            return None
        for entry in entries:
            match = _FILE.fullmatch(entry)
            if match and match["name"] == name:
                return ScaledImage(
                    directory / entry,
                    _CONTENT_TYPES[match["ext"]],
                    int(match["width"]),
                    int(match["height"]),
                    sha256,
                    name,
                )
        return None

    def get(self, sha256: str, name: str) -> ScaledImage:
        """The scale ``name`` of the picture ``sha256``, made now if it is not cached.

        ``KeyError`` for an unknown scale name, ``BlobNotFound`` for a missing source,
        ``ScaleError`` for a source that is not a picture we accept.
        """
        longest = self.sizes[name]
        return self.cached(sha256, name) or self._make(sha256, name, longest)

    def _make(self, sha256: str, name: str, longest: int) -> ScaledImage:
        with self.store.open(sha256) as source:
            try:
                data, kind, size = self._encode(source, longest)
            except UploadRefused as exc:
                raise ScaleError(exc.text) from exc
        ext, content_type = _TYPES[kind]
        path = self._dir(sha256) / f"{name}-{size[0]}x{size[1]}.{ext}"
        write_atomically(self.store.tmp_dir, path, data)  # False: a concurrent maker won
        return ScaledImage(path, content_type, size[0], size[1], sha256, name)

    def _encode(self, source, longest: int) -> tuple[bytes, str, tuple[int, int]]:
        with open_image(source, tuple(_TYPES), self.max_pixels) as image:
            kind = image.format
            if kind == "JPEG":
                # Let libjpeg decode at 1/2, 1/4 or 1/8 of the size when that is still
                # at least twice the target: much less memory and time for camera photos.
                # Square, so that it holds whichever way the EXIF orientation turns it.
                image.draft(None, (2 * longest, 2 * longest))
            image.load()
            icc_profile = image.info.get("icc_profile")
            picture = ImageOps.exif_transpose(image)
            picture = _output_mode(picture, kind)
            picture.thumbnail((longest, longest), Image.Resampling.LANCZOS)
            picture.info = {}  # no EXIF, XMP or comment is carried over
            out = io.BytesIO()
            options = {"icc_profile": icc_profile} if icc_profile else {}
            if kind == "JPEG":
                picture.save(out, "JPEG", quality=self.quality, optimize=True, **options)
            else:
                picture.save(out, "PNG", **options)
            return out.getvalue(), kind, picture.size

    # for garbage collection -----------------------------------------------------------
    def hashes(self) -> Iterator[str]:
        """The sources that have scales (whether or not they still exist)."""
        if not self.root.is_dir():
            return
        for shard in sorted(self.root.iterdir()):
            for directory in sorted(shard.iterdir()):
                if _HASH.fullmatch(directory.name):
                    yield directory.name

    def discard(self, sha256: str) -> None:
        shutil.rmtree(self._dir(sha256), ignore_errors=True)


def _output_mode(image: Image.Image, kind: str) -> Image.Image:
    """A mode that resizes smoothly and that the output format stores: palettes become
    RGB(A) (resizing a palette image would be nearest-neighbour), JPEG gets RGB or grey,
    PNG keeps its alpha channel."""
    if kind == "JPEG":
        return image if image.mode in ("RGB", "L") else image.convert("RGB")
    if image.mode in ("RGB", "RGBA", "L", "LA"):
        return image
    has_alpha = "transparency" in image.info or image.mode in ("PA", "RGBa", "La")
    return image.convert("RGBA" if has_alpha else "RGB")
