"""``tavolo-initdb``: the site and the demo network, idempotent, never demo data in
production; and the settings checks that stop a misconfigured start."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import create_engine, func, inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from tavolo import models, settings
from tavolo.accounts.models import Membership, Organisation, OrganisationKind, User
from tavolo.accounts.passwords import verify_password
from tavolo.content.models import Node
from tavolo.scripts import initdb
from tavolo.scripts.demo import DEMO_PASSWORD
from tavolo.security.models import GlobalRole, LocalRole
from tests.conftest import ROOT, TESTING_INI

LONG_SECRET = "x7Q-" * 12  # 48 characters, not a default


@pytest.fixture(autouse=True)
def restore_logging():
    """The script configures logging from the ini file; put the test run's back."""
    names = ("", "tavolo", "sqlalchemy.engine")
    saved = {}
    for name in names:
        logger = logging.getLogger(name)
        saved[name] = (logger.level, list(logger.handlers), logger.propagate)
    yield
    for name, (level, handlers, propagate) in saved.items():
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.handlers[:] = handlers
        logger.propagate = propagate


def write_ini(tmp_path, source: str, url: str | None, **replace) -> str:
    """A copy of ``source`` whose paths point at the project and whose database is ``url``."""
    lines = []
    for line in (ROOT / source).read_text(encoding="utf-8").splitlines():
        key = line.split("=", 1)[0].strip()
        if key == "sqlalchemy.url" and url is not None:
            line = f"sqlalchemy.url = {url}"
        elif key in replace:
            line = f"{key} = {replace[key]}"
        elif key == "tavolo.blobs_dir":
            # The demo's attachments go to this test's directory, never the repository's.
            line = f"{key} = {tmp_path / 'blobs'}"
        lines.append(line.replace("%(here)s", str(ROOT)))
    path = tmp_path / "tavolo.ini"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def run(ini: str, *options: str) -> int:
    return initdb.main(["tavolo-initdb", ini, *options])


def row_counts(url: str) -> dict[str, int]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            present = set(inspect(connection).get_table_names())
            return {
                name: connection.scalar(select(func.count()).select_from(table))
                for name, table in models.metadata.tables.items()
                if name in present
            }
    finally:
        engine.dispose()


def open_session(url: str):
    engine = create_engine(url, poolclass=NullPool)
    return engine, Session(engine)


