"""A small tree with every visibility case, shared by the feed and navigation tests."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from sqlalchemy import select

from tavolo.accounts.models import User
from tavolo.content.services import ContentService
from tavolo.db import utcnow


def user_named(dbsession, login: str) -> User:
    return dbsession.scalars(select(User).where(User.login == login)).one()


def build_tree(dbsession) -> SimpleNamespace:
    service = ContentService(dbsession)
    root = service.root()
    now = utcnow().replace(microsecond=0)
    day = dt.timedelta(days=1)

    folder = service.create(root, "folder", "prova-feed", "Prova feed", state="published")

    def add(parent, type_name, name, title, state, **fields):
        return service.create(parent, type_name, name, title, state=state, **fields)

    public_news = add(
        folder,
        "news",
        "notizia-pubblica",
        "Notizia pubblica",
        "published",
        lead="Il Consiglio si è riunito.",
        body="<p>Corpo della <strong>notizia</strong> &amp; altro.</p>",
        effective=now - day,
    )
    older_news = add(
        folder, "news", "notizia-vecchia", "Notizia vecchia", "published", effective=now - 30 * day
    )
    internal_news = add(folder, "news", "notizia-interna", "Notizia interna", "internal")
    private_page = add(folder, "page", "pagina-privata", "Pagina privata", "private")
    trashed_page = add(folder, "page", "pagina-cestinata", "Pagina cestinata", "published")
    trashed_page.trashed_at = now
    future_news = add(
        folder, "news", "notizia-futura", "Notizia futura", "published", effective=now + day
    )
    public_event = add(
        folder,
        "event",
        "evento-pubblico",
        "Evento pubblico",
        "published",
        start=now + 3 * day,
        end=now + 3 * day + dt.timedelta(hours=2),
        location="Prefettura della Spezia, sala riunioni",
        organiser="Prefettura della Spezia",
        contact_email="cti@example.org",
    )
    whole_day_event = add(
        folder,
        "event",
        "giornata-formazione",
        "Giornata di formazione",
        "published",
        start=now + 10 * day,
        end=now + 10 * day,
        whole_day=True,
    )
    internal_event = add(
        folder,
        "event",
        "evento-interno",
        "Evento interno",
        "internal",
        start=now + 5 * day,
        end=now + 5 * day + dt.timedelta(hours=1),
    )
    private_folder = add(root, "folder", "cartella-privata", "Cartella privata", "private")
    hidden_news = add(private_folder, "news", "nascosta", "Notizia nascosta", "published")
    internal_folder = add(root, "folder", "cartella-interna", "Cartella interna", "internal")
    internal_child = add(
        internal_folder, "news", "notizia-riservata", "Notizia riservata", "internal"
    )
    dbsession.flush()
    return SimpleNamespace(**{k: v for k, v in locals().items() if k not in {"service", "add"}})
