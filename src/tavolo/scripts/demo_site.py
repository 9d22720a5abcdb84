"""The demo site's content: one real-looking example of every type.

Facts from the project's sources (the CTI's tasks, the RE.T.I. partners, the meeting of
15 February 2023, circular n. 2649 of 16 April 2012); texts in our own words. Public and
reserved examples alike, so that every permission path has something to show.
"""

from __future__ import annotations

import datetime as dt
import struct
import zlib
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

ROME = ZoneInfo("Europe/Rome")

CIRCULAR_URN = (
    "urn:nir:ministero.interno;dipartimento.liberta.civili.immigrazione;"
    "direzione.centrale.politiche.immigrazione.asilo:circolare:2012-04-16;2649"
)


@dataclass(frozen=True)
class DemoNode:
    path: str
    type: str
    title: str
    description: str = ""
    state: str = "published"
    fields: dict = field(default_factory=dict)
    exclude_from_nav: bool = False
    tags: tuple[str, ...] = ()
    responsible: str | None = None  # an organisation's name
    # The path of an image node shown with a news item (created earlier in the list).
    image: str | None = None


def rome(year, month, day, hour=0, minute=0) -> dt.datetime:
    """A time on the prefecture's clock, as the aware UTC value the database keeps."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=ROME).astimezone(dt.UTC)


def tiny_pdf(title: str, lines: list[str]) -> bytes:
    """A small, valid one-page PDF (no dependency needed to make demo attachments)."""

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    commands = ["BT", "/F1 16 Tf", "72 760 Td", f"({escape(title)}) Tj", "/F1 11 Tf"]
    for line in lines:
        commands += ["0 -22 Td", f"({escape(line)}) Tj"]
    commands.append("ET")
    stream = "\n".join(commands).encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


def tiny_png(width: int, height: int) -> bytes:
    """A small, valid PNG: a blue banner with a lighter band (no imaging library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    dark, light = bytes((0x00, 0x66, 0xCC)), bytes((0x99, 0xC2, 0xEB))
    rows = b"".join(
        b"\x00" + (light if height // 3 <= y < height // 2 else dark) * width for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def png_fields(filename: str, width: int, height: int) -> dict:
    """An upload for the content service: inspected and put in the blob store like any
    other (its size and type come from the inspection)."""
    return {"upload": {"filename": filename, "data": tiny_png(width, height)}}


def pdf_fields(filename: str, title: str, lines: list[str]) -> dict:
    return {"upload": {"filename": filename, "data": tiny_pdf(title, lines)}}


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

VADEMECUM_NEWS_BODY = """
<p>Gli enti della rete hanno cominciato a descrivere le proprie competenze nel Vademecum:
ogni ente cura la propria sezione, la Prefettura la verifica e la pubblica. Il documento
servirà agli operatori per indirizzare subito le persone all'ufficio competente.</p>
"""

EVENT_MEETING_BODY = """
<p>Riunione plenaria del Consiglio Territoriale per l'Immigrazione con i partner del
progetto RE.T.I.: stato delle attività e proposta di un documento d'intesa.</p>
"""

EVENT_TRAINING_BODY = """
<p>Mattinata di aggiornamento per gli operatori degli sportelli comunali, dei servizi
sanitari e dei centri per l'impiego sulle novità in materia di permessi di soggiorno.</p>
"""

TAVOLO_BODY = """
<p>Ordine del giorno: stato delle sezioni del Vademecum; calendario delle firme del documento
d'intesa; varie ed eventuali.</p>
"""

QUESTIONS = (
    (
        "iscrizione-servizio-sanitario",
        "Come si iscrive al Servizio sanitario un cittadino straniero con permesso di lavoro?",
        "salute",
        "<p>Con il permesso di soggiorno per lavoro l'iscrizione al Servizio sanitario è "
        "obbligatoria e gratuita: si fa presso il distretto socio-sanitario di residenza "
        "presentando il permesso, il codice fiscale e un documento d'identità.</p>",
    ),
    (
        "iscrizione-scuola-anno-in-corso",
        "Un minore arrivato ad anno scolastico iniziato può iscriversi a scuola?",
        "scuola",
        "<p>Sì: il diritto all'istruzione vale in qualunque momento dell'anno e "
        "indipendentemente dalla posizione dei genitori. La scuola valuta la classe adatta con "
        "l'aiuto del Centro Provinciale Istruzione Adulti per la lingua italiana.</p>",
    ),
    (
        "centro-impiego-documenti",
        "Quali documenti servono per iscriversi al Centro per l'Impiego?",
        "lavoro",
        "<p>Un documento d'identità, il permesso di soggiorno in corso di validità (o la "
        "ricevuta della richiesta di rinnovo) e il codice fiscale.</p>",
    ),
)


def site_nodes() -> list[DemoNode]:
    """What every site has: the home page, the reserved area, the legal pages."""
    return [
        DemoNode(
            "/",
            "folder",
            "Consiglio Territoriale per l'Immigrazione",
            "Il luogo d'incontro tra la Prefettura e gli enti del territorio che lavorano per "
            "l'integrazione dei cittadini stranieri.",
            fields={"body": HOME_BODY},
        ),
        DemoNode(
            "/area-riservata/",
            "folder",
            "Area riservata",
            "Documenti e lavori in corso degli enti della rete.",
            state="internal",
        ),
        DemoNode(
            "/accessibilita/",
            "page",
            "Dichiarazione di accessibilità",
            fields={"body": ACCESSIBILITY_BODY},
            exclude_from_nav=True,
        ),
        DemoNode(
            "/privacy/",
            "page",
            "Informativa sulla privacy",
            fields={"body": PRIVACY_BODY},
            exclude_from_nav=True,
        ),
    ]


def demo_nodes(today: dt.date) -> list[DemoNode]:
    """The demo network's content; ``today`` places the upcoming events."""
    soon = today + dt.timedelta(days=21)
    later = today + dt.timedelta(days=45)
    prefecture = "Prefettura della Spezia"
    return [
        DemoNode(
            "/il-consiglio/",
            "page",
            "Il Consiglio",
            "Composizione e compiti del Consiglio Territoriale per l'Immigrazione.",
            fields={"body": CONSIGLIO_BODY},
            responsible=prefecture,
        ),
        DemoNode(
            "/progetto-reti/",
            "page",
            "Il progetto RE.T.I.",
            "La rete territoriale per l'integrazione e i suoi partner.",
            fields={"body": RETI_BODY},
            tags=("RE.T.I.", "FAMI"),
        ),
        DemoNode(
            "/notizie/",
            "folder",
            "Notizie",
            "Le notizie del Consiglio.",
            fields={"layout": "news"},
        ),
        DemoNode(
            "/notizie/riunione-consiglio.png/",
            "image",
            "Riunione del Consiglio in Prefettura",
            "Immagine di copertina della notizia sulla riunione del 15 febbraio 2023.",
            fields=png_fields("riunione-consiglio.png", 480, 270),
        ),
        DemoNode(
            "/notizie/riunione-15-febbraio-2023/",
            "news",
            "Riunione del Consiglio del 15 febbraio 2023",
            "Il punto sul progetto RE.T.I. e la proposta di un documento d'intesa.",
            fields={
                "lead": "La Prefettura propone ai partner un documento d'intesa e un Tavolo "
                "tecnico periodico.",
                "body": MEETING_BODY,
                "effective": rome(2023, 2, 16, 9, 0),
            },
            tags=("RE.T.I.", "documento d'intesa"),
            responsible=prefecture,
            image="/notizie/riunione-consiglio.png/",
        ),
        DemoNode(
            "/notizie/al-via-il-vademecum/",
            "news",
            "Al via il Vademecum degli enti della rete",
            "Ogni ente descrive le proprie competenze; la Prefettura pubblica il risultato.",
            fields={
                "lead": "Una guida comune per accorciare la distanza tra uffici e utenza.",
                "body": VADEMECUM_NEWS_BODY,
                "effective": rome(2023, 3, 20, 9, 0),
            },
            tags=("Vademecum",),
            responsible=prefecture,
        ),
        # Waiting in the reviewers' worklist ("Da revisionare"): a partner's news item.
        DemoNode(
            "/notizie/sportello-mediazione-culturale/",
            "news",
            "Uno sportello di mediazione culturale negli uffici comunali",
            "Due mattine a settimana, su appuntamento, con mediatori di quattro lingue.",
            state="pending",
            fields={
                "lead": "Il servizio accompagna i cittadini stranieri agli sportelli anagrafe "
                "e servizi sociali.",
                "body": "<p>Da gennaio i mediatori della rete affiancano gli operatori "
                "comunali il martedì e il giovedì mattina. Si prenota per telefono o per "
                "e-mail.</p>",
            },
            tags=("Mediazione",),
            responsible="Comune della Spezia",
        ),
        DemoNode(
            "/eventi/",
            "folder",
            "Eventi",
            "L'agenda del Consiglio e della rete.",
            fields={"layout": "agenda"},
        ),
        DemoNode(
            "/eventi/consiglio-15-febbraio-2023/",
            "event",
            "Riunione del Consiglio Territoriale per l'Immigrazione",
            "Plenaria con i partner del progetto RE.T.I.",
            fields={
                "start": rome(2023, 2, 15, 10, 0),
                "end": rome(2023, 2, 15, 12, 30),
                "location": "Prefettura della Spezia, sala riunioni",
                "organiser": prefecture,
                "contact_name": "Segreteria del CTI",
                "contact_email": "immigrazione.pref_laspezia@example.it",
                "body": EVENT_MEETING_BODY,
            },
        ),
        DemoNode(
            "/eventi/aggiornamento-operatori/",
            "event",
            "Aggiornamento per gli operatori degli sportelli",
            "Le novità sui permessi di soggiorno spiegate a chi lavora agli sportelli.",
            fields={
                "start": rome(soon.year, soon.month, soon.day, 9, 30),
                "end": rome(soon.year, soon.month, soon.day, 13, 0),
                "location": "Comune della Spezia, sala consiliare",
                "organiser": prefecture,
                "contact_name": "Segreteria del CTI",
                "contact_email": "immigrazione.pref_laspezia@example.it",
                "body": EVENT_TRAINING_BODY,
            },
            tags=("formazione",),
        ),
        DemoNode("/normativa/", "folder", "Normativa", "Leggi, decreti e circolari."),
        DemoNode(
            "/normativa/circolare-2649-2012/",
            "legislation",
            "Circolare del Ministero dell'Interno n. 2649 del 16 aprile 2012",
            "Il portale nazionale dei servizi per l'integrazione.",
            fields={
                "act_type": "circolare",
                "number": "2649",
                "act_date": dt.date(2012, 4, 16),
                "issuing_body": "Ministero dell'Interno - Dipartimento per le libertà civili "
                "e l'immigrazione",
                "urn": CIRCULAR_URN,
                "body": CIRCULAR_BODY,
            },
            tags=("portale integrazione",),
        ),
        DemoNode(
            "/normativa/circolare-2649-2012/sintesi-circolare-2649.pdf/",
            "file",
            "Sintesi della circolare n. 2649/2012",
            "Una pagina per gli operatori.",
            fields=pdf_fields(
                "sintesi-circolare-2649.pdf",
                "Circolare n. 2649 del 16 aprile 2012 - sintesi",
                [
                    "Le Prefetture fanno conoscere il portale nazionale dei servizi.",
                    "I Consigli Territoriali segnalano le buone pratiche del territorio.",
                ],
            ),
        ),
        DemoNode(
            "/normativa/portale-integrazione-migranti/",
            "link",
            "Portale Integrazione Migranti",
            "Il portale nazionale dei servizi per l'integrazione.",
            fields={"url": "https://www.integrazionemigranti.gov.it/"},
        ),
        # A saved search (tavolo.search): whatever legislation the reader may see, today.
        DemoNode(
            "/normativa/raccolta-circolari/",
            "collection",
            "Raccolta: le circolari",
            "Tutte le circolari pubblicate, dalla più recente: l'elenco si aggiorna da sé.",
            fields={"search_words": "circolare", "filter_type": "legislation", "sort": "date"},
        ),
        DemoNode(
            "/domande-e-risposte/",
            "folder",
            "Domande e risposte",
            "Le risposte alle domande più frequenti degli operatori.",
        ),
        *(
            DemoNode(
                f"/domande-e-risposte/{name}/",
                "question",
                title,
                fields={"question": title, "answer": answer, "topic": topic},
                tags=(topic,),
            )
            for name, title, topic, answer in QUESTIONS
        ),
        DemoNode(
            "/area-riservata/documenti/",
            "folder",
            "Documenti",
            "Documenti fatti circolare tra gli enti.",
            state="internal",
        ),
        DemoNode(
            "/area-riservata/documenti/bozza-documento-intesa.pdf/",
            "file",
            "Bozza del documento d'intesa",
            "Il testo proposto dalla Prefettura, da discutere nel Tavolo tecnico.",
            state="internal",
            fields=pdf_fields(
                "bozza-documento-intesa.pdf",
                "Documento d'intesa - bozza",
                [
                    "Le parti si impegnano a condividere informazioni e buone pratiche.",
                    "Ogni ente descrive le proprie competenze nel Vademecum.",
                ],
            ),
            responsible=prefecture,
        ),
        DemoNode(
            "/area-riservata/tavolo-tecnico/",
            "folder",
            "Tavolo tecnico",
            "Convocazioni, ordini del giorno e verbali.",
            state="internal",
        ),
        DemoNode(
            "/area-riservata/tavolo-tecnico/riunione-tavolo-tecnico/",
            "event",
            "Riunione del Tavolo tecnico",
            "Convocazione degli enti della rete.",
            state="internal",
            fields={
                "start": rome(later.year, later.month, later.day, 10, 0),
                "end": rome(later.year, later.month, later.day, 12, 0),
                "location": "Prefettura della Spezia",
                "organiser": prefecture,
                "body": TAVOLO_BODY,
            },
            responsible=prefecture,
        ),
        DemoNode(
            "/area-riservata/vademecum/",
            "folder",
            "Vademecum",
            "Le competenze e i ruoli di ciascun ente.",
            state="internal",
        ),
        DemoNode(
            "/area-riservata/archivio/",
            "folder",
            "Archivio della Prefettura",
            "Atti conservati dalla Prefettura: visibili solo a chi è autorizzato.",
            state="private",
        ),
    ]