# the demo network ----------------------------------------------------------------------
def test_first_run_creates_the_site_and_the_demo_network(backend, databases, tmp_path, capsys):
    url = databases.url(backend, "initdb")
    ini = write_ini(tmp_path, "testing.ini", url)

    assert run(ini, "--demo") == 0
    out = capsys.readouterr().out
    assert "created organisation Prefettura della Spezia" in out
    assert "created user comune.firma" in out

    engine, dbsession = open_session(url)
    with dbsession:
        organisations = dbsession.scalars(select(Organisation)).all()
        assert len(organisations) == 16
        assert {o.name for o in organisations if o.lead_partner} == {
            "Istituto Scolastico ISA 1",
            "Coop. Soc. Mondo Aperto",
        }
        kinds = [o.kind for o in organisations]
        assert kinds.count(OrganisationKind.PREFECTURE) == 1

        users = {u.login: u for u in dbsession.scalars(select(User))}
        assert set(users) == {
            "admin",
            "prefettura",
            "comune",
            "comune.firma",
            "mondoaperto",
            "archivio",
        }
        assert all(u.active for u in users.values())
        assert verify_password(users["comune"].password_hash, DEMO_PASSWORD)

        roles = {
            (login, role)
            for login, role in dbsession.execute(
                select(User.login, GlobalRole.role).join(GlobalRole, GlobalRole.user_id == User.id)
            )
        }
        assert roles == {("admin", "Manager"), ("prefettura", "Reviewer"), ("archivio", "Reader")}

        memberships = set(
            dbsession.execute(
                select(User.login, Organisation.name, Membership.signatory)
                .join(Membership, Membership.user_id == User.id)
                .join(Organisation, Organisation.id == Membership.organisation_id)
            ).all()
        )
        assert memberships == {
            ("prefettura", "Prefettura della Spezia", False),
            ("comune", "Comune della Spezia", False),
            ("comune.firma", "Comune della Spezia", True),
            ("mondoaperto", "Coop. Soc. Mondo Aperto", False),
            ("archivio", "Prefettura della Spezia", False),
        }

        paths = set(dbsession.scalars(select(Node.path)))
        assert {"/", "/area-riservata/", "/accessibilita/", "/privacy/"} <= paths
        assert "/area-riservata/archivio/" in paths
        states = dict(dbsession.execute(select(Node.path, Node.state)).all())
        assert states["/"] == "published"
        assert states["/area-riservata/"] == "internal"
        assert states["/area-riservata/archivio/"] == "private"
        editor_grants = dbsession.execute(
            select(Node.path, Organisation.name, LocalRole.role)
            .join(LocalRole, LocalRole.node_id == Node.id)
            .join(Organisation, Organisation.id == LocalRole.organisation_id)
        ).all()
        # The demo Vademecum's sections are each written by their own organisation.
        guide = "/area-riservata/vademecum/guida/"
        assert [g for g in editor_grants if not g[0].startswith(guide)] == [
            ("/area-riservata/", "Prefettura della Spezia", "Editor")
        ]
        sections = [g for g in editor_grants if g[0].startswith(guide)]
        assert len(sections) == 15 and {role for _path, _org, role in sections} == {"Editor"}
    engine.dispose()

    # The second run finds everything in place and changes nothing.
    before = row_counts(url)
    assert before["users"] == 6 and before["organisations"] == 16
    assert run(ini, "--demo") == 0
    out = capsys.readouterr().out
    assert "Nothing to do" in out
    assert "created" not in out
    assert row_counts(url) == before


def test_without_demo_only_the_site_is_created(backend, databases, tmp_path, capsys):
    url = databases.url(backend, "initsite")
    ini = write_ini(tmp_path, "testing.ini", url)
    assert run(ini) == 0
    counts = row_counts(url)
    assert counts["users"] == 0 and counts["organisations"] == 0
    assert counts["nodes"] == 4  # home, reserved area, accessibility, privacy
    capsys.readouterr()
    assert run(ini) == 0
    assert "Nothing to do" in capsys.readouterr().out
    assert row_counts(url) == counts


def production_environment(monkeypatch, url: str) -> None:
    """What production.ini reads from the environment."""
    monkeypatch.setenv("TAVOLO_DATABASE_URL", url)
    monkeypatch.setenv("TAVOLO_SECRET", LONG_SECRET)
    monkeypatch.setenv("TAVOLO_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TAVOLO_SMTP_PORT", "25")
    monkeypatch.setenv("TAVOLO_SMTP_USER", "tavolo")
    monkeypatch.setenv("TAVOLO_SMTP_PASSWORD", "not-used-here")
    monkeypatch.setenv("TAVOLO_MAIL_SENDER", "tavolo@example.org")
    monkeypatch.setenv("TAVOLO_BASE_URL", "https://cti.example.org")


def test_demo_data_is_refused_in_production(backend, databases, tmp_path, capsys, monkeypatch):
    url = databases.url(backend, "initprod")
    # The real production.ini: URL, secret and mail server from the environment.
    ini = write_ini(tmp_path, "production.ini", None)
    production_environment(monkeypatch, url)

    assert run(ini) == 0  # the empty site is fine
    site = row_counts(url)
    assert site["nodes"] == 4 and site["users"] == 0

    capsys.readouterr()
    assert run(ini, "--demo") == 2  # the console script's exit status
    assert "Refused" in capsys.readouterr().err
    assert row_counts(url) == site  # no users, organisations or demo pages


