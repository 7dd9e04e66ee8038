"""Request phrasing ("please send articles about ...") told apart from the query's subject."""

from __future__ import annotations

import pytest

from search.phrasing import strip_request


@pytest.mark.parametrize(
    ("text", "rest", "taken"),
    [
        ("news about Navalny", "Navalny", ("news about",)),
        (
            "Could you please give me articles about Bilash?",
            "Bilash?",
            ("Could you please give me articles about",),
        ),
        ("I would like information on the Atajurt raids", "the Atajurt raids", None),
        ("tell me about press freedom", "press freedom", ("tell me about",)),
        ("WHAT REFERENCES ON MODEL EXPERIMENTS IN AURORA", "MODEL EXPERIMENTS IN AURORA", None),
        ("I WOULD LIKE DETAILS OF THE WORK DONE", "THE WORK DONE", None),
        ("data on jailed journalists, please", "jailed journalists", ("data on", "please")),
        ("I WISH TO CALCULATE THE LOSS IN COILS. A SUITABLE ARTICLE PLEASE", None, None),
    ],
    ids=["news", "polite", "would-like", "tell-me", "capitals", "details", "closing", "both"],
)
def test_request_phrasing_is_taken_off(text: str, rest: str | None, taken: tuple | None) -> None:
    got_rest, got_taken = strip_request(text)
    assert got_taken and got_rest != text
    assert not got_rest.lower().startswith(("please", "i ", "what", "details", "information"))
    if rest is not None:
        assert got_rest == rest
    if taken is not None:
        assert got_taken == taken


@pytest.mark.parametrize(
    "text",
    [
        "information about",  # nothing else: the words are what is looked for
        "please please me",
        "Articles of association",
        "Stories of survival",
        '"information on" torture',  # quoted: the user's own phrase
        "title:information on torture",
        "Information: the leak",
        "Detailsky on trial",
        "Bilash news about camps",  # request words inside the query are words
    ],
)
def test_queries_that_are_not_requests_stay_whole(text: str) -> None:
    assert strip_request(text) == (text, ())
