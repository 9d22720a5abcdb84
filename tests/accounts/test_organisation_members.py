"""The members of an organisation: only Managers add, change and remove them, with the
function and the signatory flag, and every change is in the audit trail."""

from __future__ import annotations

from sqlalchemy import select

from tavolo.accounts.models import Membership, User
from tavolo.scripts.demo import COMUNE, MONDO_APERTO
from tests.accounts.test_organisation_admin import organisation_named
from tests.accounts.test_password_links import audit, user_named
from tests.accounts.test_user_admin import csrf_of


def members_page(testapp, organisation, **params):
    return testapp.get("/@@membri-organizzazione", {"id": organisation.id, **params}, status=200)


def member_logins(page) -> list[str]:
    return [row["data-login"] for row in page.html.select("#members-table tbody tr")]


def candidate_logins(page) -> list[str]:
    return [item["data-login"] for item in page.html.select("#member-candidates li")]


def membership_of(dbsession, organisation, login) -> Membership | None:
    dbsession.expire_all()
    return dbsession.scalars(
        select(Membership).where(
            Membership.organisation_id == organisation.id,
            Membership.user_id == user_named(dbsession, login).id,
        )
    ).first()


def test_members_are_added_changed_and_removed_with_an_audit_entry_each(
    testapp, dbsession, login_as
):
    comune = organisation_named(dbsession, COMUNE)
    login_as("admin")
    page = members_page(testapp, comune)
    assert member_logins(page) == ["comune.firma", "comune"]  # by name: Giovanna, Marco
    row = page.html.select_one('#members-table tr[data-login="comune"]')
    assert row.select_one("a")["href"].endswith(f"@@utente?id={user_named(dbsession, 'comune').id}")
    assert "attivo" in row.text

    # Search: by e-mail; members are not offered.
    page = members_page(testapp, comune, cerca="mondoaperto@")
    assert candidate_logins(page) == ["mondoaperto"]
    assert candidate_logins(members_page(testapp, comune, cerca="comune")) == []
    mondoaperto = user_named(dbsession, "mondoaperto")
    form = page.forms[f"add-member-{mondoaperto.id}"]
    form["function"] = "  Mediazione presso il Comune "
    form["signatory"] = True
    page = form.submit(status=303).follow(status=200)
    assert "è stato aggiunto" in page.html.find(id="members-notice").text
    assert "mondoaperto" in member_logins(page)
    membership = membership_of(dbsession, comune, "mondoaperto")
    assert (membership.function, membership.signatory) == ("Mediazione presso il Comune", True)
    (entry,) = audit(dbsession, "membership_added")
    assert (entry.actor_login, entry.object_path) == ("admin", "mondoaperto")
    assert entry.data == {
        "organisation_id": comune.id,
        "organisation": COMUNE,
        "function": "Mediazione presso il Comune",
        "signatory": True,
    }
    # Already a member: refused, nothing added twice.
    testapp.post(
        f"/@@aggiungi-membro-organizzazione?id={comune.id}",
        {"csrf_token": csrf_of(testapp), "user_id": mondoaperto.id},
        status=409,
    )

    form = page.forms[f"member-{mondoaperto.id}-form"]
    form["function"] = "Mediazione"
    form["signatory"] = False
    form.submit(status=303)
    membership = membership_of(dbsession, comune, "mondoaperto")
    assert (membership.function, membership.signatory) == ("Mediazione", False)
    (entry,) = audit(dbsession, "membership_modified")
    assert entry.data["function"] == ["Mediazione presso il Comune", "Mediazione"]
    assert entry.data["signatory"] == [True, False]
    # Saving the same values records nothing.
    members_page(testapp, comune).forms[f"member-{mondoaperto.id}-form"].submit(status=303)
    assert len(audit(dbsession, "membership_modified")) == 1

    page = members_page(testapp, comune)
    remove = page.html.select_one('#members-table tr[data-login="mondoaperto"] a.btn')["href"]
    confirm = testapp.get(remove, status=200)
    assert membership_of(dbsession, comune, "mondoaperto") is not None  # GET only asks
    confirm.forms["remove-member-form"].submit(status=303)
    assert membership_of(dbsession, comune, "mondoaperto") is None
    (entry,) = audit(dbsession, "membership_removed")
    assert entry.data["function"] == "Mediazione" and entry.data["signatory"] is False
    # Their other membership and their account stay.
    assert user_named(dbsession, "mondoaperto").active
    mondo = organisation_named(dbsession, MONDO_APERTO)
    assert membership_of(dbsession, mondo, "mondoaperto") is not None
    testapp.get(remove, status=404)


