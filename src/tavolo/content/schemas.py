"""The forms of the content types: one colander schema per type, on a shared metadata part.

Field names are the model's attribute names, so that a validated appstruct goes straight to
the services (``upload`` of files and images excepted: the service unpacks it). Rich text is
sanitised here (a preparer, so that the form re-displays what will be stored) and again by
the services, which scripts call without forms. Schemas are built fresh per form (colander
nodes are mutable) and bound with ``request`` and ``dbsession``.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import colander
import deform
from sqlalchemy import or_, select

from tavolo.accounts.models import Organisation
from tavolo.content.references import NodeReferences
from tavolo.content.richtext import sanitise_html
from tavolo.files.messages import UploadRefused
from tavolo.files.uploads import IMAGE_FORMATS
from tavolo.i18n import LANGUAGE_NAMES, LOCALES, _
from tavolo.i18n.dates import SITE_TIMEZONE

# --- the URN:NIR grammar ----------------------------------------------------------------

_NIR_WORD = r"[a-z0-9]+(?:[.\-][a-z0-9]+)*"  # lower-case dotted words: "ministero.interno"
_NIR_AUTHORITY = rf"{_NIR_WORD}(?:;{_NIR_WORD})*(?:\+{_NIR_WORD}(?:;{_NIR_WORD})*)*"
_NIR_DATES = r"\d{4}-\d{2}-\d{2}(?:,\d{4}-\d{2}-\d{2})*"
_NIR = re.compile(
    rf"urn:nir:(?P<authority>{_NIR_AUTHORITY}):(?P<type>{_NIR_WORD})"
    rf":(?P<dates>{_NIR_DATES})(?:;(?P<number>{_NIR_WORD}))?"
)


def is_valid_urn_nir(urn: str) -> bool:
    """Whether ``urn`` follows the NIR grammar for an act (Normattiva's URNs).

    ``urn:nir:<authority>:<type>:<date>[;<number>]`` where:

    - the authority is one issuing body, or several joined by ``+`` (joint acts); each is
      a body optionally followed by ``;``-separated sub-structures ("ministero.interno;
      dipartimento.liberta.civili.immigrazione"), every part made of lower-case words
      (letters and digits, accents folded) joined by ``.`` or ``-``;
    - the type is such a dotted name ("legge", "decreto.legislativo", "circolare");
    - the date is a real ``YYYY-MM-DD`` date (several, comma-separated, for acts with more
      than one), optionally followed by ``;`` and the number ("2649", "13-bis").

    Annexes, versions and manifestations (``:``, ``@``, ``*`` suffixes) identify other
    things than the act, and are refused here.
    """
    match = _NIR.fullmatch(urn or "")
    if match is None:
        return False
    for value in match.group("dates").split(","):
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return False
    return True


def urn_nir_validator(node, value):
    if value and not is_valid_urn_nir(value):
        raise colander.Invalid(
            node,
            _(
                "Identificativo URN:NIR non valido: deve avere la forma "
                "urn:nir:autorità:tipo:data;numero (per esempio "
                "urn:nir:stato:legge:1998-07-06;286)."
            ),
        )


# --- shared types and validators --------------------------------------------------------

WEB_SCHEMES = ("http", "https")
LINK_SCHEMES = (*WEB_SCHEMES, "mailto")


def url_validator(schemes=LINK_SCHEMES):
    def validate(node, value):
        if not value:
            return
        parts = urlsplit(value.strip())
        scheme = parts.scheme.lower()
        ok = scheme in schemes and (
            bool(parts.netloc) if scheme in WEB_SCHEMES else bool(parts.path)
        )
        if not ok or any(c.isspace() for c in value.strip()):
            raise colander.Invalid(
                node,
                _(
                    "Indirizzo non valido: usa un indirizzo che inizia con ${schemes}.",
                    mapping={"schemes": ", ".join(f"{s}:" for s in schemes)},
                ),
            )

    return validate


class Tags(colander.SchemaType):
    """Tags as a comma-separated string in the form; a list of strings in the app."""

    def serialize(self, node, appstruct):
        if appstruct is colander.null or not appstruct:
            return colander.null
        return ", ".join(appstruct)

    def deserialize(self, node, cstruct):
        if cstruct is colander.null or cstruct is None:
            return []
        values = cstruct.split(",") if isinstance(cstruct, str) else list(cstruct)
        tags = sorted({" ".join(str(v).split()) for v in values if str(v).strip()})
        for tag in tags:
            if len(tag) > 100:
                raise colander.Invalid(
                    node, _("Ogni etichetta può avere al massimo 100 caratteri.")
                )
        return tags


class LocalDateTime(colander.DateTime):
    """A date and time as people in the prefecture read it (Europe/Rome), stored in UTC."""

    def __init__(self):
        super().__init__(default_tzinfo=SITE_TIMEZONE)

    def serialize(self, node, appstruct):
        if isinstance(appstruct, dt.datetime) and appstruct.tzinfo is not None:
            appstruct = appstruct.astimezone(SITE_TIMEZONE).replace(second=0, microsecond=0)
        return super().serialize(node, appstruct)

    def deserialize(self, node, cstruct):
        value = super().deserialize(node, cstruct)
        if isinstance(value, dt.datetime):
            return value.astimezone(dt.UTC)
        return value


def _sanitise(value):
    return sanitise_html(value) if isinstance(value, str) else value


def rich_text(title, **kw) -> colander.SchemaNode:
    return colander.SchemaNode(
        colander.String(),
        title=title,
        widget=deform.widget.RichTextWidget(),
        preparer=_sanitise,
        missing="",
        **kw,
    )


def text_line(title, max_length=300, **kw) -> colander.SchemaNode:
    kw.setdefault("missing", "")
    return colander.SchemaNode(
        colander.String(), title=title, validator=colander.Length(max=max_length), **kw
    )


def _organisation_choices(kw) -> list[tuple[int, str]]:
    """The organisations one may name as responsible: those in the network, and, on an
    edit form, the one the item already names even if it was retired since (keeping it
    must not need a change)."""
    request = kw.get("request")
    context = getattr(request, "context", None) if request is not None else None
    current = None
    if request is not None and request.view_name == "edit":
        current = getattr(context, "responsible_organisation_id", None)
    condition = Organisation.retired.is_(None)
    if current is not None:
        condition = or_(condition, Organisation.id == current)
    statement = select(Organisation.id, Organisation.name).where(condition)
    return list(kw["dbsession"].execute(statement.order_by(Organisation.name)))


@colander.deferred
def _organisation_widget(node, kw):
    values = [("", _("— nessuna —"))] + [(str(i), name) for i, name in _organisation_choices(kw)]
    return deform.widget.SelectWidget(values=values)


@colander.deferred
def _organisation_validator(node, kw):
    return colander.OneOf({i for i, _name in _organisation_choices(kw)})


# --- the schemas ------------------------------------------------------------------------


class MetadataSchema(colander.MappingSchema):
    """What every type has: Plone's Dublin Core, in the form's first part."""

    title = colander.SchemaNode(
        colander.String(),
        title=_("Titolo"),
        validator=colander.Length(min=1, max=300),
        preparer=lambda value: " ".join(value.split()) if isinstance(value, str) else value,
    )
    description = colander.SchemaNode(
        colander.String(),
        title=_("Descrizione"),
        description=_("Un riassunto breve, mostrato negli elenchi e nei risultati di ricerca."),
        widget=deform.widget.TextAreaWidget(rows=3),
        validator=colander.Length(max=2000),
        missing="",
    )
    tags = colander.SchemaNode(
        Tags(),
        title=_("Etichette"),
        description=_("Separate da virgole, per esempio: lavoro, minori, Vademecum."),
        missing=[],
    )
    responsible_organisation_id = colander.SchemaNode(
        colander.Integer(),
        title=_("Organizzazione responsabile"),
        widget=_organisation_widget,
        validator=_organisation_validator,
        missing=None,
    )
    effective = colander.SchemaNode(
        LocalDateTime(),
        title=_("Data di pubblicazione"),
        description=_("Prima di questa data il contenuto non è visibile ai visitatori."),
        widget=deform.widget.DateTimeInputWidget(),
        missing=None,
    )
    expires = colander.SchemaNode(
        LocalDateTime(),
        title=_("Data di scadenza"),
        description=_("Dopo questa data il contenuto non è più visibile ai visitatori."),
        widget=deform.widget.DateTimeInputWidget(),
        missing=None,
    )
    language = colander.SchemaNode(
        colander.String(),
        title=_("Lingua"),
        widget=deform.widget.SelectWidget(values=[(c, LANGUAGE_NAMES[c]) for c in LOCALES]),
        validator=colander.OneOf(LOCALES),
        default="it",
        missing="it",
    )
    exclude_from_nav = colander.SchemaNode(
        colander.Boolean(),
        title=_("Escludi dalla navigazione"),
        widget=deform.widget.CheckboxWidget(),
        missing=False,
        default=False,
    )
    related_ids = colander.SchemaNode(
        NodeReferences(),
        title=_("Contenuti correlati"),
        description=_(
            "Un indirizzo per riga, copiato dalla barra del browser "
            "(per esempio /normativa/circolare-2649-2012/)."
        ),
        widget=deform.widget.TextAreaWidget(rows=3),
        missing=[],
    )

    def validator(self, node, value):
        effective, expires = value.get("effective"), value.get("expires")
        if effective and expires and expires <= effective:
            error = colander.Invalid(node)
            error["expires"] = _("La data di scadenza deve seguire quella di pubblicazione.")
            raise error


# How a folder shows its contents to visitors (``Folder.layout``), as Plone's "Display".
FOLDER_LAYOUTS = (
    ("listing", _("Elenco")),
    ("news", _("Notizie")),
    ("agenda", _("Agenda degli eventi")),
)


class FolderSchema(MetadataSchema):
    body = rich_text(_("Introduzione"))
    layout = colander.SchemaNode(
        colander.String(),
        title=_("Visualizzazione"),
        description=_("Come la cartella presenta i suoi contenuti ai visitatori."),
        widget=deform.widget.SelectWidget(values=FOLDER_LAYOUTS),
        validator=colander.OneOf([value for value, _title in FOLDER_LAYOUTS]),
        default="listing",
        missing="listing",
    )


class PageSchema(MetadataSchema):
    body = rich_text(_("Testo"))


class LinkSchema(MetadataSchema):
    url = colander.SchemaNode(
        colander.String(),
        title=_("Indirizzo"),
        description=_("Un indirizzo web (http:// o https://) o di posta (mailto:)."),
        validator=colander.All(colander.Length(max=2000), url_validator()),
    )


class NewsSchema(MetadataSchema):
    lead = colander.SchemaNode(
        colander.String(),
        title=_("Sommario"),
        widget=deform.widget.TextAreaWidget(rows=3),
        validator=colander.Length(max=2000),
        missing="",
    )
    image_id = colander.SchemaNode(
        NodeReferences(types=frozenset({"image"}), single=True),
        title=_("Immagine"),
        description=_(
            "L'indirizzo di un'immagine del sito, mostrata con la notizia e negli elenchi "
            "(per esempio /notizie/foto-riunione.jpg/)."
        ),
        missing=None,
    )
    body = rich_text(_("Testo"))


class EventSchema(MetadataSchema):
    start = colander.SchemaNode(
        LocalDateTime(), title=_("Inizio"), widget=deform.widget.DateTimeInputWidget()
    )
    end = colander.SchemaNode(
        LocalDateTime(), title=_("Fine"), widget=deform.widget.DateTimeInputWidget()
    )
    whole_day = colander.SchemaNode(
        colander.Boolean(),
        title=_("Tutto il giorno"),
        widget=deform.widget.CheckboxWidget(),
        missing=False,
    )
    location = text_line(_("Luogo"))
    organiser = text_line(_("Organizzatore"))
    contact_name = text_line(_("Nome del referente"), max_length=200)
    contact_email = colander.SchemaNode(
        colander.String(),
        title=_("E-mail del referente"),
        validator=colander.All(colander.Length(max=254), colander.Email()),
        missing="",
    )
    contact_phone = text_line(_("Telefono del referente"), max_length=50)
    body = rich_text(_("Testo"))

    def validator(self, node, value):
        start, end = value.get("start"), value.get("end")
        if start and end and (end < start or (end == start and not value.get("whole_day"))):
            error = colander.Invalid(node)
            error["end"] = _("La fine deve seguire l'inizio.")
            raise error
        super().validator(node, value)


ACT_TYPES = (
    ("legge", _("Legge")),
    ("decreto-legge", _("Decreto-legge")),
    ("decreto legislativo", _("Decreto legislativo")),
    ("DPR", _("Decreto del Presidente della Repubblica")),
    ("decreto", _("Decreto")),
    ("circolare", _("Circolare")),
    ("direttiva", _("Direttiva")),
    ("regolamento", _("Regolamento")),
    ("accordo", _("Accordo")),
    ("altro", _("Altro")),
)


class LegislationSchema(MetadataSchema):
    act_type = colander.SchemaNode(
        colander.String(),
        title=_("Tipo di atto"),
        widget=deform.widget.SelectWidget(values=ACT_TYPES),
        validator=colander.OneOf([value for value, _title in ACT_TYPES]),
    )
    number = text_line(_("Numero"), max_length=50)
    act_date = colander.SchemaNode(
        colander.Date(),
        title=_("Data dell'atto"),
        widget=deform.widget.DateInputWidget(),
        missing=None,
    )
    issuing_body = text_line(_("Autorità emanante"))
    urn = colander.SchemaNode(
        colander.String(),
        title=_("Identificativo URN:NIR"),
        description=_("Per esempio urn:nir:stato:legge:1998-07-06;286"),
        preparer=lambda value: value.strip() if isinstance(value, str) else value,
        validator=colander.All(colander.Length(max=500), urn_nir_validator),
        missing="",
    )
    official_url = colander.SchemaNode(
        colander.String(),
        title=_("Testo ufficiale"),
        description=_("L'indirizzo del testo su Normattiva o sul sito dell'autorità."),
        validator=colander.All(colander.Length(max=2000), url_validator(WEB_SCHEMES)),
        missing="",
    )
    body = rich_text(_("Testo"))


class QuestionSchema(MetadataSchema):
    question = colander.SchemaNode(
        colander.String(),
        title=_("Domanda"),
        widget=deform.widget.TextAreaWidget(rows=3),
        validator=colander.Length(max=5000),
        missing="",
    )
    answer = rich_text(_("Risposta"))
    topic = text_line(_("Argomento"), max_length=100)


class UploadWidget(deform.widget.FileUploadWidget):
    """deform's upload widget, returning the temp store's copy of the upload (with its
    bytes, see ``tavolo.web.forms.UploadTempStore``) instead of the request's open file."""

    def deserialize(self, field, pstruct):
        value = super().deserialize(field, pstruct)
        if value in (colander.null, None):
            return value
        stored = self.tmpstore.get(value.get("uid"))
        return stored if stored is not None else colander.null


@colander.deferred
def _upload_widget(node, kw):
    return UploadWidget(kw["upload_store"])


def _upload_validator(formats):
    """Inspect the upload as the service will (``tavolo.files``): every refusal becomes
    the field's message, and nothing is stored while the form is invalid."""

    @colander.deferred
    def deferred(node, kw):
        uploads = kw["uploads"]

        def validate(node, value):
            try:
                uploads.check(value.get("data") or b"", value.get("filename"), formats)
            except UploadRefused as refusal:
                raise colander.Invalid(node, refusal.message) from None

        return validate

    return deferred


def _upload_node(required: bool, formats=None) -> colander.SchemaNode:
    return colander.SchemaNode(
        deform.FileData(),
        name="upload",
        title=_("File"),
        widget=_upload_widget,
        validator=_upload_validator(formats),
        **({} if required else {"missing": None}),
    )


class FileSchema(MetadataSchema):
    upload = _upload_node(required=True)


class ImageSchema(MetadataSchema):
    upload = _upload_node(required=True, formats=IMAGE_FORMATS)


# --- Raccolta: a saved search (listed by tavolo.search) ----------------------------------
COLLECTION_SORTS = (
    ("date", _("Data, dalla più recente")),
    ("relevance", _("Rilevanza")),
)


@colander.deferred
def _collection_type_widget(node, kw):
    from tavolo.content.registry import TYPES  # the registry imports this module

    values = [("", _("— tutti i tipi —"))] + [
        (name, info.title) for name, info in TYPES.items() if name != "collection"
    ]
    return deform.widget.SelectWidget(values=values)


@colander.deferred
def _collection_type_validator(node, kw):
    from tavolo.content.registry import TYPES

    return colander.OneOf(["", *(name for name in TYPES if name != "collection")])


class CollectionSchema(MetadataSchema):
    search_words = colander.SchemaNode(
        colander.String(),
        title=_("Parole da cercare"),
        description=_(
            "Le parole che i contenuti devono avere; tra virgolette, una frase esatta. "
            "Vuoto: tutti i contenuti che corrispondono ai filtri."
        ),
        preparer=lambda value: " ".join(value.split()) if isinstance(value, str) else value,
        validator=colander.Length(max=500),
        missing="",
    )
    filter_type = colander.SchemaNode(
        colander.String(),
        title=_("Tipo di contenuto"),
        widget=_collection_type_widget,
        validator=_collection_type_validator,
        missing="",
    )
    filter_year = colander.SchemaNode(
        colander.String(),
        title=_("Anno"),
        description=_("Quattro cifre, per esempio 2024. Vuoto: tutti gli anni."),
        validator=colander.Regex(r"^\d{4}$", msg=_("Scrivi l'anno con quattro cifre.")),
        missing="",
    )
    filter_organisation_id = colander.SchemaNode(
        colander.Integer(),
        title=_("Organizzazione responsabile"),
        widget=_organisation_widget,
        validator=_organisation_validator,
        missing=None,
    )
    filter_tag = text_line(_("Etichetta"), max_length=100)
    sort = colander.SchemaNode(
        colander.String(),
        title=_("Ordine"),
        widget=deform.widget.SelectWidget(values=COLLECTION_SORTS),
        validator=colander.OneOf([value for value, _title in COLLECTION_SORTS]),
        default="date",
        missing="date",
    )

    def validator(self, node, value):
        if not any(
            value.get(name)
            for name in (
                "search_words",
                "filter_type",
                "filter_year",
                "filter_organisation_id",
                "filter_tag",
            )
        ):
            raise colander.Invalid(node, _("Indica almeno le parole da cercare o un filtro."))
        super().validator(node, value)


def for_editing(schema: colander.SchemaNode) -> colander.SchemaNode:
    """The same form for an existing item: a new file is optional (the old one stays)."""
    if "upload" in schema:
        schema["upload"].missing = None
    return schema
