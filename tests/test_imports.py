"""Modules import on their own, first, in a fresh interpreter: an import cycle that the
application's include order happens to hide breaks scripts and tools that start elsewhere."""

from __future__ import annotations

import subprocess
import sys

import pytest

ENTRY_POINTS = (
    "tavolo.security.roles",
    "tavolo.workflow",
    "tavolo.workflow.definitions",
    "tavolo.workflow.engine",
    "tavolo.content.registry",
    "tavolo.content.services",
    "tavolo.notify",
    "tavolo.scripts.scheduled",
    "tavolo.notify.digest",
    "tavolo.models",
)


@pytest.mark.parametrize("module", ENTRY_POINTS)
def test_module_imports_first(module):
    completed = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
