"""The site skeleton and the demo network.

The facts (organisations, roles, the meeting of 15 February 2023, the circular of 16 April
2012) come from the project's source pages; the texts are our own. Every function looks
before it creates, so loading twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from tavolo.accounts.models import Membership, Organisation, OrganisationKind, User
from tavolo.accounts.passwords import hash_password
from tavolo.content.services import ContentService
from tavolo.security.models import GlobalRole, LocalRole
from tavolo.security.roles import EDITOR, MANAGER, READER, REVIEWER

DEMO_PASSWORD = "tavolo-demo"  # noqa: S105 - development-only, refused in production

PREFECTURE = "Prefettura della Spezia"
COMUNE = "Comune della Spezia"
MONDO_APERTO = "Coop. Soc. Mondo Aperto"

_PUBLIC = OrganisationKind.PUBLIC_PARTNER
_PRIVATE = OrganisationKind.PRIVATE_PARTNER


@dataclass(frozen=True)
class DemoOrganisation:
    name: str
    kind: OrganisationKind
    lead_partner: bool = False
    website: str | None = None


ORGANISATIONS = (
    DemoOrganisation(PREFECTURE, OrganisationKind.PREFECTURE),
    DemoOrganisation("Istituto Scolastico ISA 1", _PUBLIC, lead_partner=True),
    DemoOrganisation(MONDO_APERTO, _PRIVATE, lead_partner=True),
    DemoOrganisation("Ufficio Scolastico Provinciale della Spezia", _PUBLIC),
    DemoOrganisation(COMUNE, _PUBLIC),
    DemoOrganisation("Azienda Sociosanitaria Ligure 5", _PUBLIC),
    DemoOrganisation("Distretto socio-sanitario n. 17", _PUBLIC),
    DemoOrganisation("Distretto socio-sanitario n. 18", _PUBLIC),
    DemoOrganisation("Distretto socio-sanitario n. 19", _PUBLIC),
    DemoOrganisation("Ispettorato Territoriale del Lavoro", _PUBLIC),
    DemoOrganisation("I.N.A.I.L.", _PUBLIC),
    DemoOrganisation("Centro per l'Impiego", _PUBLIC),
    DemoOrganisation("Centro Provinciale Istruzione Adulti", _PUBLIC),
    DemoOrganisation("CGIL", _PRIVATE),
    DemoOrganisation("CISL", _PRIVATE),
    DemoOrganisation("UIL", _PRIVATE),
)


@dataclass(frozen=True)
class DemoUser:
    login: str
    fullname: str
    organisation: str | None
    function: str = ""
    signatory: bool = False
    global_roles: tuple[str, ...] = ()


USERS = (
    DemoUser("admin", "Amministratore del sito", None, global_roles=(MANAGER,)),
    DemoUser(
        "prefettura", "Laura Bianchi", PREFECTURE, "Area Immigrazione", global_roles=(REVIEWER,)
    ),
    DemoUser("comune", "Marco Rossi", COMUNE, "Servizi sociali - operatore"),
    DemoUser("comune.firma", "Giovanna Neri", COMUNE, "Dirigente delegata", signatory=True),
    DemoUser("mondoaperto", "Samira Haddad", MONDO_APERTO, "Mediazione culturale"),
    DemoUser("archivio", "Paolo Verdi", PREFECTURE, "Archivio", global_roles=(READER,)),
)

HOME_BODY = """
<p>Il Consiglio Territoriale per l'Immigrazione è presieduto dal Prefetto e riunisce gli
uffici dello Stato, gli enti locali, la scuola, la sanità, il lavoro, il sindacato e il
privato sociale della provincia.</p>
<p>Il Consiglio segue la presenza dei cittadini di paesi terzi sul territorio, raccoglie i
problemi che gli enti incontrano e coordina le iniziative di accoglienza e di integrazione.
Attraverso la rete RE.T.I. i partner condividono un documento d'intesa, scrivono insieme un
Vademecum delle rispettive competenze e si incontrano nel Tavolo tecnico convocato dalla
Prefettura.</p>
"""

CONSIGLIO_BODY = """
<h2>Chi ne fa parte</h2>
<p>Il Prefetto nomina i componenti su indicazione delle amministrazioni e delle organizzazioni
interessate: uffici periferici dello Stato, Regione, Comuni, Camera di Commercio, enti che
assistono i cittadini stranieri, organizzazioni dei lavoratori e dei datori di lavoro.</p>
<h2>Che cosa fa</h2>
<ul>
<li>ascolta i problemi del territorio legati all'immigrazione e aiuta a programmare le
politiche di integrazione;</li>
<li>favorisce l'accordo tra tutte le amministrazioni coinvolte;</li>
<li>sostiene la partecipazione delle associazioni delle comunità straniere;</li>
<li>promuove iniziative di assistenza e di inclusione.</li>
</ul>
"""

RETI_BODY = """
<p>Il progetto RE.T.I. - Rete Territoriale per l'Integrazione, finanziato dal Fondo Asilo,
Migrazione e Integrazione (FAMI) 2014-2020, ha messo in rete quindici enti pubblici e privati
della provincia. L'Istituto Scolastico ISA 1 guida i partner pubblici, la Coop. Soc. Mondo
Aperto quelli privati.</p>
<p>Il primo risultato condiviso sarà un Vademecum che descrive che cosa fa ciascun ente, per
rendere più semplice a chi lavora con l'utenza straniera trovare l'ufficio giusto.</p>
"""

MEETING_BODY = """
<p>Il 15 febbraio 2023 il Consiglio si è riunito in Prefettura con tutti i partner del
progetto RE.T.I. per fare il punto sulle attività. La Prefettura ha proposto di sottoscrivere
un documento d'intesa che renda stabile la collaborazione e ha annunciato un Tavolo tecnico
periodico per seguirne l'attuazione.</p>
"""

CIRCULAR_BODY = """
<p>Con la circolare n. 2649 del 16 aprile 2012 il Ministero dell'Interno ha chiesto alle
Prefetture di far conoscere, attraverso i Consigli Territoriali, il portale nazionale che
mappa i servizi per i cittadini stranieri (lingua, lavoro, casa, salute, minori, mediazione)
e di segnalare le buone pratiche del territorio.</p>
"""

ACCESSIBILITY_BODY = """
<p>La Prefettura si impegna a rendere questo sito accessibile secondo la normativa vigente
(WCAG 2.1 livello AA). Se incontri un ostacolo nella consultazione, scrivi alla segreteria del
Consiglio indicando la pagina e il problema: ti risponderemo entro trenta giorni.</p>
"""

PRIVACY_BODY = """
<p>Questo sito usa solo cookie tecnici: uno per la sessione di chi accede all'area riservata,
uno per la protezione dei moduli e uno per la lingua scelta. Non usa cookie di profilazione né
strumenti di tracciamento di terze parti.</p>
<p>I dati degli utenti dell'area riservata sono trattati dalla Prefettura al solo fine di
consentire la collaborazione tra gli enti della rete.</p>
"""

# path, type, title, description, state, body, exclude_from_nav
SITE = (
    (
        "/",
        "folder",
        "Consiglio Territoriale per l'Immigrazione",
        "Il luogo d'incontro tra la Prefettura e gli enti del territorio che lavorano per "
        "l'integrazione dei cittadini stranieri.",
        "published",
        HOME_BODY,
        False,
    ),
    (
        "/area-riservata/",
        "folder",
        "Area riservata",
        "Documenti e lavori in corso degli enti della rete.",
        "internal",
        "",
        False,
    ),
    (
        "/accessibilita/",
        "page",
        "Dichiarazione di accessibilità",
        "",
        "published",
        ACCESSIBILITY_BODY,
        True,
    ),
    ("/privacy/", "page", "Informativa sulla privacy", "", "published", PRIVACY_BODY, True),
)

DEMO_SITE = (
    (
        "/il-consiglio/",
        "page",
        "Il Consiglio",
        "Composizione e compiti del Consiglio Territoriale per l'Immigrazione.",
        "published",
        CONSIGLIO_BODY,
        False,
    ),
    (
        "/progetto-reti/",
        "page",
        "Il progetto RE.T.I.",
        "La rete territoriale per l'integrazione e i suoi partner.",
        "published",
        RETI_BODY,
        False,
    ),
    ("/notizie/", "folder", "Notizie", "Le notizie del Consiglio.", "published", "", False),
    (
        "/notizie/riunione-15-febbraio-2023/",
        "page",
        "Riunione del Consiglio del 15 febbraio 2023",
        "Il punto sul progetto RE.T.I. e la proposta di un documento d'intesa.",
        "published",
        MEETING_BODY,
        False,
    ),
    ("/normativa/", "folder", "Normativa", "Leggi, decreti e circolari.", "published", "", False),
    (
        "/normativa/circolare-2649-2012/",
        "page",
        "Circolare del Ministero dell'Interno n. 2649 del 16 aprile 2012",
        "Il portale nazionale dei servizi per l'integrazione.",
        "published",
        CIRCULAR_BODY,
        False,
    ),
    (
        "/area-riservata/documenti/",
        "folder",
        "Documenti",
        "Documenti fatti circolare tra gli enti.",
        "internal",
        "",
        False,
    ),
    (
        "/area-riservata/tavolo-tecnico/",
        "folder",
        "Tavolo tecnico",
        "Convocazioni, ordini del giorno e verbali.",
        "internal",
        "",
        False,
    ),
    (
        "/area-riservata/vademecum/",
        "folder",
        "Vademecum",
        "Le competenze e i ruoli di ciascun ente.",
        "internal",
        "",
        False,
    ),
    (
        "/area-riservata/archivio/",
        "folder",
        "Archivio della Prefettura",
        "Atti conservati dalla Prefettura: visibili solo a chi è autorizzato.",
        "private",
        "",
        False,
    ),
)


def _parent_path(path: str) -> str:
    return path[: path.rstrip("/").rfind("/") + 1]


def _ensure_nodes(dbsession, entries, owner_id=None) -> list[str]:
    service = ContentService(dbsession)
    report = []
    for path, type_name, title, description, state, body, hidden in entries:
        if service.by_path(path) is not None:
            continue
        parent = None if path == "/" else service.by_path(_parent_path(path))
        name = "" if parent is None else path.rstrip("/").rsplit("/", 1)[-1]
        service.create(
            parent,
            type_name,
            name,
            title,
            description=description,
            state=state,
            body=body.strip(),
            owner_id=owner_id,
            exclude_from_nav=hidden,
        )
        report.append(f"created {type_name} {path}")
    return report


def load_site(dbsession) -> list[str]:
    """The home page, the reserved area and the legal pages every site needs."""
    return _ensure_nodes(dbsession, SITE)


def _ensure_organisation(dbsession, spec: DemoOrganisation, report) -> Organisation:
    org = dbsession.scalars(select(Organisation).where(Organisation.name == spec.name)).first()
    if org is None:
        slug = spec.name.lower().replace(" ", "").replace(".", "").replace("'", "")[:24]
        org = Organisation(
            name=spec.name,
            kind=spec.kind,
            lead_partner=spec.lead_partner,
            email=f"{slug}@example.it",
            pec=f"{slug}@pec.example.it",
            website=spec.website,
        )
        dbsession.add(org)
        dbsession.flush()
        report.append(f"created organisation {spec.name}")
    return org


def _ensure_user(dbsession, spec: DemoUser, organisations, report) -> User:
    user = dbsession.scalars(select(User).where(User.login == spec.login)).first()
    if user is not None:
        return user
    user = User(
        login=spec.login,
        fullname=spec.fullname,
        email=f"{spec.login}@example.it",
        password_hash=hash_password(DEMO_PASSWORD),
        active=True,
    )
    dbsession.add(user)
    dbsession.flush()
    if spec.organisation:
        dbsession.add(
            Membership(
                user_id=user.id,
                organisation_id=organisations[spec.organisation].id,
                function=spec.function,
                signatory=spec.signatory,
            )
        )
    for role in spec.global_roles:
        dbsession.add(GlobalRole(user_id=user.id, role=role))
    report.append(f"created user {spec.login}")
    return user


def load_demo_network(dbsession) -> list[str]:
    report: list[str] = []
    organisations = {
        spec.name: _ensure_organisation(dbsession, spec, report) for spec in ORGANISATIONS
    }
    users = {spec.login: _ensure_user(dbsession, spec, organisations, report) for spec in USERS}
    report += _ensure_nodes(dbsession, DEMO_SITE, owner_id=users["prefettura"].id)

    # The prefecture's staff edit the whole reserved area.
    reserved = ContentService(dbsession).by_path("/area-riservata/")
    prefecture = organisations[PREFECTURE]
    granted = dbsession.scalars(
        select(LocalRole).where(
            LocalRole.node_id == reserved.id,
            LocalRole.organisation_id == prefecture.id,
            LocalRole.role == EDITOR,
        )
    ).first()
    if granted is None:
        dbsession.add(LocalRole(node_id=reserved.id, organisation_id=prefecture.id, role=EDITOR))
        report.append("granted Editor on /area-riservata/ to the Prefettura della Spezia")
    dbsession.flush()
    return report
