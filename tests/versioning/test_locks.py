"""Advisory edit locks: taken by the form's POST (never its GET), shown to others with
name and time, refreshed, expired, taken over (with a warning, an audit entry, and the old
holder told), released on save and on cancel; refused to whoever may not edit."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from tavolo.audit.models import AuditEntry
from tavolo.content.services import ContentService
from tavolo.i18n.dates import SITE_TIMEZONE
from tavolo.settings import ConfigurationError, lock_timeout
from tavolo.versioning.locks import EditLockService, LockHeld
from tavolo.versioning.models import EditLock
from tests.conftest import build_app, client_for, committed_demo_app, joined_to, login

RESERVED = "/area-riservata/"
LAURA = "Laura Bianchi"  # prefettura: Editor of the reserved area
ADMIN = "Amministratore del sito"


@pytest.fixture
def item(dbsession):
    """A page every logged-in partner sees (internal) and only editors may edit."""
    service = ContentService(dbsession)
    node = service.create(
        service.by_path(RESERVED),
        "page",
        "bozza-vademecum",
        "Bozza del Vademecum",
        state="internal",
        body="<p>Prima stesura</p>",
    )
    dbsession.flush()
    return node


@pytest.fixture
def clients(wsgi_app, connection):
    """Logged-in browsers, one per user, all joined to the test's transaction."""
    made = {}

    def client(username: str | None):
        if username not in made:
            app = client_for(wsgi_app)
            if username is not None:
                login(app, username)
            made[username] = app
        return made[username]

    return client


def token(app) -> str:
    return app.get("/").forms["language-form"]["csrf_token"].value


def post(app, path: str, view: str, status=200, with_token=True, **params):
    if with_token:
        params["csrf_token"] = token(app)
    return app.post(f"{path}@@{view}", params, status=status)


def lock_of(dbsession, node) -> EditLock | None:
    dbsession.expire_all()
    return dbsession.get(EditLock, node.id)


def audit_entries(dbsession, node) -> list[AuditEntry]:
    return list(
        dbsession.scalars(
            select(AuditEntry).where(
                AuditEntry.event_type == "edit_lock_taken_over", AuditEntry.object_id == node.id
            )
        )
    )


def hhmm(value: dt.datetime) -> str:
    return value.astimezone(SITE_TIMEZONE).strftime("%H:%M")


def notice(page) -> str | None:
    found = page.html.select_one("#tavolo-edit-lock .tavolo-lock-holder")
    return " ".join(found.get_text().split()) if found is not None else None


def move_back(dbsession, node, minutes: float) -> EditLock:
    """Move the lock's times ``minutes`` into the past (as if time had passed)."""
    row = lock_of(dbsession, node)
    delta = dt.timedelta(minutes=minutes)
    row.acquired -= delta
    row.refreshed -= delta
    row.expires -= delta
    dbsession.flush()
    return row


# taking, showing, refreshing ------------------------------------------------------------------
def test_opening_the_form_takes_no_lock_but_prepares_the_script(item, clients, dbsession):
    laura = clients("prefettura")
    page = laura.get(f"{item.path}@@edit", status=200)
    assert lock_of(dbsession, item) is None  # the GET wrote nothing
    region = page.html.select_one("#tavolo-edit-lock")
    assert region["role"] == "status"
    assert region["data-lock-take"].endswith(f"{item.path}@@blocca")
    assert region["data-lock-release"].endswith(f"{item.path}@@sblocca")
    assert int(region["data-lock-refresh"]) == 200  # a third of the 10 minutes
    assert region["data-lock-token"] == page.forms["deform"]["csrf_token"].value
    assert page.html.select_one("script[src$='js/locks.js']") is not None
    # Other pages of the item carry no script and no empty region.
    view = laura.get(item.path)
    assert view.html.select_one("#tavolo-edit-lock") is None
    assert view.html.select_one("script[src$='js/locks.js']") is None


