"""The structure of the Vademecum: sections from the network's organisations, added,
retired (after a confirmation) and restored, reordered - by the prefecture only."""

from __future__ import annotations

from sqlalchemy import select

from tavolo.accounts.models import Membership, Organisation, OrganisationKind, User
from tavolo.audit.models import AuditEntry
from tavolo.security.models import LocalRole
from tavolo.vademecum.models import VademecumSection
from tavolo.vademecum.snapshot import consolidated
from tavolo.vademecum.structure import COMMON_CHAPTERS, VademecumStructure
from tests.vademecum.helpers import COMUNE, csrf, reload, section, url, vademecum


def test_every_partner_but_the_prefecture_has_a_section_and_the_common_chapters(dbsession):
    v = vademecum(dbsession)
    structure = VademecumStructure(dbsession)
    organisations = dbsession.scalars(
        select(Organisation).where(Organisation.kind != OrganisationKind.PREFECTURE)
    ).all()
    assert {s.organisation_id for s in structure.sections(v)} == {o.id for o in organisations}
    assert structure.missing_organisations(v) == []
    guide = consolidated(dbsession, v)
    assert [c["key"] for c in guide["chapters"]] == [key for key, _title in COMMON_CHAPTERS]


def test_each_section_is_written_by_its_organisation_only(dbsession):
    node = section(dbsession, COMUNE)
    assert node.inherit_roles is False
    grants = dbsession.scalars(select(LocalRole).where(LocalRole.node_id == node.id)).all()
    assert [(g.organisation_id, g.role) for g in grants] == [(node.organisation_id, "Editor")]


def test_only_the_prefecture_manages_the_structure(testapp, login_as, dbsession):
    v = vademecum(dbsession)
    login_as("comune")
    testapp.get(url(v, "struttura"), status=403)
    testapp.get(url(v, "cruscotto"), status=403)
    testapp.post(url(v, "crea-sezioni"), {"csrf_token": csrf(testapp)}, status=403)
    testapp.get("/logout")
    login_as("prefettura")
    assert COMUNE in testapp.get(url(v, "struttura")).text


def test_a_new_organisation_gets_a_section_its_members_edit(testapp, login_as, dbsession):
    v = vademecum(dbsession)
    newcomer = Organisation(name="Caritas diocesana", kind=OrganisationKind.PRIVATE_PARTNER)
    dbsession.add(newcomer)
    dbsession.flush()
    comune = dbsession.scalars(select(User).where(User.login == "comune")).one()
    dbsession.add(Membership(user_id=comune.id, organisation_id=newcomer.id))
    dbsession.flush()
    login_as("prefettura")
    page = testapp.get(url(v, "struttura"))
    form = page.forms["add-organisation-form"]
    form["organisation_id"] = str(newcomer.id)
    form.submit(status=303)
    dbsession.expire_all()
    node = VademecumStructure(dbsession).section_of(v, newcomer.id)
    assert node is not None and node.state == "draft" and node.title == "Caritas diocesana"
    testapp.get("/logout")
    login_as("comune")
    testapp.get(url(node, "edit"), status=200)


def test_retiring_asks_first_and_keeps_the_section(testapp, login_as, dbsession):
    v = vademecum(dbsession)
    node = section(dbsession, COMUNE)
    login_as("prefettura")
    page = testapp.get(url(v, "ritira-sezione") + f"?id={node.id}")
    assert reload(dbsession, node).retired_at is None  # the question writes nothing
    page.forms["retire-form"].submit("cancel", status=303)
    assert reload(dbsession, node).retired_at is None
    page.forms["retire-form"].submit("retire", status=303)
    node = reload(dbsession, node)
    assert node.retired_at is not None and node.trashed_at is None
    guide = consolidated(dbsession, vademecum(dbsession))
    assert node.id not in [s["node_id"] for s in guide["sections"]]
    retired = dbsession.scalars(
        select(AuditEntry).where(AuditEntry.event_type == "vademecum_section_retired")
    ).one()
    assert (retired.actor_login, retired.object_id) == ("prefettura", node.id)
    # Restored, it is back.
    testapp.post(url(v, "ripristina-sezione"), {"csrf_token": csrf(testapp), "id": node.id})
    assert reload(dbsession, node).retired_at is None


def test_order_is_editable(testapp, login_as, dbsession):
    v = vademecum(dbsession)
    structure = VademecumStructure(dbsession)
    first, second = structure.sections(v)[:2]
    login_as("prefettura")
    testapp.post(
        url(v, "sposta-nella-struttura"),
        {"csrf_token": csrf(testapp), "node_id": second.id, "verso": "su"},
        status=303,
    )
    dbsession.expire_all()
    order = [s.id for s in VademecumStructure(dbsession).sections(v)]
    assert order.index(second.id) < order.index(first.id)
    guide = consolidated(dbsession, v)
    ids = [s["node_id"] for s in guide["sections"]]
    positions = {s.id: s.position for s in dbsession.scalars(select(VademecumSection))}
    assert ids == sorted(ids, key=positions.get)
