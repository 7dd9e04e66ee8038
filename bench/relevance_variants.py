"""Ranking ideas measured by bench/relevance.py and not kept: each one reproducible.

Usage (from the repo root):

    python bench/relevance_variants.py proximity --boost 0.3 -- --match any --jobs 2
    python bench/relevance_variants.py rm3 --docs 10 --terms 20 --weight 0.8 -- --match any

Each variant monkeypatches `search/` (or, for `lede`, `flat` and `porter`, the build) for this
process and the bench's forked workers, then runs `relevance.main` with the arguments after
`--`. Nothing in `search/` or `indexer/` is edited. The build variants refuse `--index-dir`,
whose cache knows the indexer's code but not a patch. bench/README-relevance.md has the results.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import math
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent)]

import relevance  # noqa: E402
from whoosh import matching  # noqa: E402
from whoosh import query as wq  # noqa: E402
from whoosh.analysis import StemFilter  # noqa: E402

import indexer.index.schema  # noqa: E402
import indexer.index.writer  # noqa: E402
import search.bm25f  # noqa: E402
import search.query  # noqa: E402
import search.ranking  # noqa: E402
from indexer.extract import metadata  # noqa: E402
from search.bm25f import FieldsWord  # noqa: E402
from search.ranking import word_query  # noqa: E402

Expand = Callable[[wq.Query, str], wq.Query]


def _then(after: Callable[[wq.Query, str], wq.Query]) -> None:
    """Makes search.query._expand apply `after` to what it returns."""
    original: Expand = search.query._expand
    search.query._expand = lambda q, text: after(original(q, text), text)


def _words_of(q: wq.Query) -> list[FieldsWord]:
    if isinstance(q, FieldsWord):
        return [q]
    return [w for child in q.children() for w in _words_of(child)]


class _Scaled(wq.WrappingQuery):
    """A query whose scores are multiplied by `factor` (span queries keep no boost)."""

    def __init__(self, child: wq.Query, factor: float) -> None:
        super().__init__(child)
        self.factor = factor

    def _rewrap(self, child: wq.Query) -> _Scaled:
        return _Scaled(child, self.factor)

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        return matching.WrappingMatcher(self.child.matcher(searcher, context), self.factor)


def proximity(args: argparse.Namespace) -> None:
    """Adjacent query words found near each other in the body score again (x boost)."""

    def add_pairs(q: wq.Query, text: str) -> wq.Query:
        stems = [t.text for w in _words_of(q) for t in w.subqueries if t.fieldname == "body"]
        if len(stems) < 2 or isinstance(q, wq.And):
            return q
        pairs = [
            _Scaled(
                wq.SpanNear2(
                    [wq.Term("body", a), wq.Term("body", b)], slop=args.slop, ordered=args.ordered
                ),
                args.boost,
            )
            for a, b in itertools.pairwise(stems)
            if a != b
        ]
        return wq.Or([q, *pairs])

    _then(add_pairs)


def exact(args: argparse.Namespace) -> None:
    """The unstemmed spelling as one more field inside each BM25F word."""

    def fold(word: str) -> str:
        lowered = unicodedata.normalize("NFKD", word.lower())
        return "".join(c for c in lowered if not unicodedata.combining(c))

    def add(q: wq.Query, text: str) -> wq.Query:
        if isinstance(q, FieldsWord):
            word = search.query._word_at(text, q.subqueries[0])
            if not word:
                return q
            terms = [*q.subqueries, wq.Term("exact", fold(word), boost=args.weight)]
            return FieldsWord(terms, boost=q.boost, **q._model())
        if isinstance(q, wq.CompoundQuery | wq.WrappingQuery):
            return q.apply(lambda sub: add(sub, text))
        return q

    _then(add)


def idf(args: argparse.Namespace) -> None:
    """Another idf in BM25F: Robertson's (floored at 0.001) or Whoosh's classic one."""

    def robertson(n: int, df: int) -> float:
        return max(1e-3, math.log((n - df + 0.5) / (df + 0.5)))

    def classic(n: int, df: int) -> float:
        return math.log(n / (df + 1)) + 1

    chosen = robertson if args.kind == "robertson" else classic
    search.bm25f.bm25_idf = chosen  # FieldsWord
    search.ranking.bm25_idf = chosen  # the per-field model of phrases, prefixes, field:word


def lower_bound(args: argparse.Namespace) -> None:
    """BM25L (delta added to tf~ before saturation) or BM25+ (after it)."""

    def score(self: Any) -> float:
        docnum = self._id
        here = [p for p in self._parts if p.postings.id() == docnum]
        tf = sum(p.weight * p.frequency(self._reader, docnum) for p in here)
        k1 = self._k1
        if args.kind == "bm25l":
            tf += args.delta
            return float(self._idf * tf * (k1 + 1.0) / (k1 + tf))
        return float(self._idf * (tf * (k1 + 1.0) / (k1 + tf) + args.delta))

    search.bm25f.FieldsMatcher.score = score  # type: ignore[method-assign]


def rm3(args: argparse.Namespace) -> None:
    """RM3 feedback: the top documents' frequent words join the query (original weight w)."""

    def expanded(searcher: Any, parsed: Any, top: Any) -> wq.Query:
        analyzer = searcher.schema["body"].analyzer
        limit = args.max_df * searcher.doc_count_all()
        weights: Counter[str] = Counter()
        for hit in top:
            stored = hit.fields()
            counts = Counter(t.text for t in analyzer(f"{stored['title']}\n{stored['body']}"))
            kept = {
                t: c
                for t, c in counts.items()
                if len(t) > 1 and t.isalpha() and searcher.doc_frequency("body", t) <= limit
            }
            total = sum(kept.values()) or 1
            for term, count in kept.items():
                weights[term] += hit.score * count / total
        chosen = weights.most_common(args.terms)
        norm = sum(w for _, w in chosen) or 1.0
        parts = [parsed.query.with_boost(args.weight / max(1, len(parsed.words)))]
        boosts = search.query.FIELD_BOOSTS
        for term, weight in chosen:
            fields = [wq.Term(f, term, boost=boosts[f]) for f in search.query.TEXT_FIELDS]
            parts.append(word_query(fields, boost=(1 - args.weight) * weight / norm))
        return wq.Or(parts)

    def retrieve(opened: Any, text: str, match: str) -> tuple[list[str], bool]:
        searcher = opened.snapshot.searcher
        parsed = search.query.parse_user_query(text, searcher.schema, match=match)
        if parsed.is_browse or parsed.query is wq.NullQuery:
            return [], False
        top = searcher.search(parsed.query, limit=args.docs)
        query = expanded(searcher, parsed, top) if len(top) else parsed.query
        results = searcher.search(query, limit=None)
        return [opened.ids[hit.docnum] for hit in results[: relevance.DEPTH]], False

    relevance.retrieve_fast = retrieve