def test_production_refusal_happens_before_touching_the_database(
    backend, databases, tmp_path, monkeypatch
):
    url = databases.url(backend, "initprodempty")
    ini = write_ini(tmp_path, "production.ini", None)
    production_environment(monkeypatch, url)
    assert run(ini, "--demo") == 2
    assert row_counts(url) == {}  # not even migrated


def test_a_missing_environment_variable_stops_the_script(tmp_path, monkeypatch):
    ini = write_ini(tmp_path, "production.ini", None)
    monkeypatch.delenv("TAVOLO_DATABASE_URL", raising=False)
    monkeypatch.setenv("TAVOLO_SECRET", LONG_SECRET)
    with pytest.raises(settings.ConfigurationError, match="TAVOLO_DATABASE_URL"):
        run(ini)


# settings --------------------------------------------------------------------------------
def production(**overrides) -> dict:
    values = {
        "tavolo.environment": "production",
        "sqlalchemy.url": "postgresql+psycopg://tavolo@db/tavolo",
        "tavolo.secret": LONG_SECRET,
        "tavolo.secure_cookies": "true",
    }
    values.update(overrides)
    return values


def test_production_settings_with_a_strong_secret_load():
    loaded = settings.load({"here": "/srv/tavolo"}, production())
    assert loaded["tavolo.secret"] == LONG_SECRET
    assert loaded["here"] == "/srv/tavolo"


@pytest.mark.parametrize(
    "secret",
    ["", "change-me", "changeme", "secret", "development-only-secret", "short-but-random-9f3k"],
)
def test_production_refuses_a_default_or_short_secret(secret):
    with pytest.raises(settings.ConfigurationError, match=r"tavolo\.secret"):
        settings.load(None, production(**{"tavolo.secret": secret}))


def test_production_refuses_a_secret_one_character_too_short():
    secret = "k" * (settings.MIN_SECRET_LENGTH - 1)
    with pytest.raises(settings.ConfigurationError):
        settings.load(None, production(**{"tavolo.secret": secret}))
    settings.load(None, production(**{"tavolo.secret": secret + "k"}))


def test_production_refuses_insecure_cookies():
    with pytest.raises(settings.ConfigurationError, match="secure_cookies"):
        settings.load(None, production(**{"tavolo.secure_cookies": "false"}))


def test_the_testing_configuration_loads():
    from pyramid.paster import get_appsettings

    loaded = settings.load(None, dict(get_appsettings(TESTING_INI)))
    assert not settings.is_production(loaded)


def test_env_values_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("TAVOLO_TEST_URL", "sqlite:///tmp/x.sqlite")
    monkeypatch.setenv("TAVOLO_TEST_SECRET", LONG_SECRET)
    loaded = settings.load(
        None,
        production(
            **{"sqlalchemy.url": "env:TAVOLO_TEST_URL", "tavolo.secret": "env: TAVOLO_TEST_SECRET"}
        ),
    )
    assert loaded["sqlalchemy.url"] == "sqlite:///tmp/x.sqlite"
    assert loaded["tavolo.secret"] == LONG_SECRET


def test_a_missing_env_value_is_refused_with_its_name(monkeypatch):
    monkeypatch.delenv("TAVOLO_TEST_MISSING", raising=False)
    with pytest.raises(settings.ConfigurationError, match="TAVOLO_TEST_MISSING"):
        settings.load(None, production(**{"sqlalchemy.url": "env:TAVOLO_TEST_MISSING"}))


def test_a_short_secret_from_the_environment_is_refused_too(monkeypatch):
    monkeypatch.setenv("TAVOLO_TEST_SECRET", "corto")
    with pytest.raises(settings.ConfigurationError, match=r"tavolo\.secret"):
        settings.load(None, production(**{"tavolo.secret": "env:TAVOLO_TEST_SECRET"}))
