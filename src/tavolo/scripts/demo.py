"""The site skeleton and the demo network.

The facts (organisations, roles, the meeting of 15 February 2023, the circular of 16 April
2012) come from the project's source pages; the texts are our own. Every function looks
before it creates, so loading twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from tavolo.accounts.models import (
    Group,
    GroupMember,
    Membership,
    Organisation,
    OrganisationKind,
    User,
)
from tavolo.accounts.passwords import hash_password
from tavolo.comments.models import Comment
from tavolo.comments.policy import ENABLED, CommentPolicies
from tavolo.comments.service import CommentService
from tavolo.content.services import ContentService
from tavolo.db import utcnow
from tavolo.files.uploads import Uploads
from tavolo.scripts.demo_site import ROME, demo_nodes, site_nodes
from tavolo.security.models import GlobalRole, LocalRole
from tavolo.security.roles import EDITOR, MANAGER, READER, REVIEWER
from tavolo.workflow.definitions import RESERVED, RESERVED_FOLDER
from tavolo.workflow.engine import ANY_TYPE
from tavolo.workflow.models import WorkflowPolicy

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


@dataclass(frozen=True)
class DemoGroup:
    name: str
    title: str
    organisations: tuple[str, ...]


# Groups of whole organisations: whoever joins one of them later is in the group too.
GROUPS = (
    DemoGroup(
        "tavolo-tecnico",
        "Tavolo tecnico",
        (PREFECTURE, "Istituto Scolastico ISA 1", MONDO_APERTO),
    ),
    DemoGroup("sindacati", "Organizzazioni sindacali", ("CGIL", "CISL", "UIL")),
)


def _parent_path(path: str) -> str:
    return path[: path.rstrip("/").rfind("/") + 1]


def _ensure_nodes(dbsession, nodes, owner_id=None, organisations=None, files=None) -> list[str]:
    service = ContentService(dbsession, files=files)
    report = []
    for spec in nodes:
        if service.by_path(spec.path) is not None:
            continue
        parent = None if spec.path == "/" else service.by_path(_parent_path(spec.path))
        name = "" if parent is None else spec.path.rstrip("/").rsplit("/", 1)[-1]
        fields = {k: v.strip() if isinstance(v, str) else v for k, v in spec.fields.items()}
        responsible = (organisations or {}).get(spec.responsible)
        if spec.image is not None:
            fields["image_id"] = service.by_path(spec.image).id
        node = service.create(
            parent,
            spec.type,
            name,
            spec.title,
            description=spec.description,
            state=spec.state,
            owner_id=owner_id,
            exclude_from_nav=spec.exclude_from_nav,
            responsible_organisation_id=responsible.id if responsible else None,
            **fields,
        )
        node.tags = spec.tags
        report.append(f"created {spec.type} {spec.path}")
    dbsession.flush()
    return report


# The reserved area binds workflows that never publish to the public (placeful policy).
RESERVED_AREA = "/area-riservata/"
RESERVED_AREA_POLICY = {ANY_TYPE: RESERVED, "folder": RESERVED_FOLDER}


def _ensure_reserved_area_policy(dbsession) -> list[str]:
    reserved = ContentService(dbsession).by_path(RESERVED_AREA)
    if reserved is None:
        return []
    report = []
    for type_name, workflow in RESERVED_AREA_POLICY.items():
        if dbsession.get(WorkflowPolicy, (reserved.id, type_name)) is None:
            dbsession.add(
                WorkflowPolicy(node_id=reserved.id, type_name=type_name, workflow=workflow)
            )
            report.append(f"bound workflow {workflow} for {type_name} in {RESERVED_AREA}")
    dbsession.flush()
    return report


def _ensure_reserved_area_comments(dbsession) -> list[str]:
    """Partners discuss what is in the reserved area: comments on for all of it."""
    reserved = ContentService(dbsession).by_path(RESERVED_AREA)
    policies = CommentPolicies(dbsession)
    if reserved is None or policies.own(reserved) != "inherit":
        return []
    policies.set(reserved, ENABLED)
    return [f"enabled comments in {RESERVED_AREA}"]


def load_site(dbsession) -> list[str]:
    """The home page, the reserved area and the legal pages every site needs."""
    report = _ensure_nodes(dbsession, site_nodes())
    return (
        report + _ensure_reserved_area_policy(dbsession) + _ensure_reserved_area_comments(dbsession)
    )


# A short discussion on the draft memorandum: one comment on a passage, a reply, and a
# comment on the whole document.
DISCUSSED = "/area-riservata/documenti/bozza-documento-intesa.pdf/"
DISCUSSION = (
    (
        "comune",
        "da discutere nel Tavolo tecnico",
        "Proponiamo di fissare una data per la discussione: il Comune può ospitare la "
        "riunione nella sala consiliare.",
    ),
    (
        "prefettura",
        None,  # a reply to the comment above
        "Grazie, la data sarà indicata nella prossima convocazione.",
    ),
    (
        "mondoaperto",
        "",
        "Nel testo mancano gli sportelli gestiti dal privato sociale: li aggiungiamo noi "
        "nella nostra sezione del Vademecum?",
    ),
)


def _ensure_demo_comments(dbsession, users) -> list[str]:
    node = ContentService(dbsession).by_path(DISCUSSED)
    if node is None or dbsession.scalar(select(Comment.id).where(Comment.node_id == node.id)):
        return []
    service = CommentService(dbsession)
    previous = None
    for login, quote, text in DISCUSSION:
        parent = previous if quote is None else None
        previous = service.post(node, users[login], text, quote or "", parent=parent)
    return [f"wrote {len(DISCUSSION)} demo comments on {DISCUSSED}"]


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


def _ensure_group(dbsession, spec: DemoGroup, organisations, report) -> Group:
    group = dbsession.scalars(select(Group).where(Group.name == spec.name)).first()
    if group is not None:
        return group
    group = Group(name=spec.name, title=spec.title)
    dbsession.add(group)
    dbsession.flush()
    for name in spec.organisations:
        dbsession.add(GroupMember(group_id=group.id, organisation_id=organisations[name].id))
    report.append(f"created group {spec.title}")
    return group


def load_demo_network(dbsession, files: Uploads) -> list[str]:
    """The demo network; its attachments go into the blob store through ``files``
    (``Uploads(BlobStore.from_settings(settings))``)."""
    report: list[str] = []
    organisations = {
        spec.name: _ensure_organisation(dbsession, spec, report) for spec in ORGANISATIONS
    }
    users = {spec.login: _ensure_user(dbsession, spec, organisations, report) for spec in USERS}
    for spec in GROUPS:
        _ensure_group(dbsession, spec, organisations, report)
    report += _ensure_nodes(
        dbsession,
        demo_nodes(utcnow().astimezone(ROME).date()),
        owner_id=users["prefettura"].id,
        organisations=organisations,
        files=files,
    )

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
    report += _ensure_demo_comments(dbsession, users)
    # The Vademecum, with sections in every state (tavolo.vademecum.demo).
    from tavolo.vademecum.demo import load_demo_vademecum

    report += load_demo_vademecum(dbsession, users, organisations)
    return report
