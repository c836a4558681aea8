"""How search reads a query: the words that matter, its language, and the needs it names.

People type what a participant said ("I lost my job and need to find work", "necesito un lugar para
dormir"), not keywords. Both backends (search/backends/) search what ``understand`` makes of the text:

1. Words: the text's words in lower case with their accents folded, so accents are optional
   ("guarderia" is "guardería").
2. Language: Spanish when the text holds more Spanish markers (function and help-seeking words only
   Spanish has, accented letters, ¿ ¡) than English ones, English when fewer, undecided when as many
   (a single keyword, most often).
3. Content words: the query's words less the function words of its language (whoosh.lang's stop lists;
   both languages' when undecided) and less the help-seeking filler of either language (FILLER_WORDS).
   Those are not required to match and are not searched. When nothing is left ("help"), every word is
   a content word.
4. Each content word is searched in the English fields with its English stem (Porter, as they are
   analysed), and, unless the query is English, in the Spanish fields with its Spanish stem (Snowball
   Spanish, as they are: ``Understood.spanish``); and as a compound: "childcare" also matches "child" and
   "care" together, and the words "child care" also match "childcare" (``Understood.joined``,
   ``Word.splits``), so compound and split spellings meet.
5. Needs: everyday phrasings name categories and populations through the taxonomy, data the network
   edits: a term's name and ``synonyms`` in English, its ``name_es`` and ``synonyms_es`` in Spanish, each
   phrase analysed as in 3 and 4. A phrase is named when all its content stems are among the query's, in
   any order, in the query's language (either when undecided). A named category's services (its
   children's too, as the category filter), and a named population's, meet the need, and the query words
   the phrase covered count as matched for them (search.candidates.Candidates.coverage): "mi esposo me
   pega" names survivors of domestic violence, a population, not a category.

The lists below are data, in one place: extend them rather than special-casing a query.
"""

import itertools
import re
import threading
import unicodedata
from dataclasses import dataclass

from django.db import connection
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.analysis.filters import STOP_WORDS
from whoosh.lang import stemmer_for_language, stopwords_for_language
from whoosh.support.charset import accent_map

from providers.models import TaxonomyTerm

# The documents' filter fields a need's code is looked up in (search.documents: a service's categories with
# their ancestors, its populations).
CATEGORIES = "categories"
POPULATIONS = "populations"
ENGLISH = "en"
SPANISH = "es"
UNDECIDED = ""


