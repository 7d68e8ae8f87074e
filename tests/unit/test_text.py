"""analytics.text: one inert() for all text that leaves rotmon, and the CSV formula guard,
property-tested against controls, escape sequences, bidi controls, separators and markup."""

from __future__ import annotations

import json
import unicodedata

from hypothesis import example, given
from hypothesis import strategies as st
from rich.markup import render
from rich.text import Text

from analytics.text import csv_text, escape_markup, inert, inert_json

OSC52 = "\x1b]52;c;ZXZpbA==\x07"
OSC8 = "\x1b]8;;https://evil.example/\x1b\\link\x1b]8;;\x1b\\"
HOSTILE = (
    "\x1b[2J",
    "\x1b[31m",
    "\x9b31m",
    OSC52,
    OSC8,
    "\x1bP1$qm\x1b\\",
    "\x1b]0;title\x9c",
    "\x1bc",
    "\x1b(B",
    "\x07",
    "\x00",
    "\x7f",
    "\x85",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u200e",
    "\u200f",
    "\u061c",
    "\u2028",
    "\u2029",
    "\ufeff",
    "\U000e0041",  # a tag character
    "[red]",
    "[/]",
    "[link=https://evil.example/]",
    "[@click=app.quit]",
    "\\",
    "[",
    "]",
)
BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")

hostile_text = st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=8)), max_size=12).map(
    "".join
)


def is_safe(s: str) -> bool:
    """Nothing a terminal acts on: no C0/C1 control, no format (bidi) character, no line
    or paragraph separator, no lone surrogate."""
    return all(
        ch == " " or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Zl", "Zp") for ch in s
    )


@given(hostile_text)
@example(f"E{OSC52}X.csv")
@example("\x1b\x1b[31mx")
@example("\x1b]52;c;unterminated")
def test_inert_leaves_nothing_a_terminal_acts_on(s: str) -> None:
    out = inert(s)
    assert is_safe(out)
    assert "\x1b" not in out and "\x07" not in out
    assert inert(out) == out  # idempotent
    out.encode("utf-8")  # writable to any UTF-8 stream (a lone surrogate would raise)


@given(st.text(alphabet=st.characters(categories=("L", "N", "P", "S", "Zs")), max_size=40))
def test_inert_keeps_ordinary_text(s: str) -> None:
    assert inert(s) == s


def test_whole_escape_sequences_go_not_just_the_escape() -> None:
    assert inert(f"E{OSC52}X.csv") == "EX.csv"
    assert inert(f"a{OSC8}b") == "alinkb"
    assert inert("ok\x1b[31m red\x1b[0m\x07\n[b]x[/b]") == "ok red [b]x[/b]"
    assert inert("\x9b2Jx\x9d0;t\x9cy") == "xy"
    assert inert("a\u2028b\u2029c\td\r\ne") == "a b c d  e"
    assert inert("\u202eevil\u2069") == "evil"
    assert inert("\x1b]52;c;rest") == "52;c;rest"  # unterminated: the ESC goes, text stays
    assert inert("lone \ud800 surrogate") == "lone \ufffd surrogate"


def test_limit_and_newlines() -> None:
    assert inert("abcdefgh", 5) == "abcd…"
    assert inert("a\nb\u2028c", keep_newlines=True) == "a\nb c"


@given(hostile_text)
@example("x\\")
@example("[red]x\\")
def test_markup_escaped_text_is_never_parsed_as_markup(s: str) -> None:
    # Rich console markup (the CLI). Textual's own parser differs ("[\\[link=x]" raises
    # MarkupError even after textual.markup.escape): on screen data goes in a Text, never markup.
    escaped = inert(s, markup=True)
    rich = render(escaped)
    assert not rich.spans  # no style, no link, no @click
    if "\\" not in s:  # Rich shows exactly the text (backslashes before a tag are ambiguous)
        assert rich.plain == inert(s)


@given(hostile_text)
def test_markup_escaped_text_cannot_capture_a_following_tag(s: str) -> None:
    styled = render(f"{inert(s, markup=True)}[bold]B[/bold]")
    assert styled.plain.endswith("B")
    assert any(span.style == "bold" for span in styled.spans)


def test_escape_markup_matches_rich() -> None:
    from rich.markup import escape

    for s in ("[red]x[/]", "\\[b]", "a\\", "[1]", "x[@click=app.quit]"):
        assert escape_markup(s) == escape(s)
    assert Text("[red]").plain == "[red]"  # Text never parses: inert alone is enough there


@given(hostile_text)
@example('=HYPERLINK("https://evil.example","x")')
@example("@SUM(A1)")
@example("\t=1")
@example("  =1")
def test_csv_text_never_starts_a_formula(s: str) -> None:
    out = csv_text(s)
    assert is_safe(out)
    assert not out.lstrip(" ").startswith(("=", "+", "-", "@"))
    formula = inert(s).lstrip(" ").startswith(("=", "+", "-", "@")) or s.startswith(("\t", "\r"))
    assert out == ("'" + inert(s) if formula else inert(s))


def test_csv_text_examples() -> None:
    assert csv_text('=HYPERLINK("http://x","y")') == '\'=HYPERLINK("http://x","y")'
    assert csv_text("@SUM(A1)") == "'@SUM(A1)"
    assert csv_text("+1") == "'+1"
    assert csv_text("-x") == "'-x"
    assert csv_text("\tx") == "' x"
    assert csv_text("\r=1") == "' =1"
    assert csv_text("IWM/SPY") == "IWM/SPY"


def test_inert_json_cleans_keys_and_values_and_keeps_numbers() -> None:
    doc = {"a\x1b[2J": [f"x{OSC52}", 1.5, None, True, {"k": "\u202ey"}], "n": -1.25}
    assert inert_json(doc) == {"a": ["x", 1.5, None, True, {"k": "y"}], "n": -1.25}
    assert json.dumps(inert_json(doc))