def _densest_window(positions: list[tuple[int, str]], idf: dict[str, float], width: int) -> float:
    """Returns the largest idf sum of distinct query words within `width` body positions."""
    positions.sort()
    counts: Counter[str] = Counter()
    best = current = 0.0
    start = 0
    for position, word in positions:
        counts[word] += 1
        current += idf[word] if counts[word] == 1 else 0.0
        while positions[start][0] < position - width:
            gone = positions[start][1]
            counts[gone] -= 1
            current -= idf[gone] if counts[gone] == 0 else 0.0
            start += 1
        best = max(best, current)
    return best


def window(args: argparse.Namespace) -> None:
    """The top documents re-ranked: + gain x the idf of the query words in the densest window."""

    def positions_in(reader: Any, docnums: list[int], stems: list[str]) -> dict[int, list[Any]]:
        found: dict[int, list[tuple[int, str]]] = {d: [] for d in docnums}
        for stem in stems:
            if ("body", stem) not in reader:
                continue
            postings = reader.postings("body", stem)
            for docnum in sorted(docnums):
                if postings.is_active() and postings.id() < docnum:
                    postings.skip_to(docnum)
                if not postings.is_active():
                    break
                if postings.id() == docnum:
                    found[docnum] += [(p, stem) for p in postings.value_as("positions")]
        return found

    def retrieve(opened: Any, text: str, match: str) -> tuple[list[str], bool]:
        searcher = opened.snapshot.searcher
        parsed = search.query.parse_user_query(text, searcher.schema, match=match)
        if parsed.is_browse or parsed.query is wq.NullQuery:
            return [], False
        hits = [(h.docnum, h.score) for h in searcher.search(parsed.query, limit=relevance.DEPTH)]
        words = _words_of(parsed.query)
        stems = list(dict.fromkeys(t.text for w in words for t in w.subqueries))
        stems = [t for t in stems if searcher.doc_frequency("body", t)]
        n = searcher.doc_count_all()
        idf = {t: search.bm25f.bm25_idf(n, searcher.doc_frequency("body", t)) for t in stems}
        top = hits[: args.top]
        found = positions_in(searcher.reader(), [d for d, _ in top], stems)
        rescored = sorted(
            (
                (score + args.gain * _densest_window(found[d], idf, args.width), d)
                for d, score in top
            ),
            key=lambda pair: -pair[0],
        )
        order = [d for _, d in rescored] + [d for d, _ in hits[args.top :]]
        return [opened.ids[d] for d in order], False

    relevance.retrieve_fast = retrieve


