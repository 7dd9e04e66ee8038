"""A text dump's chrome-free lines split into the page head and one block list per post."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from indexer.extract.metadata import DATELINE
from indexer.extract.text import Line, content_words, is_sentence, is_title_case, words

# A prose paragraph: a sentence of at least this many words. Shorter sentences can be captions.
PROSE_MIN_WORDS = 8
# A caption longer than this is a paragraph (the longest sample caption, seed 001's doubled
# "Historian Yury Dmitriyev (center) is the head of ...", has 19 words).
CAPTION_MAX_WORDS = 35
# Photo-caption markers: seed 000's "(file photo)", seed 001's "(center)".
PHOTO_MARKER = re.compile(
    r"\((?:file|archive|illustrative|undated|pool)?\s*(?:photo|picture|image)\)|"
    r"\((?:center|centre|left|right|front|second from (?:left|right)|l|r|c)\)",
    re.IGNORECASE,
)
_AUXILIARY = frozenset(["is", "are", "was", "were", "be", "been", "has", "have", "had", "will"])
# Below this topical overlap (shared crude stems) between the three paragraphs before a
# one-sentence line and the lines from it on, the line can open a new story. Seed 002's Latynina
# caption scores 0.087 against the Xinjiang post before it; the sentences inside the samples'
# stories that also name someone new score 0.13 and more.
NEW_STORY_MAX_OVERLAP = 0.12
COHESION_WINDOW = 3
# A caption that names no one needs a sharper break: the stories before and after it share at
# most this share of their stems, and it is short, with no reported speech. Measured on the
# samples: between posts 0.037, 0.040, 0.049 and 0.087; inside a story 0.062 and 0.082 at two
# of 66 places, 0.111 and more elsewhere.
TOPIC_BREAK_MAX_OVERLAP = 0.07
PLAIN_CAPTION_MAX_WORDS = 20
_REPORTED = re.compile(r"\b(?:said|says|told|added|according)\b|[\"“”]", re.IGNORECASE)
# Crude stemming for topic overlap: "Kazakhs", "Kazakhstan's" and "Kazakh" share "kazak".
STEM_LENGTH = 5
# Words capitalised at the start of a clause, and days and months: they name no one.
_NOT_NAMES = frozenset(
    "this that these those there their then when while after before monday tuesday wednesday"
    " thursday friday saturday sunday january february march april june july august september"
    " october november december".split()
)


@dataclass(slots=True)
class Post:
    """The lines of one post: its caption (not body) and its paragraphs."""

    caption: str | None = None
    paragraphs: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Layout:
    """A page's head lines (section, date, title, deck) and its posts."""

    head: list[str]
    posts: list[Post]


def is_prose(text: str) -> bool:
    """Returns True for a paragraph of running text."""
    return is_sentence(text, min_words=PROSE_MIN_WORDS)


def _is_name_only(text: str) -> bool:
    tokens = words(text)
    return 2 <= len(tokens) <= 4 and all(t[0].isupper() for t in tokens) and not is_sentence(text)


def _is_participle_caption(text: str) -> bool:
    """Returns True for "Police breaking up the protest ..." (a subject and an -ing verb)."""
    tokens = words(text)
    for k in (1, 2):
        if len(tokens) > k and tokens[k].lower().endswith("ing") and len(tokens[k]) > 4:
            return tokens[k - 1].lower() not in _AUXILIARY
    return False


def _stems(texts: Sequence[str]) -> set[str]:
    """Returns crude stems (five-letter prefixes) of the texts' content words."""
    return {w[:STEM_LENGTH] for t in texts for w in content_words(t)}


def topic_overlap(before: Sequence[str], after: Sequence[str]) -> float:
    """Returns how much two runs of text share their vocabulary: shared crude stems over the
    smaller run's (1.0 when either has none)."""
    return _overlap(before, after)


def _overlap(before: Sequence[str], after: Sequence[str]) -> float:
    a, b = _stems(before), _stems(after)
    if not a or not b:
        return 1.0
    return len(a & b) / min(len(a), len(b))


def _proper_names(text: str) -> set[str]:
    """Returns the stems of the capitalised words after the first: the names a line mentions."""
    return {
        w.lower()[:STEM_LENGTH]
        for w in words(text)[1:]
        if w[0].isupper() and len(w) >= 4 and w.lower() not in _NOT_NAMES
    }


