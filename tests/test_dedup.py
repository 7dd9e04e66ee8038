"""Duplicate detection: repeats and edited copies merge; shared background and short items don't."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from functools import cache

import pytest

from indexer.extract.dedup import (
    MIN_EXACT_WORDS,
    MIN_NEAR_WORDS,
    THRESHOLD,
    DuplicateFinder,
    could_repeat,
    fingerprint,
    group_duplicates,
    normalise,
)
from tests.paths import CORPUS, ROOT

# Posts cut from the sample pages: (page, first paragraph's start, last paragraph's start).
POSTS = {
    "un-ruling": ("001_eace3fbab33ad4a8.txt", "The UN Working Group", "Kazakhs are the second"),
    "picket-dispersed": ("002_c97655dea1bfe384.txt", "ALMATY, Kazakhstan -- Police", "Han, China"),
    "protesters-detained": ("003_addfb53f29969fc8.txt", "ALMATY, Kazakhstan – Police", "China's"),
    "foreign-agent": ("000_b6dae043be5a020e.txt", "Russia's Justice Ministry", "With reporting"),
}
# The background paragraph RFE/RL repeats under its Xinjiang stories.
BACKGROUND = (
    "Kazakhs are the second-largest Turkic-speaking indigenous community in Xinjiang after "
    "Uyghurs. The region is also home to ethnic Kyrgyz, Tajiks, and Hui, also known as Dungans."
)
# A made-up wire story and its re-send with one figure corrected.
WIRE = """Harbor Tool Works Inc said it expects to sell its marine engine unit for about 120 mln dlrs
within two months, and that several buyers have shown interest.

Chief executive Anna Lindqvist told the annual meeting the company expects a profit of more
than one dlr a share from continuing operations in the first quarter. In the year-ago quarter
it lost 64 cts a share from continuing operations.