def test_a_lock_taken_by_post_is_shown_to_others(item, clients, dbsession):
    answer = post(clients("prefettura"), item.path, "blocca").json
    row = lock_of(dbsession, item)
    assert row.holder_id is not None and row.expires - row.acquired == dt.timedelta(minutes=10)
    assert answer["state"] == "yours" and answer["holder"] == LAURA
    assert dt.datetime.fromisoformat(answer["since"]) == row.acquired
    assert dt.datetime.fromisoformat(answer["expires"]) == row.expires
    expected = f"In modifica da {LAURA} dalle {hhmm(row.acquired)}."

    # Another editor sees it on the item page and in the edit form, with a takeover link.
    admin = clients("admin")
    for url in (item.path, f"{item.path}@@edit"):
        page = admin.get(url)
        assert notice(page).startswith(expected)
        link = page.html.select_one("#tavolo-edit-lock a.tavolo-lock-takeover")
        assert link["href"].endswith(f"{item.path}@@subentra")
    # A partner who may only read sees who is editing, and no takeover link.
    page = clients("comune").get(item.path)
    assert notice(page) == expected
    assert page.html.select_one("a.tavolo-lock-takeover") is None
    # The holder is not told about themselves.
    assert notice(clients("prefettura").get(item.path)) is None
    # Anonymous visitors see nothing of the reserved area, locks included.
    assert clients(None).get(item.path, status=303)


def test_a_refusal_page_tells_nothing_of_the_lock(clients, dbsession):
    service = ContentService(dbsession)
    private = service.create(service.by_path(RESERVED), "page", "riservata", "Riservata")
    dbsession.flush()
    post(clients("prefettura"), private.path, "blocca")
    page = clients("comune").get(private.path, status=403)
    assert page.html.select_one("#tavolo-edit-lock") is None
    assert LAURA not in page.text


def test_another_editor_is_told_who_holds_the_lock(item, clients, dbsession):
    post(clients("prefettura"), item.path, "blocca")
    before = lock_of(dbsession, item)
    holder, expires = before.holder_id, before.expires
    answer = post(clients("admin"), item.path, "blocca", status=409).json
    assert answer["state"] == "held" and answer["holder"] == LAURA
    assert answer["message"] == f"In modifica da {LAURA} dalle {hhmm(before.acquired)}."
    assert answer["takeover_url"].endswith(f"{item.path}@@subentra")
    after = lock_of(dbsession, item)
    assert (after.holder_id, after.expires) == (holder, expires)


def test_a_refresh_moves_the_expiry_and_keeps_the_start(item, clients, dbsession):
    laura = clients("prefettura")
    post(laura, item.path, "blocca")
    moved = move_back(dbsession, item, 4)
    acquired, expires = moved.acquired, moved.expires
    answer = post(laura, item.path, "blocca").json
    row = lock_of(dbsession, item)
    assert row.expires > expires + dt.timedelta(minutes=3)
    assert row.refreshed > acquired and row.acquired == acquired
    assert dt.datetime.fromisoformat(answer["since"]) == acquired


def test_an_expired_lock_shows_nobody_and_can_be_taken(item, clients, dbsession):
    post(clients("prefettura"), item.path, "blocca")
    move_back(dbsession, item, 11)
    admin = clients("admin")
    assert notice(admin.get(item.path)) is None
    assert notice(clients("comune").get(item.path)) is None
    assert notice(admin.get(f"{item.path}@@edit")) is None
    answer = post(admin, item.path, "blocca").json
    assert answer["state"] == "yours" and answer["holder"] == ADMIN
    row = lock_of(dbsession, item)
    assert row.expires > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=9)
    assert row.taken_over_from_id is None  # an expired lock is free: no takeover
    assert audit_entries(dbsession, item) == []
    # Laura's form, at its next refresh, learns that someone else holds it now.
    assert post(clients("prefettura"), item.path, "blocca", status=409).json["state"] == "held"


