"""The user's own profile (@@profilo): what it shows, the language and notification choices,
the language following the user at login, and the tabs it shares with the password and feed
token pages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tavolo.accounts.feed_tokens import FeedTokenService
from tavolo.accounts.models import Group, GroupMember, NotificationMode, Organisation
from tavolo.accounts.profile import ProfileRefused, ProfileService
from tavolo.db import utcnow
from tavolo.i18n.negotiation import LANGUAGE_COOKIE
from tavolo.scripts.demo import COMUNE, MONDO_APERTO
from tests.accounts.test_password_links import audit, user_named
from tests.i18n.test_language import ENGLISH_SKIP_LINK, ITALIAN_SKIP_LINK, page_language

PROFILE = "/@@profilo"
SAVED = "http://localhost/@@profilo?notice=salvato"


def organisation_named(dbsession, name) -> Organisation:
    return dbsession.scalars(select(Organisation).where(Organisation.name == name)).one()


def profile_form(app):
    return app.get(PROFILE, status=200).forms["profile-form"]


def save(app, status=303, **fields):
    form = profile_form(app)
    for name, value in fields.items():
        form[name] = value
    return form.submit("save", status=status)


def modified_entries(dbsession, user) -> list:
    return [e for e in audit(dbsession, "account_modified") if e.object_id == user.id]


def language_cookie_header(response) -> str | None:
    for name, value in response.headerlist:
        if name == "Set-Cookie" and value.startswith(f"{LANGUAGE_COOKIE}="):
            return value
    return None


def text_of(page, element_id) -> str:
    return page.html.find(id=element_id).get_text(" ", strip=True)


# what the page shows ------------------------------------------------------------------------
def test_visitors_are_sent_to_login_and_back(testapp):
    response = testapp.get(PROFILE, status=303)
    assert "/login?came_from=%2F%40%40profilo" in response.location


def test_the_page_lives_on_the_root_only(testapp, login_as):
    login_as("comune")
    testapp.get("/area-riservata/@@profilo", status=404)


def test_the_profile_shows_the_users_own_data(testapp, login_as):
    login_as("comune")
    page = testapp.get(PROFILE, status=200)
    assert text_of(page, "profile-fullname") == "Marco Rossi"
    assert text_of(page, "profile-login") == "comune"
    assert text_of(page, "profile-email") == "comune@example.it"
    assert "chiedi agli amministratori del sito" in page.text
    organisations = text_of(page, "profile-organisations")
    assert COMUNE in organisations and "Servizi sociali - operatore" in organisations
    assert "firmatario" not in organisations
    assert page.html.find(id="profile-no-groups") is not None
    # The name and e-mail are not fields of the form.
    form = page.forms["profile-form"]
    assert "fullname" not in form.fields and "email" not in form.fields
    assert form["language"].value == ""
    assert form["notifications"].value == NotificationMode.IMMEDIATE.value


def test_a_signatory_sees_the_flag(testapp, login_as):
    login_as("comune.firma")
    page = testapp.get(PROFILE, status=200)
    organisations = text_of(page, "profile-organisations")
    assert COMUNE in organisations and "Dirigente delegata" in organisations
    assert "firmatario" in organisations
    assert "Come firmatario puoi approvare" in page.text


def test_an_id_parameter_never_shows_someone_else(testapp, login_as, dbsession):
    other = user_named(dbsession, "mondoaperto")
    login_as("comune")
    page = testapp.get(f"{PROFILE}?id={other.id}", status=200)
    assert text_of(page, "profile-login") == "comune"
    assert "Samira Haddad" not in page.text and MONDO_APERTO not in page.text


def test_a_retired_organisation_is_marked(testapp, login_as, dbsession):
    organisation_named(dbsession, COMUNE).retired = utcnow()
    dbsession.flush()
    login_as("comune")
    organisations = text_of(testapp.get(PROFILE, status=200), "profile-organisations")
    assert COMUNE in organisations and "non fa più parte della rete" in organisations


def _group(dbsession, name, title, **member) -> Group:
    group = Group(name=name, title=title)
    dbsession.add(group)
    dbsession.flush()
    dbsession.add(GroupMember(group_id=group.id, **member))
    dbsession.flush()
    return group


def test_groups_say_whether_in_person_or_through_an_organisation(testapp, login_as, dbsession):
    user = user_named(dbsession, "comune")
    comune = organisation_named(dbsession, COMUNE)
    in_person = _group(dbsession, "redazione", "Redazione del Vademecum", user_id=user.id)
    through = _group(dbsession, "enti", "Enti locali", organisation_id=comune.id)
    dbsession.add(GroupMember(group_id=through.id, user_id=user.id))
    other = _group(
        dbsession,
        "terzo",
        "Terzo settore",
        organisation_id=organisation_named(dbsession, MONDO_APERTO).id,
    )
    dbsession.flush()
    login_as("comune")
    page = testapp.get(PROFILE, status=200)
    items = {
        int(li["data-group"]): li.get_text(" ", strip=True)
        for li in page.html.find(id="profile-groups").find_all("li")
    }
    assert set(items) == {in_person.id, through.id}
    assert "di persona" in items[in_person.id] and "tramite" not in items[in_person.id]
    assert "di persona" in items[through.id] and f"tramite {COMUNE}" in items[through.id]
    assert other.title not in page.text


def test_a_retired_organisation_brings_no_group(dbsession):
    user = user_named(dbsession, "comune")
    comune = organisation_named(dbsession, COMUNE)
    _group(dbsession, "enti", "Enti locali", organisation_id=comune.id)
    service = ProfileService(dbsession)
    assert [g.group.name for g in service.groups(user)] == ["enti"]
    comune.retired = utcnow()
    dbsession.flush()
    assert service.groups(user) == []


def test_the_profile_counts_active_feed_tokens_and_links_to_them(testapp, login_as, dbsession):
    user = user_named(dbsession, "comune")
    service = FeedTokenService(dbsession)
    service.create(user, "uno")
    _token, revoked = service.create(user, "due")
    service.revoke(user, revoked.id)
    dbsession.flush()
    login_as("comune")
    page = testapp.get(PROFILE, status=200)
    summary = page.html.find(id="profile-feed-tokens")
    assert "Chiavi personali attive: 1." in summary.get_text(" ", strip=True)
    assert summary.find("a")["href"] == "http://localhost/@@feed-tokens"


# saving -------------------------------------------------------------------------------------
def test_choosing_english_switches_the_page_and_is_audited(testapp, login_as, dbsession):
    login_as("comune")
    response = save(testapp, language="en")
    assert response.location == SAVED
    cookie = language_cookie_header(response)
    assert cookie.startswith(f"{LANGUAGE_COOKIE}=en;") and "Max-Age=31536000" in cookie
    page = response.follow(status=200)
    assert page_language(page) == "en"
    assert ENGLISH_SKIP_LINK in page.text
    assert page.html.find(id="profile-notice") is not None
    user = user_named(dbsession, "comune")
    assert user.language == "en"
    (entry,) = modified_entries(dbsession, user)
    assert entry.data == {"language": [None, "en"]}
    assert entry.actor_id == user.id

    # And back to the site's default: the cookie goes, the page is Italian again.
    response = save(testapp, language="")
    cookie = language_cookie_header(response)
    assert cookie.startswith(f"{LANGUAGE_COOKIE}=;") and "Max-Age=0" in cookie
    page = response.follow(status=200)
    assert page_language(page) == "it"
    assert ITALIAN_SKIP_LINK in page.text
    assert user_named(dbsession, "comune").language is None
    entries = modified_entries(dbsession, user)
    assert [e.data for e in entries] == [{"language": [None, "en"]}, {"language": ["en", None]}]


def test_saving_without_changes_writes_nothing(testapp, login_as, dbsession):
    login_as("comune")
    response = save(testapp)
    assert response.location == SAVED
    assert language_cookie_header(response) is None
    assert modified_entries(dbsession, user_named(dbsession, "comune")) == []


def test_saving_notifications_keeps_the_language_of_the_header(testapp, login_as, dbsession):
    login_as("comune")
    testapp.set_cookie(LANGUAGE_COOKIE, "en")
    response = save(testapp, notifications="none")
    # "As the site" was not changed: the English chosen in the header stays.
    assert language_cookie_header(response) is None
    assert page_language(response.follow()) == "en"


@pytest.mark.parametrize("mode", [NotificationMode.DIGEST, NotificationMode.NONE])
def test_the_notification_choice_is_saved(testapp, login_as, dbsession, mode):
    login_as("comune")
    save(testapp, notifications=mode.value)
    user = user_named(dbsession, "comune")
    assert user.notifications == mode
    (entry,) = modified_entries(dbsession, user)
    assert entry.data == {"notifications": ["immediate", mode.value]}
    assert profile_form(testapp)["notifications"].value == mode.value


@pytest.mark.parametrize(
    "field, value", [("notifications", "weekly"), ("notifications", ""), ("language", "fr")]
)
def test_an_invalid_choice_is_refused_and_changes_nothing(
    testapp, login_as, dbsession, field, value
):
    login_as("comune")
    form = profile_form(testapp)
    fields = dict(form.submit_fields())
    fields[field] = value
    if field == "notifications":
        fields["language"] = "en"  # a valid change beside it is not saved either
    page = testapp.post(PROFILE, fields, status=400)
    assert page.forms["profile-form"] is not None
    assert page.html.select_one("#profile-form .invalid-feedback") is not None
    assert language_cookie_header(page) is None
    user = user_named(dbsession, "comune")
    assert user.language is None and user.notifications == NotificationMode.IMMEDIATE
    assert modified_entries(dbsession, user) == []


def test_saving_needs_the_csrf_token(testapp, login_as, dbsession):
    login_as("comune")
    testapp.post(PROFILE, {"language": "en", "notifications": "none"}, status=400)
    user = user_named(dbsession, "comune")
    assert user.language is None and user.notifications == NotificationMode.IMMEDIATE


def test_the_service_refuses_unknown_values(dbsession):
    user = user_named(dbsession, "comune")
    service = ProfileService(dbsession)
    with pytest.raises(ProfileRefused):
        service.update(user, language="fr", notifications="immediate")
    with pytest.raises(ProfileRefused):
        service.update(user, language=None, notifications="weekly")
    assert service.update(user, language="en", notifications="digest") == {
        "language": [None, "en"],
        "notifications": ["immediate", "digest"],
    }
    assert service.update(user, language="en", notifications="digest") == {}


# the language at login ----------------------------------------------------------------------
def test_a_saved_language_follows_the_user_to_a_new_browser(testapp, login_as, dbsession):
    user_named(dbsession, "comune").language = "en"
    dbsession.flush()
    response = login_as("comune")
    assert language_cookie_header(response).startswith(f"{LANGUAGE_COOKIE}=en;")
    page = response.follow(status=200)
    assert page_language(page) == "en"
    assert ENGLISH_SKIP_LINK in page.text


def test_without_a_saved_language_the_browsers_choice_stays(testapp, login_as):
    testapp.set_cookie(LANGUAGE_COOKIE, "en")
    response = login_as("comune")
    assert language_cookie_header(response) is None
    assert page_language(response.follow()) == "en"


# the tabs -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path, current",
    [
        (PROFILE, "profile-tab"),
        ("/@@change-password", "password-tab"),
        ("/@@feed-tokens", "feeds-tab"),
    ],
)
def test_the_account_pages_share_the_tabs(testapp, login_as, path, current):
    login_as("comune")
    page = testapp.get(path, status=200)
    nav = page.html.find("nav", id="profile-tabs")
    assert nav["aria-label"] == "Il tuo account"
    links = {a["id"]: a for a in nav.find_all("a")}
    assert {id_: a["href"] for id_, a in links.items()} == {
        "profile-tab": "http://localhost/@@profilo",
        "password-tab": "http://localhost/@@change-password",
        "feeds-tab": "http://localhost/@@feed-tokens",
    }
    assert [id_ for id_, a in links.items() if a.get("aria-current") == "page"] == [current]
    assert [a.get_text(strip=True) for a in links.values()] == [
        "Profilo",
        "Password",
        "Chiavi per i feed",
    ]
