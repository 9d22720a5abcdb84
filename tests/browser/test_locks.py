"""Edit locks in a real browser: the edit form's script takes the lock (the GET does not),
another user sees who holds it, and leaving the form by a link releases it - with no
console errors (a CSP refusal would be one) and no accessibility violations."""

from __future__ import annotations

import json
import pathlib
import subprocess

from sqlalchemy import select

from tavolo.versioning.models import EditLock
from tests.browser.test_pages import demo_server
from tests.conftest import DEMO_PASSWORD, ROOT

SCRIPT = pathlib.Path(__file__).with_name("lock_check.mjs")
PATH = "/area-riservata/"


def test_the_edit_form_takes_the_lock_and_others_see_it(databases, app_settings):
    with demo_server(databases, app_settings, "locks") as (base_url, engine):
        completed = subprocess.run(
            ["node", str(SCRIPT), base_url, PATH, "prefettura", "admin", DEMO_PASSWORD],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert completed.returncode == 0, completed.stderr[-3000:]
        result = json.loads(completed.stdout)
        with engine.connect() as connection:
            left = connection.execute(select(EditLock)).all()

    holder, other = result["holder"], result["other"]
    assert (holder["status"], holder["lockStatus"]) == (200, 200)
    assert "Stai modificando questo contenuto" in holder["region"]
    # The second user sees the holder's name: on the item page without any script, and
    # in the edit form from the script's 409 answer, with the way to take over.
    assert result["itemPage"]["region"].startswith("In modifica da Laura Bianchi dalle ")
    assert (other["status"], other["lockStatus"]) == (200, 409)
    assert other["region"].startswith("In modifica da Laura Bianchi dalle ")
    assert other["takeoverLink"].endswith(f"{PATH}@@subentra")
    assert other["violations"] == [], json.dumps(other["violations"], indent=1)
    assert holder["consoleErrors"] == [] and other["consoleErrors"] == []
    # Leaving the form by a link released the lock; the second user's form did not take
    # it (it only asked, and was told someone else held it).
    assert result["afterLeaving"]["region"] == ""
    assert left == []