# taking over ----------------------------------------------------------------------------------
def test_an_editor_is_warned_then_takes_over_and_it_is_recorded(item, clients, dbsession):
    laura = clients("prefettura")
    post(laura, item.path, "blocca")
    acquired = lock_of(dbsession, item).acquired
    admin = clients("admin")

    warning = admin.get(f"{item.path}@@subentra", status=200)
    text = " ".join(warning.html.select_one("main").get_text().split())
    assert f"In modifica da {LAURA} dalle {hhmm(acquired)}." in text
    assert "conflitto" in text
    assert warning.html.select_one("[role=alert]") is not None
    assert warning.html.select_one("#tavolo-edit-lock") is None  # said once, not twice
    assert lock_of(dbsession, item).holder_id == laura_id(dbsession)  # the GET wrote nothing
    assert audit_entries(dbsession, item) == []

    form = warning.forms["takeover-form"]
    response = form.submit("takeover", status=303)
    assert response.location.endswith(f"{item.path}@@edit")
    row = lock_of(dbsession, item)
    assert row.holder_id != laura_id(dbsession)
    assert row.taken_over_from_id == laura_id(dbsession) and row.taken_over_at is not None
    [entry] = audit_entries(dbsession, item)
    assert entry.actor_login == "admin" and entry.object_path == item.path
    assert entry.data["previous_holder"] == LAURA
    assert entry.data["previous_holder_id"] == laura_id(dbsession)

    # Laura's next refresh is told, with a link to take it back if she must.
    answer = post(laura, item.path, "blocca", status=409).json
    assert answer["state"] == "taken_over" and answer["holder"] == ADMIN
    assert answer["message"].startswith(f"La modifica è passata a {ADMIN} alle ")
    assert lock_of(dbsession, item).taken_over_from_id == laura_id(dbsession)
    # Everyone else now sees the new holder.
    assert notice(clients("comune").get(item.path)).startswith(f"In modifica da {ADMIN} dalle ")


def laura_id(dbsession) -> int:
    from tavolo.accounts.models import User

    return dbsession.scalar(select(User.id).where(User.login == "prefettura"))


def test_there_is_nothing_to_take_over_on_a_free_item(item, clients, dbsession):
    admin = clients("admin")
    response = admin.get(f"{item.path}@@subentra", status=303)
    assert response.location.endswith(f"{item.path}@@edit")
    post(admin, item.path, "blocca")  # one's own lock: nothing to take over either
    admin.get(f"{item.path}@@subentra", status=303)
    assert audit_entries(dbsession, item) == []


# releasing ------------------------------------------------------------------------------------
def test_saving_releases_the_savers_lock(item, clients, dbsession):
    laura = clients("prefettura")
    form = laura.get(f"{item.path}@@edit").forms["deform"]
    post(laura, item.path, "blocca")
    form["title"] = "Bozza del Vademecum, rivista"
    form.submit("save", status=303)
    assert lock_of(dbsession, item) is None
    assert notice(clients("comune").get(item.path)) is None


def test_a_save_without_the_lock_leaves_the_holders_lock(item, clients, dbsession):
    post(clients("prefettura"), item.path, "blocca")
    form = clients("admin").get(f"{item.path}@@edit").forms["deform"]
    form["title"] = "Salvata senza blocco"
    form.submit("save", status=303)  # locks are advisory: the save goes through
    assert lock_of(dbsession, item).holder_id == laura_id(dbsession)


def test_cancelling_releases_the_lock(item, clients, dbsession):
    laura = clients("prefettura")
    form = laura.get(f"{item.path}@@edit").forms["deform"]
    post(laura, item.path, "blocca")
    form.submit("cancel", status=303)
    assert lock_of(dbsession, item) is None


def test_cancelling_leaves_someone_elses_lock(item, clients, dbsession):
    post(clients("prefettura"), item.path, "blocca")
    form = clients("admin").get(f"{item.path}@@edit").forms["deform"]
    form.submit("cancel", status=303)
    assert lock_of(dbsession, item).holder_id == laura_id(dbsession)


def test_the_holder_releases_with_a_post(item, clients, dbsession):
    laura = clients("prefettura")
    post(laura, item.path, "blocca")
    assert post(laura, item.path, "sblocca").json == {"state": "released"}
    assert lock_of(dbsession, item) is None
    assert post(laura, item.path, "sblocca").json == {"state": "free"}


def test_releasing_someone_elses_lock_is_refused(item, clients, dbsession):
    post(clients("prefettura"), item.path, "blocca")
    answer = post(clients("admin"), item.path, "sblocca", status=409).json
    assert answer["state"] == "held" and answer["holder"] == LAURA
    assert lock_of(dbsession, item).holder_id == laura_id(dbsession)


