"""Transliteration-aware name keys: romanizations of one Cyrillic or Kazakh name share a key.

Outlets romanize the same person differently (Dmitriyev / Dmitriev, Bilashuly / Bilash,
Atazhurt / Atajurt, Ponomaryov / Ponomarev). `name_key` folds one name token to a key on which
such spellings collide. The rules are data (`_REWRITES` and friends) and each names the spellings
that motivated it; every rule that merges two sounds also merges some different names, so a rule
is here only when `bench/variants.py` shows it buys more recall than it costs in false matches.

Decisions worth knowing:
- Kazakh/Kyrgyz patronymic surnames (-uly, -uli, -ulu, -kyzy, -qyzy) key like their stem, since
  outlets write Bilashuly and Bilash for one man. Russian patronymics (-ovich, -evna) are separate
  words, not alternative surnames, and are left alone.
- Gendered forms do not collide: Ivanov / Ivanova, Tsikhanouski / Tsikhanouskaya are often
  different people (husband and wife), and morphology is a stemmer's job, not romanization's.
- Belarusian and Ukrainian forms collide with Russian ones only where a narrow rule covers them
  (Tsikhanouskaya / Tikhanovskaya, Olha / Olga); vowel reduction (Lukashenka / Lukashenko) is not
  covered, because merging a with o would merge Dan with Don.
- One glide symbol stands for zh, j, y and i before a vowel: Kazakh Latin writes ж as j
  (Janar / Zhanar) while German and scholarly Russian write й as j (Julia / Yulia), so all of
  them must meet. Its price is a few English pairs (Jack / Yak).
- English spelling variants that the rules happen to merge (Brian / Bryan, Philip / Filip) are
  accepted; doubled letters other than ss/mm are kept, so Alan and Allan stay apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from anyascii import anyascii

from analysis.tokens import MEMO_WORDS, Token

__all__ = [
    "COMMON_WORDS",
    "TOKEN_PATTERN",
    "clean_token",
    "is_name_token",
    "name_key",
    "name_key_tokens",
    "name_keys",
    "spans_with_keys",
]

# Tokens with fewer letters than this get no key: two-letter keys (Li, Xi, Wu) collide with
# everything and romanization variance needs a few letters to show.
MIN_NAME_LETTERS = 3

# Words in the index tokenizer: letters and digits, with apostrophes inside a word kept (Bilash's,
# O'Brien, Kazakh 2017 Latin S'ymkent, Uzbek Oʻzbekiston). Hyphens split words, so Kara-Murza and
# Kara Murza index alike.
TOKEN_PATTERN = r"\w+(?:['’ʼʻ`´]\w+)*"
_TOKENS = re.compile(TOKEN_PATTERN)
_WHOLE = re.compile(r"\A.*\Z", re.DOTALL)  # tokenize=False: the whole text is one word

# Every apostrophe-like mark becomes "'": curly quotes (Dmitriyev’s), the modifier letters used
# for the soft sign (Navalʹnyj) and in Uzbek Latin (Oʻzbekiston).
_APOSTROPHES = str.maketrans(dict.fromkeys("’‘ʼʻ`´′ʹʺ＇", "'"))
_POSSESSIVE = re.compile(r"'[sS]$|'+$|^'+")

# Latin letters that anyascii folds too far: Kazakh 2021 (ş ç ğ ı), Turkish, ISO 9 and the
# scholarly system (š č ž ŝ), Kazakh 2018 (ǵ). Folded before anyascii, which would drop the h.
# The other marks (Kazakh ä ö ü ū ñ, 2018 á ó ú ý ń) simply fold to their base letter.
_LETTERS = str.maketrans(
    {
        "ş": "sh",
        "ș": "sh",
        "š": "sh",
        "ŝ": "shch",
        "ç": "ch",
        "č": "ch",
        "ž": "zh",
        "ğ": "gh",
        "ǵ": "gh",
        "ı": "i",
        "ĭ": "i",
    }
)
# ISO 9 ë is ё after a consonant (Gorbačëv, Fëdor); after a vowel it is a diaeresis (Raphaël).
_E_DIAERESIS = re.compile(r"(?<=[bcdfghjklmnpqrstvwxzšžčçşğ])ë")

# Kazakh 2017 Latin apostrophe letters: s' = ш and c' = ч; y' = у. A soft sign after s before
# an iotated vowel (Kas'yanov) or in ць (Donets'k) is not ш. Other apostrophes are dropped:
# a' o' u' g' n' i' (Kazakh 2017, Uzbek) and the BGN soft sign (Ol'ga) carry no consonant.
_APOSTROPHE_LETTERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<!t)s'(?![yi][aeiou])"), "sh"),
    (re.compile(r"c'"), "ch"),
    (re.compile(r"y'"), "u"),
    (re.compile(r"'"), ""),
)

# Kazakh and Kyrgyz patronymic surnames: Bilashuly = Bilash, Kunbolatuly = Kunbolat,
# Kyrgyz -uulu, female -kyzy/-qyzy (Uzbek -qizi). The stem must keep four letters (July).
_PATRONYMIC = re.compile(r"^([a-z]{4,}?)(?:uly|uli|ulu|uulu|kyzy|qyzy|kyzi|qyzi|kizi|qizi)$")

Rule = tuple[str | re.Pattern[str], str]


def _rule(pattern: str, replacement: str) -> Rule:
    """Returns a rewrite rule: a plain string (fast str.replace) unless it needs a regex."""
    return (pattern if re.escape(pattern) == pattern else re.compile(pattern), replacement)


# Rewrites on the folded lowercase ASCII name, in order. Upper-case letters are placeholders for
# one sound written several ways: C = ч (ch, tch, tsch), S = ш/щ (sh, sch, shch), Z = ж before a
# consonant, J = й/ж/j/y/i glide before a vowel, H = х at the start of a word, T = th.
_REWRITES: tuple[Rule, ...] = tuple(
    _rule(pattern, replacement)
    for pattern, replacement in (
        ("tsch", "ch"),  # German ч: Gorbatschow, Janukowytsch
        ("shch", "sh"),  # щ: Shcherbakova / Sherbakova
        ("sch", "sh"),  # щ: Scherbakova, Schekochikhin; German ш: Schostakowitsch
        ("^tch", "ch"),  # French ч: Tchaikovsky / Chaikovsky (not English Mitchell)
        ("dzh", "zh"),  # Russian-style Dzhaparov / Japarov / Zhaparov
        ("dj(?=[aeiouy])", "zh"),  # French дж: Okudjava / Okudzhava, Djokhar / Dzhokhar
        ("^dzm", "dm"),  # Belarusian Dzmitry / Dmitry
        ("^ts(?=[iy])", "t"),  # Belarusian ць: Tsikhanouskaya / Tikhanovskaya
        ("kh", "H"),
        ("zh", "Z"),
        ("ch", "C"),
        ("sh", "S"),
        ("ck", "k"),
        ("gh", "g"),  # Kazakh ғ: Qurmanghalieva / Kurmangalieva, Daghestan / Dagestan
        ("ph", "f"),  # Sophia / Sofia, Joseph / Josef
        ("th", "T"),  # kept apart from t: Thomas is not Tomas, Smith is not Smit
        ("x", "ks"),  # Alexei / Aleksei, Xenia / Ksenia
        ("q", "k"),  # Kazakh қ: Qazybek / Kazybek, Toqaev / Tokaev
        # German, Polish, Turkmen w: Berdimuhamedow, Janukowytsch, Wladimir; an initial W
        # stays (Walter is not Valter).
        ("(?<!^)w|^w(?=l)", "v"),
        ("^h", "H"),  # х: Hodorkovsky / Khodorkovsky, Hujand / Khujand
        # Inside a word h is х (Gauhar / Gaukhar) or Ukrainian г (Olha / Olga, Luhansk /
        # Lugansk): both merge with g. Word-initially h stays apart from g (Harry / Garry).
        ("(?<!^)[hH]", "g"),
        ("ou(?=sk)", "ov"),  # Belarusian ў: Tsikhanouskaya / Tikhanovskaya
        ("(?<=[CS])o(?=v(?:$|[aeiouy]))", "e"),  # ё after ch/sh: Gorbachov / Gorbachev
        ("(?<=[^aeiouy])[iyj]+e(?=v)", "e"),  # -ьев, -иев: Soloviev / Solovyov, Dmitriyev
        ("(?<=[^aeiouy])yo", "e"),  # ё after a consonant: Ponomaryov / Ponomarev, Pyotr
        ("^[iy]+(?=e)", ""),  # initial е: Yelena / Elena, Yermak / Iermak
        ("l[iyj]u", "lu"),  # soft l before u: Lyudmila / Ludmila, Lyubov / Lubov
        ("j(?=[iy])", "Z"),  # French ж: Prigojin / Prigozhin, Jirinovski / Zhirinovsky
        ("(?<=nd)er$", "r"),  # English -nder: Alexander / Aleksandr
    )
)
_GLIDE_RUN = re.compile(r"[iyjZ]+")
_I_RUN = re.compile(r"[iyj]+")
_HIATUS = re.compile(r"(?<=[aeou])(?=[aeou])")
# Romanizers double s (French-style Vassily, Massimov, Kassym, Odessa) and m (Arabic-origin
# Mukhammed, Berdymukhammedov) inside words; other doubles are native (Gennady, Kirill, Anna)
# and keep, as do doubles at the end and before a final -i (Ross / Ros, Sonny / Sony).
_DOUBLE = re.compile(r"([sm])\1+(?!i?$)")
_NON_LETTER = re.compile(r"[^a-z']")
_PLACEHOLDERS = str.maketrans({"C": "ch", "S": "sh", "Z": "zh", "J": "j", "H": "h", "T": "th"})


def _fold_glides(match: re.Match[str]) -> str:
    """Returns one symbol for a run of i/y/j/ж: J before a vowel, else i (and Z if ж)."""
    text = match.string
    if match.end() < len(text) and text[match.end()] in "aeou":
        # ya / ia / ja / я, yu / iu / ju / ю, zh / j before a vowel (Zhanar / Janar,
        # Yulia / Julia, Tatyana / Tatiana, Atazhurt / Atajurt) all become one glide.
        return "J"
    # Before a consonant or at the end: -iy / -yy / -y / -i / -ii (Zelenskyy, Yurii) is one i;
    # ж keeps its own symbol (Ryzhkov is not Rykov).
    return _I_RUN.sub("i", match.group())


def _fold_letters(token: str) -> str:
    """Returns the token as lowercase ASCII letters, apostrophe letters resolved."""
    text = _POSSESSIVE.sub("", token.strip().translate(_APOSTROPHES))
    text = text.replace("İ", "I").lower()
    text = _E_DIAERESIS.sub("yo", text).translate(_LETTERS)
    text = _NON_LETTER.sub("", anyascii(text).lower())
    for pattern, replacement in _APOSTROPHE_LETTERS:
        text = pattern.sub(replacement, text)
    return text


@lru_cache(maxsize=1 << 18)
def name_key(token: str) -> str:
    """Returns the transliteration-aware key of one name token, or "" if it is too short."""
    text = _fold_letters(token)
    if len(text) < MIN_NAME_LETTERS:
        return ""
    text = _PATRONYMIC.sub(r"\1", text)
    for pattern, replacement in _REWRITES:
        if isinstance(pattern, str):
            text = text.replace(pattern, replacement)
        else:
            text = pattern.sub(replacement, text)
    text = _GLIDE_RUN.sub(_fold_glides, text)
    text = _HIATUS.sub("J", text)  # Nazarbaev / Nazarbayev, Alekseev / Alekseyev
    text = _DOUBLE.sub(r"\1", text)  # Massimov / Masimov, Gennady / Genady
    return text.translate(_PLACEHOLDERS)


# Common English words that open sentences and Title Case headlines ("Police Detain Protesters"),
# and titles that precede names. They are not proper names, so they get no key even when
# capitalized. Words that are also common given names (Mark, Bill, Hope, May is kept as the
# month) stay out. Kazakh/Kyrgyz patronymic particles written apart (Bilash uly) are here too.
COMMON_WORDS: frozenset[str] = frozenset(
    """
    a about above according across act actually added after again against ago ahead all almost
    alone along already also although always am amid among an and another any anyone anything
    are around as at away back be because become been before began behind being below best
    better between beyond big both but by can cannot could did do does doing done down during
    each early either else enough even ever every everyone everything far few first for former
    from further get gets given go goes going good got great had has have having he her here hers
    herself high him himself his how however i if in including inside instead into is it its
    itself just last late later least less let like likely little long made make makes making
    many may me meanwhile might more moreover most much must my near nearly neither never
    nevertheless new next no nobody none nor not nothing now of off often old on once one only
    onto or other others otherwise our ours out over own per perhaps please quite rather really
    same see seen several shall she should since so some someone something soon still such than
    that the their theirs them themselves then there therefore these they this those though
    through thus to today together tomorrow too toward towards under unless until up upon us
    very via was we well were what whatever when whenever where whereas whether which while who
    whoever whole whom whose why will with within without would yes yesterday yet you your
    yours yourself it's that's there's here's he's she's we're they're i'm i've don't doesn't
    didn't can't won't isn't aren't wasn't weren't despite unlike following regarding
    zero two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty
    hundred hundreds thousand thousands million millions billion billions dozen dozens half
    second third fourth fifth
    january february march april june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday
    mr mrs ms miss dr prof sir madam lord lady saint st rev
    president presidential presidents prime minister ministers premier chancellor king queen
    prince princess emperor pope patriarch bishop father mother general colonel major captain
    lieutenant sergeant officer judge jury justice governor mayor senator deputy ambassador ombudsman
    chairman chairwoman chair secretary director head leader chief spokesman spokeswoman
    spokesperson commander professor doctor reverend vice executive
    ministry government parliament parliamentary council committee commission court police army
    navy party union city region regional republic state states department office agency bureau
    embassy consulate service services supreme federal national international central foreign
    interior security human rights watch news radio press television tv report reports media
    north south east west northern southern eastern western northeast northwest southeast
    southwest world global local public political economic social military civil ethnic
    people officials authorities protesters activists critics supporters investigators
    prosecutors lawyers journalists reporters witnesses residents experts analysts sources
    observers demonstrators members leaders citizens relatives families children women men
    doctors students workers soldiers troops forces voters officers locals volunteers civilians
    migrants refugees prisoners victims survivors fighters militants rebels separatists fans
    asked said says told added noted called wrote say tells claims calls
    video videos photo photos film music song dance art festival show shows concert game games
    sport sports football soccer rugby tennis match team club star stars award awards prize
    war wars battle fight fighting attack attacks strike strikes bomb bombs bombing missile
    missiles drone drones shelling killed killing kill kills dead death deaths injured wounded
    protest protests protester rally rallies march marches riot clashes crackdown arrest
    arrested arrests detained detention jailed jail prison trial sentenced charges case crime
    crimes murder torture violence terror terrorism massacre genocide war
    election elections vote votes voting referendum campaign candidate candidates opposition
    power peace talks deal agreement summit meeting conference visit sanctions ban law laws
    bill budget tax trade economy market markets business company companies oil gas energy
    nuclear weapons border borders airport road bridge village town capital country
    countries island coast mountains home homes house school schools hospital church mosque
    day days year years week weeks month months time times life lives night morning anniversary
    history future end start return hope fear crisis change help support aid freedom
    independence democracy corruption health education water food fire snow cold winter summer
    spring autumn man woman boy girl boys girls child kids family son daughter brother sister
    wife husband friends young old top key real live open free anti pro ex former mass massive
    heavy huge small large major special secret latest final front line part plan plans policy
    project group groups organization organisation movement alliance society community system
    internet online digital mobile phone phones technology data software computer computers
    network networks web site sites user users consumer consumers industry firm firms bank
    banks shares sales price prices money cash jobs work workers pay research science
    memorial museum monument parade celebration celebrations ceremony funeral
    """.split()
) | frozenset({"uly", "uli", "ulu", "uulu", "kyzy", "qyzy", "kizi", "qizi", "ogly", "oglu"})


def clean_token(token: str) -> str:
    """Returns the token without possessive endings and outer apostrophes."""
    return _POSSESSIVE.sub("", token.strip().translate(_APOSTROPHES))


def _is_candidate(word: str, *, require_capital: bool) -> bool:
    """Returns whether a cleaned word may be a proper name."""
    if not word or not word[0].isalpha() or any(char.isdigit() for char in word):
        return False
    if require_capital and not word[0].isupper():
        return False
    if word.isupper() and len(word) < 5:
        # Acronyms: UN, FSB, OSCE, and the European Parliament's JURI, which keyed like Yuri
        # (bench/variant_search.py). Longer capitals are mostly datelines: ALMATY, BISHKEK.
        return False
    return word.lower() not in COMMON_WORDS


def is_name_token(token: str) -> bool:
    """Returns whether a token is a proper-name candidate: capitalized, not a common word."""
    return _is_candidate(clean_token(token), require_capital=True)


def name_keys(text: str) -> list[str]:
    """Returns the name keys of the proper-name tokens in a text, in order."""
    keys = []
    for match in _TOKENS.finditer(text):
        if is_name_token(match.group()) and (key := name_key(match.group())):
            keys.append(key)
    return keys


def name_key_tokens(text: str, *, mode: str = "index", tokenize: bool = True) -> Iterator[Token]:
    """Returns the name keys of a text's proper names as tokens (the names and entity fields).

    Capitalization is how names are recognized in documents; in query mode lower-case words
    pass too (people type "dmitriev"), but common words still do not. Positions and offsets are
    the words' own, so phrase queries and highlighting work on the original text.
    """
    require_capital = mode != "query"
    for index, match in enumerate((_TOKENS if tokenize else _WHOLE).finditer(text)):
        key = _key_of(match.group(), require_capital)
        if key:
            yield Token(key, index, match.start(), match.end())


def spans_with_keys(text: str, wanted: frozenset[str]) -> list[tuple[int, int]]:
    """Returns the character spans of the text's names (as documents are read) whose key is
    wanted: what name_key_tokens finds, without a token per word (highlighting)."""
    memo = _KEYS_OF_CAPITALIZED
    spans = []
    for match in _TOKENS.finditer(text):
        raw = match.group()
        key = memo.get(raw)
        if key is None:
            key = _key_of(raw, True)
        if key in wanted:
            spans.append(match.span())
    return spans


def _key_of(raw: str, require_capital: bool) -> str:
    """Returns the name key of a word as written, "" for none, remembered."""
    memo = _KEYS_OF_CAPITALIZED if require_capital else _KEYS_OF_ANY
    key = memo.get(raw)
    if key is None:
        word = clean_token(raw)
        key = memo[raw] = (
            name_key(word) if _is_candidate(word, require_capital=require_capital) else ""
        )
        if len(memo) > MEMO_WORDS:
            memo.clear()
    return key


# A word as written -> its name key ("" for none), for documents (capitals required) and for
# queries: recognising and keying a name took a quarter of indexing an article. At most
# MEMO_WORDS words each, as the text analysis remembers.
_KEYS_OF_CAPITALIZED: dict[str, str] = {}
_KEYS_OF_ANY: dict[str, str] = {}
