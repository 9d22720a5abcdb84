"""Shared helpers of the Vademecum's tests: the demo Vademecum and its sections."""

from __future__ import annotations

from sqlalchemy import select

from tavolo.accounts.models import Organisation, User
from tavolo.vademecum.demo import COMUNE, CPI, ISA, MONDO_APERTO, PATH
from tavolo.vademecum.models import Vademecum, VademecumSection

__all__ = ["COMUNE", "CPI", "ISA", "MONDO_APERTO", "PATH", "section", "user", "vademecum"]


def vademecum(dbsession) -> Vademecum:
    return dbsession.scalars(select(Vademecum).where(Vademecum.path == PATH)).one()


def organisation(dbsession, name: str) -> Organisation:
    return dbsession.scalars(select(Organisation).where(Organisation.name == name)).one()


def section(dbsession, name: str) -> VademecumSection:
    org = organisation(dbsession, name)
    return dbsession.scalars(
        select(VademecumSection).where(VademecumSection.organisation_id == org.id)
    ).one()


def user(dbsession, login: str) -> User:
    return dbsession.scalars(select(User).where(User.login == login)).one()


def url(node, view: str = "") -> str:
    return node.path + (f"@@{view}" if view else "")


def csrf(testapp) -> str:
    """The caller's CSRF token, from the language form every page carries."""
    return testapp.get("/").forms["language-form"]["csrf_token"].value


def reload(dbsession, node):
    """``node`` as the database holds it now (requests ran in other sessions)."""
    dbsession.expire_all()
    return dbsession.get(type(node), node.id)


def take(testapp, node, name: str, comment: str = "", status: int = 303):
    """Take transition ``name`` on ``node`` through ``@@transizione``, as a browser does."""
    form = testapp.get(f"{node.path}@@transizione?nome={name}").forms["deform"]
    form["comment"] = comment
    return form.submit("save", status=status)