Lindqvist said the engine unit would not be split up, and that proceeds would repay debt taken
on for the purchase of Delta Fasteners last year. Harbor shares rose 75 cts to 31 dlrs in early
trading on the news."""
WIRE_CORRECTED = (
    WIRE.replace("lost 64 cts", "lost 59 cts")
    + "\n\n(Corrects year-ago loss in third paragraph to 59 cts a share, not 64 cts)"
)
# A made-up daily item whose copies differ only in their figures.
TEMPLATE = """The city's water board said it drew {0} mln litres from the northern reservoir on
Tuesday, leaving it at {1} pct of capacity. The board said the level was within its normal
range for the season and that no restrictions on household use were planned. Drawing from the
southern reservoir, which is being repaired, will resume next month once inspectors have
signed off the work on the dam and its two spillways, the board said in its daily statement."""


@cache
def post(name: str) -> str:
    """Returns one post of the sample corpus, paragraphs separated by blank lines."""
    page, first, last = POSTS[name]
    text = (CORPUS / page).read_text(encoding="utf-8")
    parts = [part.strip() for part in text.split("\n\n") if part.strip()]
    start = next(i for i, part in enumerate(parts) if part.startswith(first))
    end = next(i for i, part in enumerate(parts) if i >= start and part.startswith(last))
    return "\n\n".join(parts[start : end + 1])


def paragraphs(body: str) -> list[str]:
    return body.split("\n\n")


def with_paragraph(body: str, index: int, new: str) -> str:
    parts = paragraphs(body)
    return "\n\n".join([*parts[:index], new, *parts[index:]])


def replace_paragraph(body: str, index: int, new: str) -> str:
    parts = paragraphs(body)
    parts[index] = new
    return "\n\n".join(parts)


def merged_into(first: str, second: str) -> str | None:
    """Returns the key ("first") the second body is merged into, or None."""
    finder = DuplicateFinder()
    assert finder.add("first", first) is None
    return finder.add("second", second)


def test_normalise_drops_case_punctuation_quotes_and_accents() -> None:
    text = "“Kazakhstan’s” ÉLITE – said:\n\n 6-3/16 pct, 2.5  billion (1,250.5)"
    assert normalise(text) == [
        "kazakhstan", "s", "elite", "said", "6-3/16", "pct", "2.5", "billion", "1,250.5",
    ]  # fmt: skip


EXACT: dict[str, Callable[[str], str]] = {
    "same-text": lambda body: body,
    "rewrapped-lines": lambda body: body.replace(" ", "\n", 40).replace("\n\n", " "),
    "upper-case": str.upper,
    "curly-quotes": lambda body: body.replace("'", "’").replace(' "', " “").replace('" ', "” "),
    "no-punctuation": lambda body: body.replace(",", "").replace(".", "").replace('"', ""),
    "dashes": lambda body: body.replace(" -- ", " – "),
}


@pytest.mark.parametrize("edit", EXACT.values(), ids=EXACT.keys())
def test_exact_duplicate_is_merged(edit: Callable[[str], str]) -> None:
    body = post("picket-dispersed")
    assert fingerprint(edit(body)).digest == fingerprint(body).digest
    assert merged_into(body, edit(body)) == "first"


NEW_PARAGRAPH = (
    "Kunbolat said the protesters would return to the consulate on Monday and would keep "
    "coming back until the Foreign Ministry met them."
)
NEAR: dict[str, Callable[[], tuple[str, str]]] = {
    "paragraph-added": lambda: (
        post("picket-dispersed"),
        with_paragraph(post("picket-dispersed"), 4, NEW_PARAGRAPH),
    ),
    "paragraph-edited": lambda: (
        post("foreign-agent"),
        replace_paragraph(
            post("foreign-agent"),
            4,
            "Investigators said Ponomaryov had used Facebook to call people to an October 28 "
            "rally backing New Greatness and Network, youth groups the authorities call extremist.",
        ),
    ),
    "last-paragraph-dropped": lambda: (
        post("protesters-detained"),
        "\n\n".join(paragraphs(post("protesters-detained"))[:-1]),
    ),
    "wire-resent-with-correction": lambda: (WIRE, WIRE_CORRECTED),
}


@pytest.mark.parametrize("pair", NEAR.values(), ids=NEAR.keys())
def test_near_duplicate_is_merged(pair: Callable[[], tuple[str, str]]) -> None:
    first, second = pair()
    assert first != second
    assert fingerprint(first).jaccard(fingerprint(second)) >= THRESHOLD
    assert merged_into(first, second) == "first"


def lede_and_background(name: str) -> str:
    return "\n\n".join([paragraphs(post(name))[0], BACKGROUND])


DIFFERENT: dict[str, Callable[[], tuple[str, str]]] = {
    "un-ruling-vs-picket-dispersed": lambda: (post("un-ruling"), post("picket-dispersed")),
    "picket-dispersed-vs-protesters-detained": lambda: (
        post("picket-dispersed"),
        post("protesters-detained"),
    ),
    "un-ruling-vs-protesters-detained": lambda: (post("un-ruling"), post("protesters-detained")),
    # Two ledes that open alike ("ALMATY, Kazakhstan -- Police in Kazakhstan's largest city,
    # Almaty, have ..."), each followed by the background alone: Jaccard 0.34.
    "ledes-plus-background": lambda: (
        lede_and_background("picket-dispersed"),
        lede_and_background("protesters-detained"),
    ),
}


@pytest.mark.parametrize("pair", DIFFERENT.values(), ids=DIFFERENT.keys())
def test_stories_sharing_a_background_paragraph_are_not_merged(
    pair: Callable[[], tuple[str, str]],
) -> None:
    first, second = pair()
    assert BACKGROUND in first and BACKGROUND in second
    assert merged_into(first, second) is None


def test_copies_of_a_template_with_other_figures_are_not_merged() -> None:
    first, second = TEMPLATE.format("410", "62"), TEMPLATE.format("385", "58")
    # Similar enough to merge on shingles alone: the differing figures are what keep them apart.
    assert fingerprint(first).jaccard(fingerprint(second)) >= THRESHOLD
    assert merged_into(first, second) is None


DIVIDEND_LINE = "Qtly div 20 cts vs 20 cts prior Pay April 15 Record March 23"
TWENTY_FIVE_WORDS = (
    "Northgate Bank said its board declared a quarterly dividend of 12 cts a share, payable "
    "June 15 to shareholders of record on May 30, unchanged."
)
SHORT = {
    # One-line earnings items of two companies: identical, and too short to tell apart.
    "one-line-wire-items": ("Shr 10 cts vs 8 cts", "Shr 10 cts vs 8 cts", None),
    # The same dividend, declared by two companies: 14 words.
    "identical-dividend-lines": (DIVIDEND_LINE, DIVIDEND_LINE, None),
    "empty-bodies": ("", "", None),
    "identical-25-words": (TWENTY_FIVE_WORDS, TWENTY_FIVE_WORDS, "first"),
    "near-25-words": (
        TWENTY_FIVE_WORDS,
        TWENTY_FIVE_WORDS.replace("Northgate Bank", "Southgate Trust"),
        None,
    ),
}


def test_short_examples_straddle_the_limits() -> None:
    assert len(normalise(DIVIDEND_LINE)) < MIN_EXACT_WORDS
    assert MIN_EXACT_WORDS <= len(normalise(TWENTY_FIVE_WORDS)) < MIN_NEAR_WORDS


@pytest.mark.parametrize(("first", "second", "merged"), SHORT.values(), ids=SHORT.keys())
def test_short_bodies_rule(first: str, second: str, merged: str | None) -> None:
    assert merged_into(first, second) == merged


def test_group_duplicates_lists_groups_first_seen_first() -> None:
    items = [
        ("wire", WIRE),
        ("picket", post("picket-dispersed")),
        ("un", post("un-ruling")),
        ("picket-again", post("picket-dispersed").upper()),
        ("wire-corrected", WIRE_CORRECTED),
        ("short", "Shr 10 cts vs 8 cts"),
        ("short-again", "Shr 10 cts vs 8 cts"),
        ("picket-longer", with_paragraph(post("picket-dispersed"), 4, NEW_PARAGRAPH)),
    ]
    assert group_duplicates(items) == [
        ["wire", "wire-corrected"],
        ["picket", "picket-again", "picket-longer"],
    ]


def test_adding_a_key_twice_is_an_error() -> None:
    finder = DuplicateFinder()
    finder.add("a", WIRE)
    with pytest.raises(ValueError, match="duplicate key"):
        finder.add("a", WIRE_CORRECTED)


_DETERMINISM_SCRIPT = """
import json, sys
from indexer.extract.dedup import fingerprint, group_duplicates
bodies = json.load(sys.stdin)
prints = [fingerprint(body) for body in bodies]
print(json.dumps({
    "prints": [[p.digest.hex(), p.signature.hex(), sorted(p.figures)] for p in prints],
    "groups": group_duplicates((str(i), body) for i, body in enumerate(bodies)),
}))
"""


def _determinism_inputs() -> list[str]:
    return [WIRE, WIRE_CORRECTED, *(post(name) for name in POSTS), post("un-ruling").upper()]


@pytest.mark.parametrize("hash_seed", ["0", "4242"], ids=["hashseed-0", "hashseed-4242"])
def test_fingerprints_and_groups_are_the_same_in_every_process(hash_seed: str) -> None:
    bodies = _determinism_inputs()
    here = {
        "prints": [
            [p.digest.hex(), p.signature.hex(), sorted(p.figures)]
            for p in (fingerprint(body) for body in bodies)
        ],
        "groups": group_duplicates((str(i), body) for i, body in enumerate(bodies)),
    }
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    done = subprocess.run(
        [sys.executable, "-c", _DETERMINISM_SCRIPT],
        input=json.dumps(bodies),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=True,
    )
    assert json.loads(done.stdout) == here
    assert here["groups"] == [["0", "1"], ["2", "6"]]


@pytest.mark.parametrize("words", [30, 31, 400, 3 * 8192 + 7])
def test_signatures_are_datasketchs_affine32_minhash(words: int) -> None:
    """dedup's own MinHash gives datasketch's values, also over a body longer than one chunk."""
    from datasketch import MinHash

    from indexer.extract import dedup

    body = " ".join(f"word{(n * 7919) % 5000}" for n in range(words))
    reference = MinHash(num_perm=dedup.NUM_PERM, seed=dedup.SEED, hashfunc=int, scheme="affine32")
    reference.update_batch(dedup._shingle_hashes(dedup.normalise(body)))
    assert fingerprint(body).signature == reference.hashvalues.astype("uint32").tobytes()


def test_the_band_index_finds_what_datasketchs_lsh_finds() -> None:
    """A body's candidates are the kept bodies sharing a band with it, as datasketch's LSH
    with the same bands and rows answers."""
    import numpy as np
    from datasketch import LeanMinHash, MinHashLSH

    from indexer.extract import dedup

    bodies = [post(name) for name in POSTS] + [WIRE, WIRE_CORRECTED]
    bodies += [with_paragraph(post(n), 1, "One more sentence was added here.") for n in POSTS]
    bodies += [TEMPLATE.format(12, 80), TEMPLATE.format(14, 78)]
    lsh = MinHashLSH(num_perm=dedup.NUM_PERM, params=(dedup.LSH_BANDS, dedup.LSH_ROWS))
    finder = DuplicateFinder(threshold=1.0)  # stores every body that is not the same text
    shared = 0
    for number, body in enumerate(bodies):
        signature = np.frombuffer(fingerprint(body).signature, dtype=np.uint32)
        lean = LeanMinHash(seed=dedup.SEED, hashvalues=signature, scheme="affine32")
        expected = sorted(lsh.query(lean))
        assert finder._candidates(signature).tolist() == expected
        shared += bool(expected)
        if finder.add_fingerprint(str(number), fingerprint(body)) is None:
            lsh.insert(finder._near - 1, lean)  # the number the finder stored it under
    assert shared >= len(POSTS)  # the edited posts found their originals


def test_only_bodies_that_could_repeat_another_need_the_finder() -> None:
    """A finder given only the bodies `could_repeat` marks, in order, merges exactly what one
    given every body merges: the shortcut an update takes over the whole corpus."""
    bodies = [post(name) for name in POSTS]
    bodies += [WIRE, WIRE_CORRECTED, TEMPLATE.format(12, 80), TEMPLATE.format(14, 78)]
    bodies += [with_paragraph(post("un-ruling"), 1, "A new paragraph of reporting was added.")]
    bodies += [post("foreign-agent"), "Too short to merge.", "Too short to merge."]
    sketches = [fingerprint(body) for body in bodies]
    everything, shortcut = DuplicateFinder(), DuplicateFinder()
    expected = [everything.add_fingerprint(str(n), s) for n, s in enumerate(sketches)]
    maybe = could_repeat(sketches)
    found = [
        shortcut.add_fingerprint(str(n), s) if candidate else None
        for n, (s, candidate) in enumerate(zip(sketches, maybe, strict=True))
    ]
    assert [m and m.key for m in found] == [m and m.key for m in expected]
    assert any(m is not None for m in expected)  # the set holds real repeats
    # The distinct bodies and the short ones are left out.
    assert not maybe[bodies.index(post("picket-dispersed"))] and not maybe[-1]
    assert maybe[bodies.index(WIRE)] and maybe[bodies.index(WIRE_CORRECTED)]