def test_signatory_flag_can_be_given_and_taken(testapp, dbsession, login_as):
    comune = organisation_named(dbsession, COMUNE)
    marco = user_named(dbsession, "comune")
    login_as("admin")
    form = members_page(testapp, comune).forms[f"member-{marco.id}-form"]
    form["signatory"] = True
    form.submit(status=303)
    assert membership_of(dbsession, comune, "comune").signatory
    (entry,) = audit(dbsession, "membership_modified")
    assert entry.data == {
        "organisation_id": comune.id,
        "organisation": COMUNE,
        "signatory": [False, True],
    }


def test_search_offers_only_active_non_members_and_says_when_there_are_more(
    testapp, dbsession, login_as
):
    for number in range(22):
        dbsession.add(
            User(
                login=f"volontario{number:02}", email=f"v{number}@example.it", fullname="Volontario"
            )
        )
    spento = User(login="volontario.spento", email="spento@example.it", fullname="Volontario")
    spento.active = False
    dbsession.add(spento)
    dbsession.flush()
    comune = organisation_named(dbsession, COMUNE)
    login_as("admin")
    page = members_page(testapp, comune, cerca="VOLONTARIO")
    found = candidate_logins(page)
    assert len(found) == 20 and "volontario.spento" not in found
    assert page.html.find(id="more-candidates")
    page = members_page(testapp, comune, cerca="volontario.spento")
    assert candidate_logins(page) == [] and page.html.find(id="no-candidates")
    testapp.post(
        f"/@@aggiungi-membro-organizzazione?id={comune.id}",
        {"csrf_token": csrf_of(testapp), "user_id": spento.id},
        status=409,
    )
    assert members_page(testapp, comune, cerca="v").html.find(id="member-candidates") is None


def test_a_retired_organisation_takes_no_new_members(testapp, dbsession, login_as):
    comune = organisation_named(dbsession, COMUNE)
    mondoaperto = user_named(dbsession, "mondoaperto")
    login_as("admin")
    token = csrf_of(testapp)
    testapp.post(f"/@@ritira-organizzazione?id={comune.id}", {"csrf_token": token}, status=303)
    page = members_page(testapp, comune, cerca="mondo")
    assert page.html.find(id="members-retired")
    assert page.html.find(id="member-search") is None
    testapp.post(
        f"/@@aggiungi-membro-organizzazione?id={comune.id}",
        {"csrf_token": token, "user_id": mondoaperto.id},
        status=409,
    )
    assert membership_of(dbsession, comune, "mondoaperto") is None
    assert audit(dbsession, "membership_added") == []
    # Its members can still be changed and removed.
    marco = user_named(dbsession, "comune")
    testapp.post(
        f"/@@rimuovi-membro-organizzazione?id={comune.id}&utente={marco.id}",
        {"csrf_token": token},
        status=303,
    )
    assert membership_of(dbsession, comune, "comune") is None


def test_bad_member_input_is_refused(testapp, dbsession, login_as):
    comune = organisation_named(dbsession, COMUNE)
    mondoaperto = user_named(dbsession, "mondoaperto")
    marco = user_named(dbsession, "comune")
    login_as("admin")
    token = csrf_of(testapp)
    add = f"/@@aggiungi-membro-organizzazione?id={comune.id}"
    for user_id in ("", "abc", "999999"):
        testapp.post(add, {"csrf_token": token, "user_id": user_id}, status=404)
    page = testapp.post(
        add, {"csrf_token": token, "user_id": mondoaperto.id, "function": "x" * 201}, status=400
    )
    assert "al massimo 200 caratteri" in page.html.find(id="members-error").text
    assert membership_of(dbsession, comune, "mondoaperto") is None
    modify = f"/@@modifica-membro-organizzazione?id={comune.id}&utente={marco.id}"
    testapp.post(modify, {"csrf_token": token, "function": "x" * 201}, status=400)
    assert membership_of(dbsession, comune, "comune").function == "Servizi sociali - operatore"
    # Someone who is not a member of this organisation has no membership to change.
    for view in ("modifica", "rimuovi"):
        path = f"/@@{view}-membro-organizzazione?id={comune.id}&utente={mondoaperto.id}"
        testapp.post(path, {"csrf_token": token}, status=404)
    testapp.get(f"/@@rimuovi-membro-organizzazione?id={comune.id}&utente=x", status=404)
    assert audit(dbsession, "membership_modified") == []
    assert audit(dbsession, "membership_removed") == []
