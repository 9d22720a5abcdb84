"""Image scales: sizes, never enlarged, upright, without metadata, made once."""

from __future__ import annotations

import io
import threading

import pytest
from PIL import Image

from tavolo.files.blobstore import BlobNotFound
from tavolo.files.scales import ScaleError, Scales, scaled_size
from tests.files.makers import jpeg_bytes, png_bytes, tiny_pdf


def opened(path):
    image = Image.open(path)
    image.load()
    return image


def test_sizes_of_each_scale(store):
    source = store.put(jpeg_bytes(3000, 2000)).sha256
    scales = Scales(store)
    expected = {"thumbnail": (160, 107), "listing": (480, 320), "large": (1200, 800)}
    for name, size in expected.items():
        scaled = scales.get(source, name)
        assert (scaled.width, scaled.height) == size
        assert scaled.content_type == "image/jpeg"
        with opened(scaled.path) as image:
            assert (image.format, image.size) == ("JPEG", size)
        assert scaled_size(3000, 2000, scales.sizes[name]) == size


def test_png_stays_png_with_its_transparency(store):
    source = store.put(png_bytes(2000, 1000, color=(0, 102, 204, 100))).sha256
    scaled = Scales(store).get(source, "thumbnail")
    assert (scaled.content_type, scaled.width, scaled.height) == ("image/png", 160, 80)
    with opened(scaled.path) as image:
        assert image.format == "PNG"
        assert image.mode == "RGBA"
        assert image.getpixel((10, 10))[3] == 100


def test_palette_png_keeps_transparency(store):
    picture = Image.new("P", (400, 400), 0)
    picture.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    out = io.BytesIO()
    picture.save(out, "PNG", transparency=0)
    scaled = Scales(store).get(store.put(out.getvalue()).sha256, "thumbnail")
    with opened(scaled.path) as image:
        assert image.mode == "RGBA"
        assert image.getpixel((5, 5))[3] == 0


def test_small_pictures_are_never_enlarged(store):
    source = store.put(png_bytes(100, 50)).sha256
    for name in ("thumbnail", "listing", "large"):
        scaled = Scales(store).get(source, name)
        assert (scaled.width, scaled.height) == (100, 50)
    assert scaled_size(100, 50, 160) == (100, 50)


def test_exif_orientation_is_applied_and_metadata_dropped(store):
    # Orientation 6: the camera was turned; stored 300x100, seen 100x300.
    source = store.put(jpeg_bytes(300, 100, orientation=6)).sha256
    scaled = Scales(store).get(source, "thumbnail")
    assert (scaled.width, scaled.height) == (53, 160)
    with opened(scaled.path) as image:
        assert image.size == (53, 160)
        assert not image.getexif()
    # EXIF of another kind (the camera's make) is not carried over either.
    source = store.put(jpeg_bytes(300, 200)).sha256
    with opened(Scales(store).get(source, "thumbnail").path) as image:
        assert not image.getexif()
        assert "exif" not in image.info


def test_made_once_then_served_from_the_cache(store, monkeypatch):
    source = store.put(jpeg_bytes(800, 600)).sha256
    scales = Scales(store)
    first = scales.get(source, "listing")
    before = first.path.stat()

    def no_encoding(*args, **kw):
        raise AssertionError("encoded again")

    monkeypatch.setattr(Scales, "_encode", no_encoding)
    second = Scales(store).get(source, "listing")  # a new instance: the cache is on disk
    assert second == first
    after = second.path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_concurrent_makers_do_not_corrupt_the_scale(store):
    source = store.put(jpeg_bytes(2400, 1600, noise=True)).sha256
    barrier = threading.Barrier(4)
    results, errors = [], []

    def make():
        barrier.wait()
        try:
            results.append(Scales(store).get(source, "large"))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=make) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len({r.path for r in results}) == 1
    with opened(results[0].path) as image:
        assert image.size == (1200, 800)
    files = list(results[0].path.parent.iterdir())
    assert files == [results[0].path]
    assert list(store.tmp_dir.iterdir()) == []


def test_what_cannot_be_scaled(store):
    scales = Scales(store)
    with pytest.raises(ScaleError):
        scales.get(store.put(tiny_pdf("x", [])).sha256, "thumbnail")
    with pytest.raises(BlobNotFound):
        scales.get("0" * 64, "thumbnail")
    with pytest.raises(KeyError):
        scales.get(store.put(png_bytes()).sha256, "enorme")


def test_discard_and_hashes(store):
    source = store.put(png_bytes(300, 300)).sha256
    scales = Scales(store)
    scales.get(source, "thumbnail")
    assert list(scales.hashes()) == [source]
    scales.discard(source)
    assert list(scales.hashes()) == []
    assert scales.cached(source, "thumbnail") is None
