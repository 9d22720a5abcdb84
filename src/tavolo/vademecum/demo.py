"""The demo Vademecum: the guide of the RE.T.I. network in the reserved area, with sections
in every state - approved, approved and being rewritten, submitted, returned with a
comment, draft - and a suggestion waiting for its organisation.

Facts from the project's source (the partners, the aim of the Vademecum: the competences
and roles of each body, to shorten the distance between administrations and foreign
residents); the texts are our own, and addresses and numbers are placeholders. Loading
twice changes nothing.
"""

from __future__ import annotations

import datetime as dt

from tavolo.content.services import ContentService
from tavolo.db import utcnow
from tavolo.i18n.dates import SITE_TIMEZONE
from tavolo.security.policy import RoleCalculator
from tavolo.security.principals import principals_for
from tavolo.vademecum.service import SectionService, record_approval
from tavolo.vademecum.structure import VademecumStructure, chapter_of, create_vademecum
from tavolo.vademecum.suggestions import SuggestionService
from tavolo.workflow.engine import WorkflowEngine

# In the reserved area's "Vademecum" folder (which the demo site has held from the start).
FOLDER = "/area-riservata/vademecum/"
PATH = "/area-riservata/vademecum/guida/"
TITLE = "Vademecum della rete RE.T.I."

PRESENTATION = """
<p>Il Vademecum raccoglie, ente per ente, le competenze e i servizi che i partner della rete
offrono ai cittadini stranieri della provincia. Serve agli operatori per sapere a chi
rivolgersi e per indirizzare le persone allo sportello giusto.</p>
"""

CHAPTERS = {
    "introduzione": """
<p>Il Consiglio Territoriale per l'Immigrazione della Spezia ha scelto di scrivere insieme
questo Vademecum come primo passo della rete nata con il progetto RE.T.I., finanziato dal
Fondo Asilo, Migrazione e Integrazione. Ogni organizzazione descrive da sé le proprie
competenze; la Prefettura le approva e le pubblica in un'unica guida.</p>
""",
    "come-usarlo": """
<p>Ogni sezione segue lo stesso schema: competenze, ruolo nella rete, servizi per i
cittadini stranieri (con chi può usarli, come si accede e quali documenti servono), sedi e
orari, contatti e referente. In fondo a ogni sezione c'è la data dell'ultima verifica dei
dati.</p>
<p>Chi trova un dato superato può proporre una modifica direttamente dalla sezione:
l'organizzazione interessata decide se accoglierla.</p>
""",
    "glossario": """
<ul>
<li><strong>CTI</strong>: Consiglio Territoriale per l'Immigrazione, presieduto dal Prefetto.</li>
<li><strong>FAMI</strong>: Fondo Asilo, Migrazione e Integrazione.</li>
<li><strong>Mediazione culturale</strong>: l'intervento di un mediatore che facilita la
comunicazione tra l'operatore e la persona straniera.</li>
</ul>
""",
}

COMUNE = "Comune della Spezia"
MONDO_APERTO = "Coop. Soc. Mondo Aperto"
ISA = "Istituto Scolastico ISA 1"
ASL = "Azienda Sociosanitaria Ligure 5"
CPI = "Centro per l'Impiego"

SECTIONS = {
    COMUNE: {
        "competences": "<p>Il Comune gestisce l'anagrafe e lo stato civile, i servizi "
        "sociali e quelli educativi per la prima infanzia. Per i cittadini stranieri cura "
        "l'iscrizione anagrafica, le certificazioni e l'accesso al segretariato sociale.</p>",
        "network_role": "<p>Partner pubblico della rete: porta al Tavolo tecnico quello che "
        "emerge dagli sportelli sociali e coordina i servizi comunali coinvolti.</p>",
        "services": [
            {
                "name": "Iscrizione anagrafica",
                "description": "Registrazione della residenza nel Comune.",
                "eligibility": "Cittadini stranieri regolarmente soggiornanti che vivono "
                "abitualmente nel Comune.",
                "access": "Su appuntamento all'Ufficio anagrafe.",
                "documents": "Passaporto, permesso di soggiorno (o ricevuta della richiesta "
                "di rinnovo), codice fiscale.",
            },
            {
                "name": "Segretariato sociale",
                "description": "Ascolto, informazione e orientamento ai servizi sociali.",
                "eligibility": "Chiunque viva nel Comune.",
                "access": "Accesso libero negli orari di apertura.",
                "documents": "Un documento di identità.",
            },
        ],
        "offices": [
            {
                "name": "Ufficio anagrafe",
                "address": "Sede comunale, La Spezia (indirizzo di esempio)",
                "hours": "Dal lunedì al venerdì, 8:30-12:30",
            }
        ],
        "contacts": {
            "phone": "+39 0187 000 001",
            "email": "servizisociali@comune.example.it",
            "pec": "protocollo@pec.comune.example.it",
            "website": "https://www.comune.example.it/",
        },
        "contact_person": {
            "name": "Marco Rossi",
            "role": "Operatore dei servizi sociali",
            "phone": "+39 0187 000 002",
            "email": "comune@example.it",
            "public": False,
        },
        "languages": "Italiano; inglese e francese allo sportello. Mediazione culturale su "
        "richiesta, con almeno due giorni di anticipo.",
    },
    MONDO_APERTO: {
        "competences": "<p>La cooperativa sociale gestisce progetti di accoglienza, "
        "sportelli di orientamento e servizi di mediazione linguistico-culturale.</p>",
        "network_role": "<p>Capofila dei partner privati del progetto RE.T.I.</p>",
        "services": [
            {
                "name": "Mediazione linguistico-culturale",
                "description": "Mediatori che affiancano gli operatori dei servizi pubblici.",
                "eligibility": "Enti della rete e loro utenti.",
                "access": "Richiesta dell'ente, per e-mail.",
                "documents": "",
            }
        ],
        "languages": "Arabo, francese, inglese, urdu, bengalese, albanese.",
    },
    ISA: {
        "competences": "<p>Istituto scolastico capofila dei partner pubblici: accoglie "
        "studenti neoarrivati e cura i corsi di italiano come lingua seconda.</p>",
        "services": [
            {
                "name": "Iscrizione a scuola in corso d'anno",
                "description": "",
                "eligibility": "Minori stranieri, anche senza documenti.",
                "access": "Segreteria didattica.",
                "documents": "Documento del genitore; eventuali pagelle del paese d'origine.",
            }
        ],
    },
    ASL: {
        "competences": "<p>Assistenza sanitaria sul territorio; iscrizione al Servizio "
        "sanitario nazionale e codice STP per chi non è in regola con il soggiorno.</p>",
    },
    CPI: {
        "competences": "<p>Servizi per il lavoro: iscrizione come disoccupati, colloqui di "
        "orientamento, incontro tra domanda e offerta.</p>",
        "services": [
            {
                "name": "Dichiarazione di immediata disponibilità al lavoro",
                "description": "",
                "eligibility": "Persone disoccupate con permesso di soggiorno valido per lavoro.",
                "access": "Online o allo sportello.",
                "documents": "Permesso di soggiorno, codice fiscale.",
            }
        ],
    },
}

