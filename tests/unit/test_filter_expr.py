"""The constituents filter language: substrings, expressions, three-valued logic, bad input."""

from __future__ import annotations

from typing import NamedTuple

import pytest

from tui.filter_expr import FilterError, is_expression, parse_filter


class Row(NamedTuple):
    symbol: str
    name: str
    weight: float | None
    last: float | None
    chg: float | None


ROWS = [
    Row("ABCB", "Ameris Bancorp", 0.08, 45.0, -3.5),
    Row("BANR", "Banner Corp", 0.04, 60.0, -1.0),
    Row("XYZ", "Xyz Energy Inc", 0.10, 12.5, 4.2),
    Row("NUL", "Unknown Change Co", 0.02, None, None),
    Row("OKE", "Okay Bank & Trust", 0.06, 8.0, -3.0),
]


def matching(text: str) -> list[str]:
    f = parse_filter(text)
    return [r.symbol for r in ROWS if f(r)]


def test_empty_matches_everything() -> None:
    assert matching("") == ["ABCB", "BANR", "XYZ", "NUL", "OKE"]
    assert matching("   ") == ["ABCB", "BANR", "XYZ", "NUL", "OKE"]
    assert parse_filter("").kind == "all"


def test_substring_of_symbol_or_name_any_case() -> None:
    assert matching("ban") == ["ABCB", "BANR", "OKE"]  # Bancorp, BANR, Bank
    assert matching("XYZ") == ["XYZ"]
    assert matching("energy") == ["XYZ"]
    # Words "and"/"or" without an operator are text to look for, not logic.
    assert matching("bank & trust") == ["OKE"]
    assert parse_filter("corp and").kind == "substring"


def test_expression_from_the_issue() -> None:
    assert matching("chg < -3 and weight > 0.05") == ["ABCB"]


def test_comparisons_and_boundaries() -> None:
    assert matching("chg <= -3") == ["ABCB", "OKE"]
    assert matching("chg < -3") == ["ABCB"]
    assert matching("chg >= 4.2") == ["XYZ"]
    assert matching("last = 60") == ["BANR"]
    assert matching("last == 60") == ["BANR"]
    assert matching("last != 60") == ["ABCB", "XYZ", "OKE"]  # unknown last is left out
    assert matching("chg<-3") == ["ABCB"]  # no spaces needed
    assert matching("chg < -3%") == ["ABCB"]  # a percent sign is a unit, ignored
    assert matching("weight > 5e-2") == ["ABCB", "XYZ", "OKE"]
    assert matching("-3 > chg") == ["ABCB"]  # literal on the left
    assert matching("last > weight") == ["ABCB", "BANR", "XYZ", "OKE"]  # column vs column


def test_precedence_and_parentheses() -> None:
    # and binds tighter than or: XYZ or (ABCB-like rows)
    assert matching("chg > 4 or chg < -3 and weight > 0.07") == ["ABCB", "XYZ"]
    assert matching("(chg > 4 or chg < -3) and weight > 0.09") == ["XYZ"]
    assert matching("not (chg < 0)") == ["XYZ"]
    assert matching("NOT chg < 0 AND last > 10") == ["XYZ"]  # keywords in any case


def test_text_operators() -> None:
    assert matching('name ~ "bank"') == ["OKE"]
    assert matching("name ~ 'BAN'") == ["ABCB", "BANR", "OKE"]
    assert matching('symbol = "xyz"') == ["XYZ"]
    assert matching('symbol != "xyz" and chg > -2') == ["BANR"]


def test_unknown_values_use_three_valued_logic() -> None:
    # NUL has chg None: neither the comparison nor its negation keeps it ...
    assert "NUL" not in matching("chg < 0")
    assert "NUL" not in matching("not chg < 0")
    # ... but "or" with a true side does, and "and" with a false side is false, not unknown.
    assert "NUL" in matching("chg < 0 or weight < 0.03")
    # NUL: unknown and false is false, so its negation keeps the row.
    assert matching("not (chg < 0 and weight > 0.5)") == ["ABCB", "BANR", "XYZ", "NUL", "OKE"]
    nan_row = Row("NAN", "Not a number", 0.1, float("nan"), float("nan"))
    assert not parse_filter("last > 0")(nan_row)
    assert not parse_filter("not last > 0")(nan_row)


def test_is_expression() -> None:
    assert is_expression("chg < 1")
    assert is_expression("(x")
    assert is_expression('"a b"')
    assert not is_expression("johnson and johnson")


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("__import__('os')", "unknown column '__import__'"),
        ("__import__('os').system('rm -rf /')", "unexpected character '.' at column 17"),
        ("chg < 1; import os", "unexpected character ';' at column 8"),
        ("exec('1') > 0", "unknown column 'exec'"),
        ("chg.__class__ < 1", "unexpected character '.'"),
        ("lambda: 1 < 2", "unexpected character ':'"),
        ("chg < `ls`", "unexpected character '`'"),
        ("[x for x in ()] < 1", "unexpected character '['"),
        ("chg <", "expression ends early"),
        ("chg < -", "expression ends early: expected a number after '-'"),
        ("chg ()", "expected a comparison (< <= > >= = != ~) at column 5, got '('"),
        ("(chg)", "expected a comparison (< <= > >= = != ~) at column 5, got ')'"),
        ("(chg < 1", "expression ends early: expected ')'"),
        ("chg < 1)", "unexpected ')' at column 8"),
        ("chg < 1 and", "expression ends early"),
        ("1 < 2", "must name a column"),
        ("name > 3", "name is text"),
        ('chg = "a"', "chg is number"),
        ('name < "a"', "text can only be compared with = != ~"),
        ("chg ~ 3", "numbers cannot be compared with '~'"),
        ("price > 3", "unknown column 'price' at column 1 (expected one of symbol, name"),
        ("name ~ 'abc", "unclosed quote at column 8"),
        ("chg < 1e999", "number out of range"),
        ("chg < 1 chg > 2", "unexpected 'chg' at column 9"),
        ("and < 1", "unexpected 'and' at column 1"),
    ],
)
def test_bad_expressions_are_one_line_errors(text: str, needle: str) -> None:
    with pytest.raises(FilterError) as err:
        parse_filter(text)
    message = str(err.value)
    assert needle in message
    assert "\n" not in message


def test_bare_column_word_is_a_substring_search() -> None:
    # A bare word, with no operator character, is text to look for.
    assert parse_filter("chg").kind == "substring"


def test_limits_on_length_and_depth() -> None:
    with pytest.raises(FilterError, match="too long"):
        parse_filter("chg > 1 or " * 60 + "chg > 1")
    with pytest.raises(FilterError, match="nested too deeply"):
        parse_filter("(" * 60 + "chg > 1" + ")" * 60)
    with pytest.raises(FilterError, match="nested too deeply"):
        parse_filter("not " * 60 + "chg > 1")
    # A reasonable depth is fine.
    assert matching("((((chg > 4))))") == ["XYZ"]


def test_describe() -> None:
    assert parse_filter("").describe() == "none"
    assert parse_filter(" bank ").describe() == "contains 'bank'"
    assert parse_filter("chg < -3 ").describe() == "chg < -3"
