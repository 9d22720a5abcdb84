"""The Vademecum's forms (colander/deform): the guide, a common chapter, a section.

A section follows the AgID "Unità organizzativa" model in spirit: what the organisation
does (competences, role in the network), the services it offers foreign citizens, its
offices and hours, how to reach it, whom to call in the network, the languages it speaks,
and when all this was last checked. Lists are deform sequences; the service stores them
as JSON (``tavolo.vademecum.snapshot.normalise_fields``).
"""

from __future__ import annotations

import re

import colander
import deform

from tavolo.content.richtext import plain_text, sanitise_html
from tavolo.content.schemas import WEB_SCHEMES, text_line, url_validator
from tavolo.i18n import _

PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 ./()-]{4,28}[0-9]$")
MAX_ITEMS = 50  # services or offices in one section: a guide, not a catalogue


def _sanitise(value):
    return sanitise_html(value) if isinstance(value, str) else value


def _rich(title, *, required=False, description=None):
    kw = {} if required else {"missing": ""}
    if required:
        kw["validator"] = _has_words
        kw["missing_msg"] = _("Questo campo è obbligatorio.")
    return colander.SchemaNode(
        colander.String(),
        title=title,
        description=description,
        widget=deform.widget.RichTextWidget(),
        preparer=_sanitise,
        **kw,
    )


def _has_words(node, value):
    # Markup alone ("<p></p>") is no text: TinyMCE leaves it in an emptied field.
    if not plain_text(value):
        raise colander.Invalid(node, _("Questo campo è obbligatorio."))


def _phone(node, value):
    if value and not PHONE_PATTERN.match(value):
        raise colander.Invalid(
            node, _("Numero di telefono non valido: usa cifre, spazi e al più un + iniziale.")
        )


def _line(title, max_length=300, validator=None, **kw):
    node = text_line(title, max_length, **kw)
    node.preparer = lambda value: value.strip() if isinstance(value, str) else value
    if validator is not None:
        node.validator = colander.All(colander.Length(max=max_length), validator)
    return node


def _area(title, max_length=2000, **kw):
    return colander.SchemaNode(
        colander.String(),
        title=title,
        widget=deform.widget.TextAreaWidget(rows=3),
        validator=colander.Length(max=max_length),
        missing="",
        **kw,
    )


class ServiceSchema(colander.MappingSchema):
    name = _line(_("Nome del servizio"), 300)
    description = _area(_("Descrizione"))
    eligibility = _area(_("Chi può usarlo"), 1000)
    access = _area(_("Come accedere"), 1000)
    documents = _area(_("Documenti necessari"), 1000)

    def validator(self, node, value):
        # A blank entry (one of the rows the form offers for adding) is simply dropped.
        if any(value.values()) and not value.get("name"):
            error = colander.Invalid(node)
            error["name"] = _("Indica il nome del servizio.")
            raise error


class OfficeSchema(colander.MappingSchema):
    name = _line(_("Sede o sportello"), 300)
    address = _line(_("Indirizzo"), 500)
    hours = _area(_("Orari di apertura"), 1000)

    def validator(self, node, value):
        if any(value.values()) and not value.get("name") and not value.get("address"):
            error = colander.Invalid(node)
            error["name"] = _("Indica il nome o l'indirizzo della sede.")
            raise error


class ServicesSchema(colander.SequenceSchema):
    service = ServiceSchema(title=_("Servizio"))


class OfficesSchema(colander.SequenceSchema):
    office = OfficeSchema(title=_("Sede"))


class ContactsSchema(colander.MappingSchema):
    phone = _line(_("Telefono"), 40, validator=_phone)
    email = _line(_("E-mail"), 254, validator=colander.Email())
    pec = _line(_("PEC"), 254, validator=colander.Email())
    website = _line(_("Sito web"), 500, validator=url_validator(WEB_SCHEMES))


class ContactPersonSchema(colander.MappingSchema):
    name = _line(_("Nome e cognome"), 200)
    role = _line(_("Ruolo"), 200)
    phone = _line(_("Telefono diretto"), 40, validator=_phone)
    email = _line(_("E-mail"), 254, validator=colander.Email())
    public = colander.SchemaNode(
        colander.Boolean(),
        title=_("Dati personali pubblici"),
        description=_(
            "Se scelto, nome, telefono diretto ed e-mail del referente compaiono anche "
            "nell'edizione pubblica del Vademecum; altrimenti solo nell'area riservata."
        ),
        widget=deform.widget.CheckboxWidget(),
        missing=False,
        default=False,
    )


BLANK_ROWS = 2  # blank entries the form offers for adding (``with_blank_rows``)


def _sequence(schema_class, title, description):
    return schema_class(
        title=title,
        description=description,
        # Our templates (templates/deform/vademecum_sequence*.pt): no inline scripts.
        widget=deform.widget.SequenceWidget(
            template="vademecum_sequence",
            item_template="vademecum_sequence_item",
            max_len=MAX_ITEMS,
        ),
        validator=colander.Length(max=MAX_ITEMS),
        missing=[],
        default=[],
    )


def with_blank_rows(values: dict) -> dict:
    """Form values with blank services and offices to fill in (the form has no script to
    add rows)."""
    values = dict(values)
    for name in ("services", "offices"):
        rows = list(values.get(name) or [])
        values[name] = rows + [{}] * min(BLANK_ROWS, max(0, MAX_ITEMS - len(rows)))
    return values


class SectionSchema(colander.MappingSchema):
    """The fields of a section, in the order of the form (and of revisions)."""

    competences = _rich(_("Competenze"), required=True)
    network_role = _rich(_("Ruolo nella rete"))
    services = _sequence(
        ServicesSchema,
        _("Servizi per i cittadini stranieri"),
        _(
            "Per ciascun servizio: che cos'è, chi può usarlo, come si accede, "
            "quali documenti servono."
        ),
    )
    offices = _sequence(OfficesSchema, _("Sedi e orari"), None)
    contacts = ContactsSchema(title=_("Contatti dell'organizzazione"))
    contact_person = ContactPersonSchema(title=_("Referente per la rete"))
    languages = _area(_("Lingue e mediazione culturale disponibili"))
    last_checked = colander.SchemaNode(
        colander.Date(),
        title=_("Data dell'ultima verifica"),
        description=_("Quando l'organizzazione ha controllato per l'ultima volta questi dati."),
        widget=deform.widget.DateInputWidget(),
        missing=None,
    )


class ChapterSchema(colander.MappingSchema):
    title = colander.SchemaNode(
        colander.String(), title=_("Titolo"), validator=colander.Length(min=1, max=300)
    )
    body = _rich(_("Testo"))


class VademecumSchema(colander.MappingSchema):
    title = colander.SchemaNode(
        colander.String(), title=_("Titolo"), validator=colander.Length(min=1, max=300)
    )
    description = _area(_("Descrizione"))
    body = _rich(_("Presentazione"))
    deadline = colander.SchemaNode(
        colander.Date(),
        title=_("Scadenza per le sezioni"),
        description=_("Entro questa data ogni sezione dovrebbe essere approvata."),
        widget=deform.widget.DateInputWidget(),
        missing=None,
    )