RETURN_COMMENT = (
    "Grazie: mancano le sedi e gli orari della segreteria e un referente per la rete. "
    "Potete aggiungerli e inviare di nuovo?"
)
CPI_NEW_DRAFT = {
    "languages": "Italiano e inglese; per altre lingue chiediamo un mediatore alla rete."
}
SUGGESTED_LANGUAGES = (
    "Italiano; inglese e francese allo sportello. Mediazione culturale in arabo e urdu "
    "con i mediatori di Mondo Aperto, su richiesta."
)


def _engine(dbsession, user) -> WorkflowEngine:
    return WorkflowEngine(
        dbsession, RoleCalculator(dbsession, principals_for(dbsession, user)), user
    )


def load_demo_vademecum(dbsession, users, organisations) -> list[str]:
    """``users`` by login, ``organisations`` by name (the demo network's)."""
    content = ContentService(dbsession)
    if content.by_path(PATH) is not None:
        return []
    folder = content.by_path(FOLDER)
    if folder is None:
        return []
    today = utcnow().astimezone(SITE_TIMEZONE).date()
    prefecture = users["prefettura"]
    vademecum = create_vademecum(
        dbsession,
        folder,
        TITLE,
        name="guida",
        content=content,
        description="La guida alle competenze degli enti della rete, scritta dai partner.",
        body=PRESENTATION,
        deadline=today + dt.timedelta(days=21),
        owner_id=prefecture.id,
    )
    _engine(dbsession, prefecture).take(vademecum, "submit")
    _engine(dbsession, prefecture).take(vademecum, "publish_internally")
    for key, body in CHAPTERS.items():
        chapter_of(dbsession, vademecum, key).body = body.strip()
    structure = VademecumStructure(dbsession, content)
    structure.create_sections(vademecum)
    report = [f"created the demo Vademecum at {PATH} with its sections"]

    def section(name):
        return structure.section_of(vademecum, organisations[name].id)

    members = {COMUNE: "comune", MONDO_APERTO: "mondoaperto"}
    for name, fields in SECTIONS.items():
        author = users.get(members.get(name, ""))
        engine = _engine(dbsession, author) if author else None
        SectionService(dbsession, content=content, engine=engine).save(
            section(name), author, {"last_checked": today, **fields}
        )

    reviewer = _engine(dbsession, prefecture)
    comune = users["comune"]
    # Approved: the Comune and the Centro per l'Impiego (whose new draft readers do not see).
    for name, writer in ((COMUNE, comune), (CPI, None)):
        node = section(name)
        _engine(dbsession, writer or users["admin"]).take(node, "submit")
        reviewer.take(node, "approve")
        record_approval(node, prefecture)
    admin = users["admin"]
    SectionService(dbsession, content=content, engine=_engine(dbsession, admin)).save(
        section(CPI), admin, CPI_NEW_DRAFT, note="Lingue aggiornate"
    )
    # Submitted: Mondo Aperto. Returned with a comment: ISA 1. ASL 5 stays a draft.
    _engine(dbsession, users["mondoaperto"]).take(section(MONDO_APERTO), "submit")
    _engine(dbsession, admin).take(section(ISA), "submit")
    reviewer.take(section(ISA), "return", RETURN_COMMENT)

    # Mondo Aperto suggests a change to the Comune's section; the Comune has not decided.
    comune_section = section(COMUNE)
    seen = {"languages": comune_section.languages}
    SuggestionService(dbsession).propose(
        comune_section,
        users["mondoaperto"],
        seen,
        {"languages": SUGGESTED_LANGUAGES},
        base_revision=comune_section.approved_revision,
        note="Possiamo garantire noi la mediazione in arabo e urdu.",
    )
    dbsession.flush()
    return report
