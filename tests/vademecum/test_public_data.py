"""What the public area may show of an edition (pure: hand-made snapshots)."""

from __future__ import annotations

from tavolo.vademecum.public import public_data
from tests.vademecum import edition_samples as samples


def test_non_public_contact_person_loses_name_phone_and_email_only():
    data = samples.consolidated(2)
    shown = public_data(data)
    private, public = shown["sections"]
    assert private["contact_person"] == {
        "name": "",
        "role": "Responsabile dello sportello",
        "phone": "",
        "email": "",
        "public": False,
    }
    assert public["contact_person"]["name"] == samples.PUBLIC_NAME
    assert public["contact_person"]["phone"] == samples.PUBLIC_PHONE
    assert public["contact_person"]["email"] == samples.PUBLIC_EMAIL
    # The organisation's own contacts are public information.
    assert private["contacts"]["email"] == "info@example.org"
    # Documents: titles only (the items behind them may be reserved).
    assert private["documents"] == [{"title": "Carta dei servizi", "filename": "carta.pdf"}]
    assert "path" not in shown["vademecum"] and shown["vademecum"]["title"]
    # Prefecture staff are not named to visitors.
    assert private["approved_by"] == "" and private["approved_at"]
    # The edition's own data is untouched.
    assert data["sections"][0]["contact_person"]["name"] == samples.PRIVATE_NAME


def test_missing_contact_person_is_fine():
    data = samples.consolidated(1)
    del data["sections"][0]["contact_person"]
    assert "contact_person" not in public_data(data)["sections"][0]
