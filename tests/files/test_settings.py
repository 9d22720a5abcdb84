"""The upload limit and the web server's body limit are set in two places: they must agree,
or waitress either buffers huge bodies the application then refuses, or refuses uploads
the application would accept."""

from __future__ import annotations

import configparser
import pathlib

import pytest

from tavolo.files.checks import UploadLimits

ROOT = pathlib.Path(__file__).resolve().parents[2]
MiB = 1024 * 1024


@pytest.mark.parametrize("ini", ["development.ini", "production.ini"])
def test_waitress_refuses_bodies_just_above_the_upload_limit(ini):
    parser = configparser.ConfigParser(interpolation=None)
    assert parser.read(ROOT / ini), ini
    body_limit = int(parser["server:main"]["max_request_body_size"])
    upload_limit = UploadLimits.from_settings(dict(parser["app:main"])).max_bytes
    # Room for the form's other fields and the multipart framing, and not much more.
    assert upload_limit < body_limit <= upload_limit + 4 * MiB