def fold(text: str) -> str:
    """Return the text in lower case without accents ("Guardería" → "guarderia"); ñ becomes n, as
    Whoosh's accent map folds it."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


# Words people write around a need when they ask for help, in either language: not the need itself,
# so a query need not match them ("I need help finding a place to sleep" is "sleep"). Folded spellings.
FILLER_WORDS = {
    ENGLISH: frozenset(
        {
            "need",
            "needs",
            "needed",
            "needing",
            "help",
            "helps",
            "helping",
            "helped",
            "find",
            "finding",
            "look",
            "looking",
            "search",
            "searching",
            "want",
            "wants",
            "wanted",
            "get",
            "getting",
            "got",
            "go",
            "going",
            "goes",
            "went",
            "please",
            "can",
            "could",
            "would",
            "someone",
            "somebody",
            "anyone",
            "anybody",
            "something",
            "somewhere",
            "place",
            "places",
            "hi",
            "hello",
            "thanks",
            "thank",
            "im",
            "ive",
            # What is left of a contraction ("won't": "won" and "t"), when it is not a stop word already.
            "won",
            "wont",
            "cant",
            "dont",
        }
    ),
    SPANISH: frozenset(
        {
            "necesito",
            "necesita",
            "necesitamos",
            "necesitan",
            "necesitar",
            "ayuda",
            "ayudas",
            "ayudar",
            "ayudame",
            "ayudeme",
            "buscar",
            "busco",
            "buscando",
            "quiero",
            "quiere",
            "queremos",
            "quisiera",
            "favor",
            "puedo",
            "puede",
            "pueden",
            "podria",
            "alguien",
            "algun",
            "alguna",
            "lugar",
            "sitio",
            "hola",
            "gracias",
        }
    ),
}
# Function words (articles, pronouns, prepositions, auxiliaries): whoosh.lang's stop lists, folded.
FUNCTION_WORDS = {
    ENGLISH: frozenset(fold(word) for word in stopwords_for_language(ENGLISH)),
    SPANISH: frozenset(fold(word) for word in stopwords_for_language(SPANISH)),
}
# Words that mark a language but are not stop words of the other: "el", "para", "mi" say Spanish, "the"
# says English; words in both lists ("a", "he", "me", "no") say neither.
MARKERS = {
    ENGLISH: (FUNCTION_WORDS[ENGLISH] | FILLER_WORDS[ENGLISH]) - FUNCTION_WORDS[SPANISH] - FILLER_WORDS[SPANISH],
    SPANISH: (FUNCTION_WORDS[SPANISH] | FILLER_WORDS[SPANISH]) - FUNCTION_WORDS[ENGLISH] - FILLER_WORDS[ENGLISH],
}
SPANISH_LETTERS = re.compile("[ñáéíóúü¿¡]")
WORD = re.compile(r"\w+")
# Compounds: a word this long may be two words written together, each at least SPLIT_PART letters.
SPLIT_FROM = 7
SPLIT_PART = 3

# How the index analyses text (search/backends/whoosh/index.py's fields; the PostgreSQL backend stores
# the Spanish stems these make): English as Whoosh's StemmingAnalyzer does, with accents folded; Spanish
# folded, without its function words, with the Snowball Spanish stemmer. Folding comes before stemming,
# so that a word with or without its accents has one stem.
ENGLISH_ANALYZER = (
    RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map) | StopFilter(stoplist=STOP_WORDS) | StemFilter()
)
SPANISH_ANALYZER = (
    RegexTokenizer()
    | LowercaseFilter()
    | CharsetFilter(accent_map)
    | StopFilter(stoplist=FUNCTION_WORDS[SPANISH])
    | StemFilter(lang=SPANISH)
)
_spanish_stem = stemmer_for_language(SPANISH)


def english_stem(word: str) -> str:
    """Return a folded word as the index's English fields hold it ("" for one of Whoosh's stop words)."""
    return next((token.text for token in ENGLISH_ANALYZER(word)), "")


def spanish_stem(word: str) -> str:
    """Return a folded word as the index's Spanish fields hold it (stop words too: a query's word is
    stemmed whatever it is)."""
    return _spanish_stem(word)


def spanish_terms(text: str) -> list[str]:
    """Return the terms the Spanish fields hold for a text (the PostgreSQL backend stores them as they are)."""
    return [token.text for token in SPANISH_ANALYZER(text)]


@dataclass(frozen=True)
class Word:
    """A content word of the query: as typed (folded), and the forms it is searched in."""

    text: str
    english: str  # the English stem ("" for one of Whoosh's English stop words)
    spanish: str  # the Spanish stem
    splits: tuple[tuple[str, str], ...]  # two words it may be written as ("healthcare": ("health", "care"), ...)


@dataclass(frozen=True)
class Need:
    """A category (or population) the query names, and which of its content words (positions) the phrases
    covered. ``field``: the documents' filter field that holds the code (categories, populations)."""

    code: str
    words: frozenset[int]
    field: str = CATEGORIES


@dataclass(frozen=True)
class Understood:
    """What a query asks for: its language, the content words every result is measured by, the words
    written apart that may be one ("child care": (0, "childcare")), and the needs it names."""

    language: str
    words: tuple[Word, ...]
    joined: tuple[tuple[int, str], ...]  # (position of the first word, the two written together)
    needs: tuple[Need, ...]

    @property
    def populations(self) -> frozenset[str]:
        """The codes of the populations the query names ("mi esposo me pega": survivors of domestic violence)."""
        return frozenset(need.code for need in self.needs if need.field == POPULATIONS)

    @property
    def spanish(self) -> bool:
        """Whether the Spanish fields are searched too (with the words' Spanish stems): for a query in
        Spanish or undecided. English fields are always searched, with the English stems: a Spanish
        query finds English listings, and the category names in both languages."""
        return self.language != ENGLISH


NOTHING = Understood(UNDECIDED, (), (), ())


def language_of(words: list[str], text: str) -> str:
    """Return ENGLISH, SPANISH or UNDECIDED for these folded words of ``text`` (see the module's docstring)."""
    spanish = sum(word in MARKERS[SPANISH] for word in words) + len(SPANISH_LETTERS.findall(text.lower()))
    english = sum(word in MARKERS[ENGLISH] for word in words)
    if spanish > english:
        return SPANISH
    if english > spanish:
        return ENGLISH
    return UNDECIDED


def languages(language: str) -> tuple[str, ...]:
    return (ENGLISH, SPANISH) if language == UNDECIDED else (language,)


def content_positions(words: list[str], language: str) -> list[int]:
    """Return the positions of the words that matter: not function words of ``language`` (both when
    undecided), not filler of either language; every word when none is left."""
    dropped = FILLER_WORDS[ENGLISH] | FILLER_WORDS[SPANISH]
    for code in languages(language):
        dropped = dropped | FUNCTION_WORDS[code]
    kept = [position for position, word in enumerate(words) if word not in dropped]
    return kept or list(range(len(words)))


def words_that_matter(text: str) -> list[str]:
    """Return the text's words that are searched (its content words, folded, as ``understand`` reads them; no
    query): what the bound on a query's words counts, so that a sentence is not refused for its filler."""
    folded = WORD.findall(fold(text))
    if not folded:
        return []
    return [folded[position] for position in content_positions(folded, language_of(folded, text))]