class _Scanner:
    """Walks the lines once, deciding at each line whether a new post starts there."""

    def __init__(self, lines: Sequence[Line]) -> None:
        self.texts = [line.text for line in lines]
        # The stems of the current post's paragraphs, kept up to date as it grows: computed
        # afresh at every candidate caption, a 1 MB page took minutes (quadratic).
        self._story: set[str] = set()
        self._story_of: tuple[int, int] = (0, 0)  # (id of the paragraph list, paragraphs read)

    def _story_stems(self, paragraphs: Sequence[str]) -> set[str]:
        """Returns the stems of the post's paragraphs so far, reading only the new ones."""
        key, read = self._story_of
        if key != id(paragraphs) or read > len(paragraphs):
            self._story, read = set(), 0
        self._story |= _stems(paragraphs[read:])
        self._story_of = (id(paragraphs), len(paragraphs))
        return self._story

    def _next_distinct(self, i: int) -> int:
        j = i + 1
        while j < len(self.texts) and self.texts[j] == self.texts[i]:
            j += 1
        return j

    def caption_at(self, i: int, paragraphs_so_far: Sequence[str]) -> bool:
        """Returns True when line i is a photo caption opening a new post."""
        text = self.texts[i]
        n_words = len(words(text))
        if n_words == 0 or n_words > CAPTION_MAX_WORDS:
            return False
        if i + 1 < len(self.texts) and self.texts[i + 1] == text:
            return True  # seed 001 prints its captions twice
        j = self._next_distinct(i)
        following = self.texts[j] if j < len(self.texts) else ""
        if not is_prose(following):
            return False
        if DATELINE.match(following) and not DATELINE.match(text):
            return True  # a caption stands right above a dateline lede
        if not is_sentence(text):
            if is_title_case(text):
                return False  # a heading, not a caption
            return bool(
                PHOTO_MARKER.search(text) or _is_name_only(text) or _is_participle_caption(text)
            )
        return self._is_sentence_caption(i, paragraphs_so_far)

    def _is_sentence_caption(self, i: int, paragraphs_so_far: Sequence[str]) -> bool:
        """A one-sentence caption opens a new post: one that names someone new to the page's
        story (seed 002's Latynina), or a short one at a sharp break of topic."""
        text = self.texts[i]
        if len(paragraphs_so_far) < 2 or text.count(". ") > 0:
            return False
        if _proper_names(text):
            return self._names_someone_new(i, paragraphs_so_far)
        return self._is_plain_caption(i, paragraphs_so_far)

    def _names_someone_new(self, i: int, paragraphs_so_far: Sequence[str]) -> bool:
        """Its proper names appear nowhere in the post so far, recur in the next paragraphs,
        and the words around it change topic."""
        names = _proper_names(self.texts[i])
        if not names or names & self._story_stems(paragraphs_so_far):
            return False
        if not names & _stems(self.texts[i + 1 : i + 3]):
            return False
        before = paragraphs_so_far[-COHESION_WINDOW:]
        return _overlap(before, self.texts[i : i + 1 + COHESION_WINDOW]) < NEW_STORY_MAX_OVERLAP

    def _is_plain_caption(self, i: int, paragraphs_so_far: Sequence[str]) -> bool:
        """A short caption that names no one ("Protesters gather outside the courthouse on
        Monday.") opens a new post when the story breaks around it: the paragraphs before it
        and after it share next to nothing, and the caption shares words with what follows."""
        text = self.texts[i]
        if len(words(text)) > PLAIN_CAPTION_MAX_WORDS or _REPORTED.search(text):
            return False
        before = paragraphs_so_far[-COHESION_WINDOW:]
        after = self.texts[i + 1 : i + 1 + COHESION_WINDOW]
        if not _stems([text]) & _stems(after):
            return False
        return _overlap(before, after) < TOPIC_BREAK_MAX_OVERLAP


def _drop_teasers(paragraphs: list[str]) -> list[str]:
    """Returns the paragraphs without a teaser that repeats the start of the next (seed 004)."""
    kept = []
    for k, text in enumerate(paragraphs):
        following = paragraphs[k + 1] if k + 1 < len(paragraphs) else ""
        if len(text) >= 40 and following != text and following.startswith(text.rstrip(". ")):
            continue
        kept.append(text)
    return kept


def split_posts(lines: Sequence[Line]) -> Layout:
    """Returns the page's head lines and its posts.

    Args:
        lines: the page's lines with chrome already removed.

    Returns:
        A Layout; a page with no caption yields one post that starts at its first paragraph.
    """
    scanner = _Scanner(lines)
    texts = scanner.texts
    head: list[str] = []
    posts: list[Post] = []
    i = 0
    while i < len(texts):
        current = posts[-1].paragraphs if posts else []
        if scanner.caption_at(i, current):
            posts.append(Post(caption=texts[i]))
            i = scanner._next_distinct(i)
            continue
        if not posts:
            if not is_prose(texts[i]):
                head.append(texts[i])
                i += 1
                continue
            posts.append(Post())
        posts[-1].paragraphs.append(texts[i])
        i += 1
    for post in posts:
        post.paragraphs = _drop_teasers(post.paragraphs)
    return Layout(head=head, posts=[p for p in posts if p.paragraphs])
