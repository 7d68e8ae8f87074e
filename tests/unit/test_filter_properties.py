"""Properties of the constituents filter (tui/filter_expr.py), checked by hypothesis: any text
either compiles or raises FilterError; a compiled expression means what a reference evaluator
over the same tree says, with SQL's three-valued logic for unknown values."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tui.filter_expr import MAX_DEPTH, FilterError, is_expression, parse_filter


@dataclass(frozen=True)
class Row:
    symbol: str | None
    name: str | None
    weight: float | None
    last: float | None
    chg: float | None


WORD = st.text(alphabet="abcXYZ019 &.", min_size=0, max_size=8)
NUMBER = st.one_of(st.none(), st.floats(-100, 100), st.just(float("nan")))
ROWS = st.builds(
    Row,
    symbol=st.one_of(st.none(), WORD),
    name=st.one_of(st.none(), WORD),
    weight=NUMBER,
    last=NUMBER,
    chg=NUMBER,
)

# -- a tree of the grammar, its text, and what it means -----------------------------------------

Tree = tuple[Any, ...]

NUM_OPS = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "=": lambda a, b: a == b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}
TEXT_OPS = {
    "=": lambda a, b: a == b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "~": lambda a, b: b in a,
}

number_cmp = st.tuples(
    st.just("num"),
    st.sampled_from(["weight", "last", "chg"]),
    st.sampled_from(sorted(NUM_OPS)),
    st.floats(-100, 100).map(lambda x: round(x, 3)),
)
text_cmp = st.tuples(
    st.just("text"),
    st.sampled_from(["symbol", "name"]),
    st.sampled_from(sorted(TEXT_OPS)),
    st.text(alphabet="abcXYZ019 &.", max_size=5),
)
TREES = st.recursive(
    st.one_of(number_cmp, text_cmp),
    lambda inner: st.one_of(
        st.tuples(st.just("not"), inner),
        st.tuples(st.sampled_from(["and", "or"]), inner, inner),
    ),
    max_leaves=8,
)


def render(tree: Tree) -> str:
    kind = tree[0]
    if kind == "num":
        _, column, op, value = tree
        return f"{column} {op} {value!r}"
    if kind == "text":
        _, column, op, value = tree
        return f'{column} {op} "{value}"'
    if kind == "not":
        return f"not ({render(tree[1])})"
    return f"({render(tree[1])}) {kind} ({render(tree[2])})"


def meaning(tree: Tree, row: Row) -> bool | None:
    kind = tree[0]
    if kind == "num":
        _, column, op, value = tree
        x = getattr(row, column)
        if x is None or not math.isfinite(x):
            return None
        return bool(NUM_OPS[op](x, value))
    if kind == "text":
        _, column, op, value = tree
        x = getattr(row, column)
        if x is None:
            return None
        return bool(TEXT_OPS[op](x.casefold(), value.casefold()))
    if kind == "not":
        inner = meaning(tree[1], row)
        return None if inner is None else not inner
    a, b = meaning(tree[1], row), meaning(tree[2], row)
    if kind == "and":
        if a is False or b is False:
            return False
        return None if a is None or b is None else True
    if a is True or b is True:
        return True
    return None if a is None or b is None else False


def depth(tree: Tree) -> int:
    if tree[0] in ("num", "text"):
        return 1
    return 1 + max(depth(t) for t in tree[1:])


@given(st.text(max_size=60))
def test_any_text_compiles_or_is_a_one_line_filter_error(text: str) -> None:
    try:
        f = parse_filter(text)
    except FilterError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    row = Row("ABC", "Alpha Bank", 0.1, 12.0, None)
    assert f(row) in (True, False)


@given(TREES, st.lists(ROWS, min_size=1, max_size=5))
def test_an_expression_means_what_its_tree_means(tree: Tree, rows: list[Row]) -> None:
    text = render(tree)
    if depth(tree) * 2 > MAX_DEPTH:
        return  # the nesting limit is tested in test_filter_expr.py
    f = parse_filter(text)
    assert f.kind == "expression"
    for row in rows:
        assert f(row) is (meaning(tree, row) is True), (text, row)


@given(TREES, ROWS)
def test_a_row_never_passes_both_an_expression_and_its_negation(tree: Tree, row: Row) -> None:
    if depth(tree) * 2 > MAX_DEPTH:
        return
    text = render(tree)
    assert not (parse_filter(text)(row) and parse_filter(f"not ({text})")(row))


@given(st.text(alphabet="abcXYZ019 &.-", min_size=1, max_size=12), ROWS)
def test_plain_words_look_for_a_substring_of_symbol_or_name(word: str, row: Row) -> None:
    if is_expression(word) or not word.strip():
        return
    needle = word.strip().casefold()
    expected = needle in str(row.symbol).casefold() or needle in str(row.name).casefold()
    assert parse_filter(word)(row) is expected