def lede(args: argparse.Namespace) -> None:
    """The body's first sentence indexed in `title` beside a real title (build variant)."""
    original = indexer.index.writer.to_document

    def to_document(article: Any) -> dict[str, Any]:
        document = original(article)
        first = metadata.derive_title(article.body.split("\n\n")[0])
        if first and first != article.title:
            document["_stored_title"] = article.title
            document["title"] = f"{article.title}\n{first}"
        return document

    indexer.index.writer.to_document = to_document


def flat(args: argparse.Namespace) -> None:
    """The title folded into the body, one field as in Anserini's "flat" runs (build variant)."""
    original = indexer.index.writer.to_document

    def to_document(article: Any) -> dict[str, Any]:
        document = original(article)
        if article.title:
            document["_stored_title"] = article.title
            document["_stored_body"] = article.body
            document["body"] = f"{article.title}\n\n{article.body}"
            document["title"] = ""
        return document

    indexer.index.writer.to_document = to_document


def _stemmed_by(stem_filter: StemFilter) -> None:
    """Makes the build's text analysis the schema's with another stemmer."""
    indexer.index.schema.text_analyzer = functools.partial(
        indexer.index.schema.text_analyzer, stemmer=stem_filter
    )


def porter(args: argparse.Namespace) -> None:
    """Porter's 1980 stemmer instead of Snowball English (build variant)."""
    _stemmed_by(StemFilter(lang="en_porter", cachesize=50000))


_KROVETZ: list[Any] = []


def _krovetz_stem(word: str) -> str:
    """Krovetz's stem of a word (a module function: Whoosh pickles the analyzer)."""
    if not _KROVETZ:
        import krovetzstemmer

        _KROVETZ.append(krovetzstemmer.Stemmer())
    return str(_KROVETZ[0].stem(word))


def krovetz(args: argparse.Namespace) -> None:
    """Krovetz's dictionary-based stemmer instead of Snowball English (build variant; needs the
    KrovetzStemmer package, which Lantern does not depend on)."""
    _stemmed_by(StemFilter(stemfn=_krovetz_stem, cachesize=50000))


BUILD_VARIANTS = {"lede", "flat", "porter", "krovetz"}


def parse(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    """Returns the variant's options and the arguments for relevance.py."""
    split = list(argv).index("--") if "--" in argv else len(argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="variant", required=True)
    p = sub.add_parser("proximity", help=proximity.__doc__)
    p.add_argument("--boost", type=float, default=0.3)
    p.add_argument("--slop", type=int, default=1)
    p.add_argument("--unordered", dest="ordered", action="store_false")
    sub.add_parser("exact", help=exact.__doc__).add_argument("--weight", type=float, default=0.3)
    sub.add_parser("idf", help=idf.__doc__).add_argument(
        "--kind", choices=["robertson", "classic"], default="robertson"
    )
    p = sub.add_parser("lower-bound", help=lower_bound.__doc__)
    p.add_argument("--kind", choices=["bm25l", "bm25plus"], default="bm25l")
    p.add_argument("--delta", type=float, default=0.5)
    p = sub.add_parser("rm3", help=rm3.__doc__)
    p.add_argument("--docs", type=int, default=10)
    p.add_argument("--terms", type=int, default=10)
    p.add_argument("--weight", type=float, default=0.5, help="the original query's share")
    p.add_argument("--max-df", type=float, default=0.1, help="skip words in more documents")
    p = sub.add_parser("window", help=window.__doc__)
    p.add_argument("--gain", type=float, default=0.3)
    p.add_argument("--width", type=int, default=8, help="body positions")
    p.add_argument("--top", type=int, default=100, help="documents re-ranked")
    sub.add_parser("lede", help=lede.__doc__)
    sub.add_parser("flat", help=flat.__doc__)
    sub.add_parser("porter", help=porter.__doc__)
    sub.add_parser("krovetz", help=krovetz.__doc__)
    return parser.parse_args(list(argv)[:split]), list(argv)[split + 1 :]


def main(argv: Sequence[str] | None = None) -> None:
    """Applies one variant, then runs the relevance bench with the remaining arguments."""
    args, bench_args = parse(sys.argv[1:] if argv is None else argv)
    if args.variant in BUILD_VARIANTS and any(a.startswith("--index-dir") for a in bench_args):
        sys.exit(f"{args.variant} changes the build: run it without --index-dir")
    apply = {
        "proximity": proximity,
        "exact": exact,
        "idf": idf,
        "lower-bound": lower_bound,
        "rm3": rm3,
        "window": window,
        "lede": lede,
        "flat": flat,
        "porter": porter,
        "krovetz": krovetz,
    }[args.variant]
    apply(args)
    print(f"variant: {args.variant} {vars(args)}")
    relevance.main(bench_args)


if __name__ == "__main__":
    main()