# refused --------------------------------------------------------------------------------------
def test_anonymous_visitors_are_sent_to_login_and_write_nothing(item, clients, dbsession):
    anonymous = clients(None)
    login_token = anonymous.get("/login").forms["login-form"]["csrf_token"].value
    for view in ("blocca", "sblocca", "subentra"):
        response = anonymous.post(f"{item.path}@@{view}", {"csrf_token": login_token}, status=303)
        assert "/login?came_from=" in response.location
    response = anonymous.get(f"{item.path}@@subentra", status=303)
    assert "/login?came_from=" in response.location
    assert lock_of(dbsession, item) is None


def test_a_partner_who_may_only_read_is_refused_everywhere(item, clients, dbsession):
    post(clients("prefettura"), item.path, "blocca")
    before = lock_of(dbsession, item)
    holder, expires = before.holder_id, before.expires
    comune = clients("comune")
    comune.get(item.path, status=200)  # they do see the item
    for view in ("blocca", "sblocca", "subentra"):
        post(comune, item.path, view, status=403)
    comune.get(f"{item.path}@@subentra", status=403)
    after = lock_of(dbsession, item)
    assert (after.holder_id, after.expires) == (holder, expires)
    assert audit_entries(dbsession, item) == []


def test_a_partner_who_may_only_read_takes_no_lock(item, clients, dbsession):
    post(clients("comune"), item.path, "blocca", status=403)
    assert lock_of(dbsession, item) is None


def test_posts_without_a_csrf_token_are_refused(item, clients, dbsession):
    laura = clients("prefettura")
    post(laura, item.path, "blocca", status=400, with_token=False)
    assert lock_of(dbsession, item) is None
    post(laura, item.path, "blocca")
    expires = lock_of(dbsession, item).expires
    post(laura, item.path, "sblocca", status=400, with_token=False)
    admin = clients("admin")
    post(admin, item.path, "subentra", status=400, with_token=False)
    post(admin, item.path, "blocca", status=400, with_token=False)
    row = lock_of(dbsession, item)
    assert (row.holder_id, row.expires) == (laura_id(dbsession), expires)
    assert audit_entries(dbsession, item) == []


@pytest.mark.parametrize("view", ["blocca", "sblocca"])
def test_a_get_takes_or_releases_nothing(item, clients, dbsession, view):
    laura = clients("prefettura")
    laura.get(f"{item.path}@@{view}", status=404)
    assert lock_of(dbsession, item) is None
    post(laura, item.path, "blocca")
    expires = lock_of(dbsession, item).expires
    laura.get(f"{item.path}@@{view}", status=404)
    assert lock_of(dbsession, item).expires == expires