def understand(text: str) -> Understood:
    """Return what the text asks for (a query to read the taxonomy's phrases, kept while they are unchanged)."""
    folded = WORD.findall(fold(text))
    if not folded:
        return NOTHING
    language = language_of(folded, text)
    positions = content_positions(folded, language)
    words = tuple(
        Word(
            folded[position], english_stem(folded[position]), spanish_stem(folded[position]), _splits(folded[position])
        )
        for position in positions
    )
    joined = tuple(
        (number, folded[position] + folded[following])
        for number, (position, following) in enumerate(itertools.pairwise(positions))
        if following == position + 1
    )
    return Understood(language, words, joined, intents().named(words, language))


def _splits(word: str) -> tuple[tuple[str, str], ...]:
    """Return the ways to cut a word into two that could each be a word (no function words)."""
    if len(word) < SPLIT_FROM or not word.isalpha():
        return ()
    common = FUNCTION_WORDS[ENGLISH] | FUNCTION_WORDS[SPANISH]
    return tuple(
        (word[:cut], word[cut:])
        for cut in range(SPLIT_PART, len(word) - SPLIT_PART + 1)
        if word[:cut] not in common and word[cut:] not in common
    )


# --- Needs: the taxonomy's phrases ------------------------------------------------------------------


def phrase_stems(phrase: str, language: str) -> frozenset[str]:
    """Return the content stems of a phrase of the taxonomy in its language: what a query must hold to name it."""
    folded = WORD.findall(fold(phrase))
    dropped = FILLER_WORDS[ENGLISH] | FILLER_WORDS[SPANISH] | FUNCTION_WORDS[language]
    stem = english_stem if language == ENGLISH else spanish_stem
    return frozenset(filter(None, (stem(word) for word in folded if word not in dropped)))


class Intents:
    """Every category's and population's phrases as content stems, in each language, from the taxonomies' rows
    (field, code, name, name_es, synonyms, synonyms_es)."""

    def __init__(self, rows: tuple, version: tuple | None = None) -> None:
        self.version = version  # the taxonomy's (term count, last modified) when read
        self.phrases: dict[str, list[tuple[frozenset[str], tuple[str, str]]]] = {ENGLISH: [], SPANISH: []}
        # Each stem's phrases (positions in ``phrases``): a query checks only those holding one of its stems.
        self.holding: dict[str, dict[str, list[int]]] = {ENGLISH: {}, SPANISH: {}}
        for field, code, name, name_es, synonyms, synonyms_es in rows:
            for language, texts in (
                (ENGLISH, [name, *synonyms.split(",")]),
                (SPANISH, [name_es, *synonyms_es.split(",")]),
            ):
                for text in texts:
                    stems = phrase_stems(text, language)
                    if stems:
                        for stem in stems:
                            self.holding[language].setdefault(stem, []).append(len(self.phrases[language]))
                        self.phrases[language].append((stems, (field, code)))

    def named(self, words: tuple[Word, ...], language: str) -> tuple[Need, ...]:
        """Return the categories whose phrases the words hold (in the query's language), each with the
        positions of the words its phrases covered; in the taxonomy's order."""
        covered: dict[tuple[str, str], set[int]] = {}
        for code in languages(language):
            stems = [word.english if code == ENGLISH else word.spanish for word in words]
            present = set(stems)
            holding = self.holding[code]
            candidates = sorted({number for stem in present for number in holding.get(stem, ())})
            for phrase, named in (self.phrases[code][number] for number in candidates):
                if phrase <= present:
                    covered.setdefault(named, set()).update(
                        position for position, stem in enumerate(stems) if stem in phrase
                    )
        return tuple(Need(code, frozenset(positions), field) for (field, code), positions in covered.items())


_intents: dict = {"intents": Intents(())}
_intents_lock = threading.Lock()


def intents() -> Intents:
    """Return the categories' phrases, read and analysed again only when the taxonomy changed.

    A cheap query each time (the count of terms and the last change: any process sees an edit in the
    admin at its next search); the phrases themselves are read and analysed once per change.
    """
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*), max(modified_at) FROM {TaxonomyTerm._meta.db_table}")
        version = tuple(cursor.fetchone())
    held = _intents["intents"]
    if held.version != version:
        fields = ("code", "name", "name_es", "synonyms", "synonyms_es")
        categories = TaxonomyTerm.objects.categories().order_by("code").values_list(*fields)
        populations = TaxonomyTerm.objects.populations().order_by("code").values_list(*fields)
        rows = tuple((CATEGORIES, *row) for row in categories) + tuple((POPULATIONS, *row) for row in populations)
        with _intents_lock:
            held = _intents["intents"] = Intents(rows, version)
    return held
