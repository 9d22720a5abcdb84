"""Documents for the search benchmark: Italian-looking text about the work of a CTI,
deterministic for a seed, so that the bare Whoosh reference and Tavolo's own index are fed
exactly the same documents.

Word frequencies follow a Zipf-like law (a few words very common, a long tail of rare
ones) as in real text, which is what makes phrase queries on common words slow.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# Words of the domain, most common first (their rank sets their frequency).
VOCABULARY = [
    "il",
    "la",
    "di",
    "e",
    "che",
    "per",
    "del",
    "della",
    "con",
    "non",
    "una",
    "un",
    "in",
    "sono",
    "alla",
    "dei",
    "delle",
    "nel",
    "nella",
    "si",
    "al",
    "le",
    "documento",
    "documenti",
    "documentazione",
    "immigrazione",
    "permesso",
    "soggiorno",
    "prefettura",
    "comune",
    "consiglio",
    "territoriale",
    "tavolo",
    "tecnico",
    "partner",
    "rete",
    "progetto",
    "accoglienza",
    "integrazione",
    "cittadini",
    "stranieri",
    "minori",
    "scuola",
    "scuole",
    "lavoro",
    "salute",
    "servizi",
    "sociali",
    "sportello",
    "mediazione",
    "culturale",
    "lingua",
    "italiana",
    "corso",
    "corsi",
    "formazione",
    "operatori",
    "cooperativa",
    "associazione",
    "sindacato",
    "questura",
    "ufficio",
    "uffici",
    "domanda",
    "domande",
    "rinnovo",
    "rilascio",
    "ricongiungimento",
    "familiare",
    "protezione",
    "internazionale",
    "richiedenti",
    "asilo",
    "titolari",
    "vademecum",
    "intesa",
    "protocollo",
    "riunione",
    "verbale",
    "ordine",
    "giorno",
    "convocazione",
    "approvazione",
    "firma",
    "firmatari",
    "organizzazione",
    "organizzazioni",
    "competenze",
    "ruoli",
    "sezione",
    "sezioni",
    "normativa",
    "circolare",
    "decreto",
    "legge",
    "articolo",
    "comma",
    "regione",
    "provincia",
    "spezia",
    "liguria",
    "sanità",
    "azienda",
    "sanitaria",
    "consultorio",
    "medico",
    "pediatra",
    "vaccinazioni",
    "tessera",
    "iscrizione",
    "residenza",
    "anagrafe",
    "alloggio",
    "casa",
    "abitazione",
    "affitto",
    "contratto",
    "datore",
    "dipendente",
    "orario",
    "apertura",
    "sede",
    "indirizzo",
    "telefono",
    "posta",
    "certificata",
    "modulo",
    "moduli",
    "allegato",
    "allegati",
    "scadenza",
    "termine",
    "proroga",
    "richiesta",
    "risposta",
    "parere",
    "nota",
    "comunicazione",
    "incontro",
    "calendario",
    "evento",
    "eventi",
    "notizia",
    "notizie",
    "archivio",
    "raccolta",
    "ricerca",
]
TYPES = ("page", "news", "file", "legislation", "event", "question")
TAGS = ("lavoro", "minori", "salute", "scuola", "casa", "asilo", "lingua", "normativa")
YEARS = tuple(range(2015, 2027))


@dataclass(frozen=True)
class Document:
    number: int
    title: str
    description: str
    text: str
    type: str
    year: int
    month: int
    tags: tuple[str, ...]
    organisation: int  # an index into the organisations the caller has


SYLLABLES = [
    "ca",
    "ta",
    "ri",
    "no",
    "lo",
    "ma",
    "te",
    "ve",
    "de",
    "si",
    "pe",
    "la",
    "ne",
    "co",
    "ro",
    "fi",
    "to",
    "mi",
    "gu",
    "vo",
    "sa",
    "be",
    "di",
    "ra",
    "li",
    "zo",
]


def vocabulary(size: int, rng: random.Random) -> list[str]:
    """The domain words first, then made-up Italian-looking words: real text has tens of
    thousands of distinct words, and a small vocabulary would make analysis unrealistically
    cheap (every stem cached)."""
    words, seen = list(VOCABULARY), set(VOCABULARY)
    while len(words) < size:
        word = "".join(rng.choices(SYLLABLES, k=rng.randint(2, 5)))
        word += rng.choice(("a", "e", "i", "o", "zione", "mente", "are", "ato"))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def _weights(size: int) -> list[float]:
    return [1.0 / (rank + 1) for rank in range(size)]


def documents(
    count: int, seed: int = 2024, organisations: int = 16, words: int = 375, distinct=20_000
):
    """``count`` documents of about ``words`` words each, drawn from ``distinct`` words."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    lexicon = vocabulary(distinct, rng)
    weights = _weights(len(lexicon))
    for number in range(count):
        body = rng.choices(lexicon, weights, k=words)
        title = " ".join(rng.choices(VOCABULARY[20:], k=6)).capitalize()
        description = " ".join(rng.choices(lexicon, weights, k=20)).capitalize() + "."
        yield Document(
            number=number,
            title=title,
            description=description,
            text=" ".join(body) + ".",
            type=rng.choice(TYPES),
            year=rng.choice(YEARS),
            month=rng.randint(1, 12),
            tags=tuple(sorted(set(rng.sample(TAGS, rng.randint(0, 3))))),
            organisation=rng.randrange(organisations),
        )
