"""Hand-made consolidated Vademecums (the shape of ``snapshot.consolidated``) for the
editions', comparison's and exports' tests."""

from __future__ import annotations

import copy
import datetime as dt
from types import SimpleNamespace

PRIVATE_NAME = "Giulia Riservata"
PRIVATE_PHONE = "333 000 1111"
PRIVATE_EMAIL = "giulia.riservata@example.org"
PUBLIC_NAME = "Marco Pubblico"
PUBLIC_PHONE = "0187 222 333"
PUBLIC_EMAIL = "marco.pubblico@example.org"


def section(index: int, *, public_person: bool = False, **overrides) -> dict:
    person = (
        {"name": PUBLIC_NAME, "phone": PUBLIC_PHONE, "email": PUBLIC_EMAIL}
        if public_person
        else {"name": PRIVATE_NAME, "phone": PRIVATE_PHONE, "email": PRIVATE_EMAIL}
    )
    data = {
        "node_id": 100 + index,
        "organisation": {"id": 10 + index, "name": f"Ente numero {index}", "kind": "public"},
        "revision": 2,
        "title": f"Sezione {index:02d} dell'ente",
        "competences": f"<p>Competenze <strong>dell'ente {index}</strong>.</p>"
        "<ul><li>accoglienza</li><li>orientamento</li></ul>",
        "network_role": "<p>Coordina lo <em>sportello</em>.</p>",
        "services": [
            {
                "name": "Sportello immigrazione",
                "description": "Informazioni sul permesso di soggiorno",
                "eligibility": "Cittadini stranieri residenti",
                "access": "Su appuntamento",
                "documents": "Passaporto",
            }
        ],
        "offices": [{"name": "Sede centrale", "address": "Via Roma 1", "hours": "lun-ven 9-12"}],
        "contacts": {
            "phone": "0187 111",
            "email": "info@example.org",
            "pec": "ente@pec.example.org",
            "website": "https://example.org",
        },
        "contact_person": {
            "role": "Responsabile dello sportello",
            "public": public_person,
            **person,
        },
        "languages": "Inglese, francese, arabo",
        "documents": [{"title": "Carta dei servizi", "filename": "carta.pdf", "node_id": 7}],
        "last_checked": f"2026-10-0{1 + index % 9}",
        "approved_at": "2026-11-01T10:00:00+00:00",
        "approved_by": "Prefettura Revisore",
    }
    data.update(overrides)
    return data


def consolidated(count: int = 3) -> dict:
    return {
        "vademecum": {"id": 1, "title": "Vademecum della rete", "path": "/area-riservata/v/"},
        "chapters": [
            {
                "node_id": 50,
                "key": "introduzione",
                "title": "Introduzione al Vademecum",
                "body": "<p>Perché questa guida.</p>",
                "position": 0,
            },
            {
                "node_id": 51,
                "key": "glossario",
                "title": "Glossario dei termini",
                "body": "<p>Permesso di soggiorno: ...</p>",
                "position": 1,
            },
        ],
        "sections": [section(i, public_person=(i % 2 == 0)) for i in range(1, count + 1)],
    }


def changed(data: dict) -> dict:
    return copy.deepcopy(data)


def edition(number: int = 1, sha256: str = "ab" * 32, note: str = "") -> SimpleNamespace:
    return SimpleNamespace(
        number=number,
        published_at=dt.datetime(2026, 11, 26, 15, 0, tzinfo=dt.UTC),
        sha256=sha256,
        note=note,
    )