# the service, with its own clock --------------------------------------------------------------
class Clock:
    def __init__(self):
        self.now = dt.datetime(2026, 11, 26, 9, 42, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


def users(dbsession, *logins):
    from tavolo.accounts.models import User

    found = {u.login: u for u in dbsession.scalars(select(User).where(User.login.in_(logins)))}
    return [found[login] for login in logins]


def test_the_service_follows_its_clock(item, dbsession):
    clock = Clock()
    service = EditLockService(dbsession, dt.timedelta(minutes=10), now=clock)
    laura, admin = users(dbsession, "prefettura", "admin")

    first = service.take(item, laura)
    assert (first.acquired, first.expires) == (clock.now, clock.now + dt.timedelta(minutes=10))
    clock.now += dt.timedelta(minutes=9)
    assert service.current(item).holder_name == LAURA
    with pytest.raises(LockHeld):
        service.take(item, admin)
    refreshed = service.refresh(item, laura)
    assert refreshed.acquired == first.acquired
    assert refreshed.expires == clock.now + dt.timedelta(minutes=10)

    clock.now += dt.timedelta(minutes=10)  # exactly at the expiry: free
    assert service.current(item) is None
    assert service.release(item, admin) is False
    assert service.take(item, admin).acquired == clock.now

    previous = service.take_over(item, laura)
    assert previous.holder_name == ADMIN
    with pytest.raises(LockHeld) as held:
        service.refresh(item, admin)
    assert held.value.lock.taken_over_from_id == admin.id
    assert service.release(item, laura) is True
    assert service.current(item) is None
    # The service records nothing in the audit trail: the view's event does (tested there).
    assert audit_entries(dbsession, item) == []


def test_a_deleted_node_takes_its_lock_with_it(item, dbsession):
    [laura] = users(dbsession, "prefettura")
    EditLockService(dbsession).take(item, laura)
    dbsession.delete(item)
    dbsession.flush()
    assert dbsession.scalar(select(func.count()).select_from(EditLock)) == 0


# the setting ----------------------------------------------------------------------------------
@pytest.mark.parametrize("value, minutes", [(None, 10), ("5", 5), (" 30 ", 30)])
def test_the_timeout_setting_is_read_in_minutes(value, minutes):
    settings = {} if value is None else {"tavolo.lock_timeout": value}
    assert lock_timeout(settings) == minutes


@pytest.mark.parametrize("value", ["0", "-3", "dieci", "2.5", ""])
def test_a_bad_timeout_stops_the_start_up(value):
    with pytest.raises(ConfigurationError, match=r"tavolo\.lock_timeout"):
        lock_timeout({"tavolo.lock_timeout": value})


def test_the_timeout_comes_from_the_settings(app_settings, demo_database, engine):
    app = build_app(app_settings, demo_database, **{"tavolo.lock_timeout": "3"})
    try:
        with engine.connect() as connection:
            outer = connection.begin()
            with joined_to(app, connection):
                client = client_for(app)
                login(client, "prefettura")
                page = client.get("/area-riservata/@@edit")
                assert page.html.select_one("#tavolo-edit-lock")["data-lock-refresh"] == "60"
                post(client, "/area-riservata/", "blocca")
                row = connection.execute(select(EditLock)).first()
                assert row.expires - row.acquired == dt.timedelta(minutes=3)
            outer.rollback()
    finally:
        app.registry["tavolo.engine"].dispose()


# simultaneous first takes ---------------------------------------------------------------------
RACERS = ("admin", "prefettura", "admin", "prefettura")  # two people, two sessions each
RACE_PATH = "/area-riservata/bozza-contesa/"


@pytest.fixture(scope="module")
def lock_race(backend, databases, app_settings):
    """A committed database of its own: the takes race in real, separate transactions."""

    def prepare(dbsession):
        service = ContentService(dbsession)
        service.create(service.by_path(RESERVED), "page", "bozza-contesa", "Bozza contesa")

    with committed_demo_app(databases, app_settings, backend, "lockrace", prepare) as (
        app,
        engine,
        _prepared,
    ):
        yield app, engine


def test_simultaneous_first_takes_leave_exactly_one_holder(lock_race):
    import threading

    from sqlalchemy import delete

    app, engine = lock_race
    clients = []
    for username in RACERS:
        client = client_for(app)
        login(client, username)
        clients.append((client, token(client)))
    answers: list = [None] * len(clients)
    barrier = threading.Barrier(len(clients))

    def take(index: int) -> None:
        client, csrf = clients[index]
        barrier.wait(timeout=60)
        response = client.post(f"{RACE_PATH}@@blocca", {"csrf_token": csrf}, expect_errors=True)
        answers[index] = (response.status_int, response.json.get("holder"))

    for round_number in range(20):
        with engine.begin() as connection:
            connection.execute(delete(EditLock))
        threads = [threading.Thread(target=take, args=(i,)) for i in range(len(clients))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        # Never an error page: one person holds the lock (both their sessions share it),
        # the other is told who.
        assert sorted({status for status, _holder in answers}) == [200, 409], answers
        holders = {holder for _status, holder in answers}
        assert len(holders) == 1, f"round {round_number}: {answers}"
        winners = {RACERS[i] for i, (status, _h) in enumerate(answers) if status == 200}
        assert len(winners) == 1, f"round {round_number}: {answers}"
        with engine.connect() as connection:
            assert len(connection.execute(select(EditLock)).all()) == 1
