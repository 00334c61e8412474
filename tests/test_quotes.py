"""Locating quotes and finding number-like tokens, on small strings."""

from __future__ import annotations

import pytest

from nekg.coverage import number_tokens
from nekg.quotes import Span, locate, nearest_match

TEXT = "It had 25 articles. It had 25 articles and more."


def test_locate_unique_quote() -> None:
    assert locate(TEXT, "articles and") == Span(30, 42)


def test_prefix_and_suffix_disambiguate() -> None:
    assert locate(TEXT, "It had 25 articles", suffix=".") == Span(0, 18)
    assert locate(TEXT, "It had 25 articles", prefix=". ") == Span(20, 38)


def test_ambiguous_quote_reports_offsets() -> None:
    with pytest.raises(ValueError, match=r"found 2 times \(at offsets \[0, 20\]\)"):
        locate(TEXT, "It had 25 articles")


def test_prefix_at_text_start_does_not_wrap_around() -> None:
    with pytest.raises(ValueError, match="not found"):
        locate(TEXT, "It had 25 articles", prefix="more.")


def test_missing_quote_shows_nearest_passage() -> None:
    assert nearest_match(TEXT, "It had 26 articles and more.") == "It had 25 articles and more."


def test_offsets_are_code_points() -> None:
    text = "下岗 (xiagang) 56 of the 156"
    assert locate(text, "56 of") == Span(13, 18)


def test_number_tokens() -> None:
    text = "In 2003, 1.6 trillion RMB, 12,900+ RMB,\none-third and five parks; someone"
    assert [t.text for t in number_tokens(text)] == [
        "2003", "1.6", "trillion", "12,900", "one-third", "five",
    ]
    assert (number_tokens(text)[4].line, number_tokens(text)[4].column) == (2, 1)
