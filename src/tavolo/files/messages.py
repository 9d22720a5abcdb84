"""Why an upload was refused, in the user's words: every message in one place.

Each message says what is wrong and what to do. They are Italian translation strings of
the ``tavolo`` domain, shown next to the upload field (English in ``locale/en``). ``code``
is for programs (logs, tests, the API), never shown.
"""

from __future__ import annotations

from tavolo.i18n import _

ACCEPTED = "PDF, ODT, ODS, ODP, DOCX, XLSX, PPTX, TXT, CSV, PNG, JPEG, P7M"  # for the messages


class UploadRefused(ValueError):
    """An upload we do not keep. ``message`` is a TranslationString."""

    def __init__(self, code: str, message):
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def text(self) -> str:
        """The message in Italian (the default language), interpolated."""
        return self.message.interpolate()


def megabytes(size: int) -> str:
    """``52428800`` -> ``"50 MB"``; ``1572864`` -> ``"1,5 MB"`` (binary multiples, as the
    site shows sizes)."""
    value = size / (1024 * 1024)
    text = f"{value:.0f}" if value == int(value) else f"{value:.1f}".replace(".", ",")
    return f"{text} MB"


def too_big(limit: int) -> UploadRefused:
    return UploadRefused(
        "too-big",
        _(
            "Il file supera la dimensione massima di ${limit}: riducilo (per esempio "
            "comprimendo le immagini o dividendo il documento) e caricalo di nuovo.",
            mapping={"limit": megabytes(limit)},
        ),
    )


def empty() -> UploadRefused:
    return UploadRefused("empty", _("Il file è vuoto: scegli il file da caricare."))


def not_allowed() -> UploadRefused:
    return UploadRefused(
        "not-allowed",
        _(
            "Questo tipo di file non è ammesso. Si possono caricare documenti e immagini "
            "nei formati ${formats}.",
            mapping={"formats": ACCEPTED},
        ),
    )


def refused_kind(kind: str) -> UploadRefused:
    """A format we recognised and do not accept; each with its own advice."""
    if kind == "markup":
        return UploadRefused(
            "markup",
            _(
                "Le pagine web, le immagini SVG e i file XML non sono ammessi perché "
                "possono contenere codice eseguibile: salva il documento in PDF e "
                "caricalo di nuovo."
            ),
        )
    if kind == "legacy-office":
        return UploadRefused(
            "legacy-office",
            _(
                "I documenti nel vecchio formato di Office (.doc, .xls, .ppt) e quelli "
                "protetti da password non sono ammessi: salva il documento come PDF, "
                "DOCX o ODT, senza password, e caricalo di nuovo."
            ),
        )
    if kind == "other-image":
        return UploadRefused(
            "other-image",
            _(
                "Questo formato di immagine non è ammesso: salva l'immagine come PNG o "
                "JPEG e caricala di nuovo."
            ),
        )
    if kind == "archive":
        return archive()
    if kind == "executable":
        return UploadRefused(
            "executable", _("I programmi non sono ammessi: carica soltanto documenti e immagini.")
        )
    return not_allowed()


def archive() -> UploadRefused:
    return UploadRefused(
        "archive",
        _(
            "Gli archivi compressi (ZIP, RAR, 7z...) non sono ammessi: carica i documenti "
            "uno alla volta."
        ),
    )


def no_extension() -> UploadRefused:
    return UploadRefused(
        "no-extension",
        _(
            "Il nome del file non ha un'estensione che dica il formato (per esempio "
            ".pdf): rinomina il file e caricalo di nuovo."
        ),
    )


def mismatch(extension: str, detected: str) -> UploadRefused:
    return UploadRefused(
        "mismatch",
        _(
            "Il nome del file termina con .${extension}, ma il contenuto è in formato "
            "${detected}: rinomina il file con l'estensione giusta oppure scegli il file "
            "corretto.",
            mapping={"extension": extension, "detected": detected},
        ),
    )


def signed_name() -> UploadRefused:
    return UploadRefused(
        "signed-name",
        _(
            "Il nome di un file firmato deve indicare il formato del documento firmato, "
            "seguito da .p7m (per esempio atto.pdf.p7m): rinomina il file e caricalo di "
            "nuovo."
        ),
    )


def bad_text() -> UploadRefused:
    return UploadRefused(
        "bad-text",
        _(
            "Il file di testo contiene caratteri non validi o dati binari: salvalo come "
            "testo con codifica UTF-8 e caricalo di nuovo."
        ),
    )


def damaged_pdf() -> UploadRefused:
    return UploadRefused(
        "damaged-pdf",
        _(
            "Il PDF è danneggiato o incompleto: salvalo o esportalo di nuovo in PDF e "
            "caricalo ancora."
        ),
    )


def damaged_document() -> UploadRefused:
    return UploadRefused(
        "damaged-document",
        _(
            "Il documento è danneggiato o incompleto: aprilo con il programma con cui è "
            "stato creato, salvalo di nuovo e caricalo ancora."
        ),
    )


def zip_bomb() -> UploadRefused:
    return UploadRefused(
        "zip-bomb",
        _(
            "Il documento contiene troppi dati compressi per essere controllato in "
            "sicurezza: salvalo di nuovo con il programma con cui è stato creato, oppure "
            "caricalo in PDF."
        ),
    )


def unsafe_document() -> UploadRefused:
    return UploadRefused(
        "unsafe-document",
        _(
            "Il documento contiene percorsi o collegamenti non ammessi e potrebbe essere "
            "stato manomesso: salvalo di nuovo con il programma con cui è stato creato, "
            "oppure caricalo in PDF."
        ),
    )


def encrypted_document() -> UploadRefused:
    return UploadRefused(
        "encrypted-document",
        _(
            "Il documento contiene parti cifrate, che non possiamo controllare: salvalo "
            "senza password e caricalo di nuovo."
        ),
    )


def macros() -> UploadRefused:
    return UploadRefused(
        "macros",
        _(
            "Il documento contiene macro o controlli attivi, che non sono ammessi: "
            "salvalo senza macro (per esempio come .docx invece di .docm) e caricalo di "
            "nuovo."
        ),
    )


def too_many_pixels(width: int | None, height: int | None, limit: int) -> UploadRefused:
    millions = f"{limit / 1_000_000:g}".replace(".", ",")
    if width is None or height is None:
        return UploadRefused(
            "too-many-pixels",
            _(
                "L'immagine è troppo grande: al massimo ${limit} milioni di pixel. "
                "Riducila e caricala di nuovo.",
                mapping={"limit": millions},
            ),
        )
    return UploadRefused(
        "too-many-pixels",
        _(
            "L'immagine è troppo grande (${width} × ${height} pixel): al massimo ${limit} "
            "milioni di pixel. Riducila e caricala di nuovo.",
            mapping={"width": width, "height": height, "limit": millions},
        ),
    )


def damaged_image() -> UploadRefused:
    return UploadRefused(
        "damaged-image",
        _(
            "L'immagine è danneggiata o incompleta: aprila, salvala di nuovo come PNG o "
            "JPEG e caricala ancora."
        ),
    )


def not_an_image() -> UploadRefused:
    return UploadRefused(
        "not-an-image",
        _(
            "Un'immagine deve essere in formato PNG o JPEG: salva l'immagine in uno di "
            "questi formati, oppure carica il documento come file."
        ),
    )
