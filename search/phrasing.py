"""The request phrasing that opens a query typed as a sentence, told apart from its subject.

People type requests into a search box: "please send articles about press freedom in
Kazakhstan", "I would like information on the Atajurt raids", "what references on cosmic rays".
The opening words name what to send, not what to find. Required (match=all) they would exclude
every article that lacks "information"; ranked, they lift the articles that mention
"references" or "articles". `strip_request` takes them off the start (and a closing "please")
and says what it took, so that the reading can show it.
"""

from __future__ import annotations

import re

# What a request asks for: "articles about", "information on", "references pertinent to".
_WANTED = (
    r"(?:references?|articles?|papers?|abstracts?|documents?|information|details?|data|news"
    r"|stories|story|literature)"
)
_ABOUT = r"(?:on|about|regarding|concerning|for|pertinent to|relating to|related to|dealing with)"
_ASK = r"(?:give|send|show|find|supply|provide|get|list|tell)"
# One opening frame each; strip_request takes them off one after another ("could you please
# give me" + "articles about"). A frame's last word is followed by a space, so "Detailsky"
# or "information:" stay whole.
_FRAMES = (
    r"(?:please|kindly)",
    rf"(?:could|can|would|will) you(?: please)?(?: {_ASK})?(?: me| us)?",
    r"i(?: would|'d)? like(?: to (?:have|know|see|find|read|get))?",
    r"i(?: am|'m) (?:interested in|looking for|searching for)",
    r"i (?:wish|want|need)(?: to (?:have|know|find|see|read|get))?",
    rf"{_ASK} (?:me|us)(?: about)?",
    r"(?:search(?:ing)?|look(?:ing)?) for",
    rf"{_ASK}(?= {_WANTED} )",
    rf"(?:what|which|any|some)(?= {_WANTED} )",
    rf"(?:an?|any|some)(?: suitable| relevant)?(?= {_WANTED} )",
    rf"{_WANTED} {_ABOUT}",
    r"details? of",  # not "articles of" or "stories of": "articles of association"
)
_OPENING = re.compile(rf"^(?:{'|'.join(_FRAMES)})[\s,:]+", re.IGNORECASE)
_CLOSING = re.compile(
    rf"[\s,.]+(?:(?:an?|any|some)(?: suitable| relevant)? {_WANTED}(?: please)?|please)[\s.?!]*$",
    re.IGNORECASE,
)


def strip_request(text: str) -> tuple[str, tuple[str, ...]]:
    """Returns the query without its request phrasing, and the phrases taken (none: `()`).

    A query that is nothing but request words ("information about") is returned whole: then
    they are what the user is looking for.
    """
    rest, opening, closing = text, "", ""
    while match := _OPENING.match(rest):
        opening = f"{opening} {match[0].strip(' ,:')}".strip()
        rest = rest[match.end() :]
    if match := _CLOSING.search(rest):
        closing = match[0].strip(" ,.?!")
        rest = rest[: match.start()]
    if not re.search(r"\w{3}", rest):  # "please please me" is a title
        return text, ()
    return rest, tuple(phrase for phrase in (opening, closing) if phrase)
