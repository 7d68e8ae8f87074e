"""The constituents filter: a substring, or a small safe expression language over the columns.

``parse_filter("bank")`` matches rows whose symbol or name contains "bank" (any case);
``parse_filter("chg < -3 and weight > 0.05")`` compiles an expression. The grammar::

    expr       := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | "(" expr ")" | comparison
    comparison := operand OP operand          OP: < <= > >= = == != ~
    operand    := column | number | "quoted text"

Columns: ``symbol name`` (text: ``= != ~`` where ``~`` means "contains", case-insensitive) and
``weight last chg r1m r3m contrib`` (numbers: 1M and 3M return, contribution to the
sector's move; a trailing ``%`` on a number is allowed and ignored). The text is
tokenised by one regular expression and parsed by recursive descent into closures: nothing is
ever evaluated as Python, and anything that is not a token of this grammar is an error.

Unknown values (None, NaN) follow three-valued logic as in SQL: a comparison with an unknown
value is unknown, ``not unknown`` is unknown, and a row is kept only when the whole expression
is true — so ``chg < -3`` and ``not chg < -3`` both leave out a row whose change is unknown.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

ColumnType = Literal["text", "number"]

COLUMNS: dict[str, ColumnType] = {
    "symbol": "text",
    "name": "text",
    "weight": "number",
    "last": "number",
    "chg": "number",
    "r1m": "number",
    "r3m": "number",
    "contrib": "number",
}
"""Columns an expression may name, with their type."""

MAX_LENGTH = 400
MAX_DEPTH = 40

_EXPRESSION_CHARS = frozenset("<>=!~()\"'")

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?%?)
  | (?P<string>"[^"]*"|'[^']*')
  | (?P<op><=|>=|==|!=|<|>|=|~)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<minus>-)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    """,
    re.VERBOSE,
)

_KEYWORDS = frozenset({"and", "or", "not"})

Tri = bool | None
Predicate = Callable[[Any], Tri]


class FilterError(ValueError):
    """A filter expression that cannot be parsed; the message is one line for the status line."""


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str
    text: str
    pos: int  # 1-based column for messages


@dataclass(frozen=True)
class RowFilter:
    """A compiled filter: call it on a row (any object with the column attributes)."""

    text: str
    kind: Literal["all", "substring", "expression"]
    _pred: Callable[[Any], bool] = field(repr=False, compare=False)

    def __call__(self, row: Any) -> bool:
        return self._pred(row)

    def describe(self) -> str:
        """A short label for the status line."""
        if self.kind == "all":
            return "none"
        if self.kind == "substring":
            return f"contains {self.text.strip()!r}"
        return self.text.strip()


def is_expression(text: str) -> bool:
    """True when ``text`` is meant as an expression rather than a substring to look for."""
    return any(c in _EXPRESSION_CHARS for c in text)


def parse_filter(text: str) -> RowFilter:
    """Compile ``text``: empty matches every row, plain words are a substring of symbol or name,
    anything with an operator, parenthesis or quote is an expression. Raises ``FilterError``."""
    stripped = text.strip()
    if len(stripped) > MAX_LENGTH:
        raise FilterError(f"filter is too long ({len(stripped)} characters, at most {MAX_LENGTH})")
    if not stripped:
        return RowFilter(text, "all", _always)
    if not is_expression(stripped):
        needle = stripped.casefold()

        def contains(row: Any) -> bool:
            return needle in str(row.symbol).casefold() or needle in str(row.name).casefold()

        return RowFilter(text, "substring", contains)
    pred = _Parser(_tokenise(stripped)).parse()
    return RowFilter(text, "expression", lambda row: pred(row) is True)


def _always(row: Any) -> bool:
    return True


def _tokenise(text: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            ch = text[pos]
            if ch in "\"'":
                raise FilterError(f"unclosed quote at column {pos + 1}")
            raise FilterError(f"unexpected character {ch!r} at column {pos + 1}")
        kind = m.lastgroup or ""
        if kind != "ws":
            tokens.append(_Tok(kind, m.group(), pos + 1))
        pos = m.end()
    return tokens


@dataclass(frozen=True, slots=True)
class _Operand:
    kind: Literal["column", "number", "text"]
    value: Any  # column name, float or casefolded text
    pos: int

    @property
    def type(self) -> ColumnType:
        if self.kind == "column":
            return COLUMNS[self.value]
        return "number" if self.kind == "number" else "text"


_NUM_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "=": operator.eq,
    "==": operator.eq,
    "!=": operator.ne,
}


def _text_contains(a: str, b: str) -> bool:
    return b in a


_TEXT_OPS: dict[str, Callable[[str, str], bool]] = {
    "=": operator.eq,
    "==": operator.eq,
    "!=": operator.ne,
    "~": _text_contains,
}


class _Parser:
    def __init__(self, tokens: list[_Tok]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    # -- token helpers -------------------------------------------------------------------------

    def peek(self) -> _Tok | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def next(self, expected: str) -> _Tok:
        tok = self.peek()
        if tok is None:
            raise FilterError(f"expression ends early: expected {expected}")
        self.i += 1
        return tok

    def at_keyword(self, word: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.kind == "word" and tok.text.lower() == word

    # -- grammar -------------------------------------------------------------------------------

    def parse(self) -> Predicate:
        pred = self.expr()
        tok = self.peek()
        if tok is not None:
            raise FilterError(f"unexpected {tok.text!r} at column {tok.pos}")
        return pred

    def expr(self) -> Predicate:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FilterError(f"expression is nested too deeply (at most {MAX_DEPTH} levels)")
        left = self.and_expr()
        while self.at_keyword("or"):
            self.i += 1
            left = _or(left, self.and_expr())
        self.depth -= 1
        return left

    def and_expr(self) -> Predicate:
        left = self.not_expr()
        while self.at_keyword("and"):
            self.i += 1
            left = _and(left, self.not_expr())
        return left

    def not_expr(self) -> Predicate:
        if self.at_keyword("not"):
            self.i += 1
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise FilterError(f"expression is nested too deeply (at most {MAX_DEPTH} levels)")
            inner = self.not_expr()
            self.depth -= 1
            return _not(inner)
        tok = self.peek()
        if tok is not None and tok.kind == "lparen":
            self.i += 1
            inner = self.expr()
            close = self.next("')'")
            if close.kind != "rparen":
                raise FilterError(f"expected ')' at column {close.pos}, got {close.text!r}")
            return inner
        return self.comparison()

    def comparison(self) -> Predicate:
        left = self.operand()
        tok = self.peek()
        if tok is None or tok.kind != "op":
            where = "at the end" if tok is None else f"at column {tok.pos}, got {tok.text!r}"
            raise FilterError(f"expected a comparison (< <= > >= = != ~) {where}")
        self.i += 1
        right = self.operand()
        return _compare(left, tok, right)

    def operand(self) -> _Operand:
        tok = self.next("a column, a number or quoted text")
        if tok.kind == "minus":
            num = self.next("a number after '-'")
            if num.kind != "number":
                raise FilterError(f"expected a number after '-' at column {num.pos}")
            return _Operand("number", -_number(num), tok.pos)
        if tok.kind == "number":
            return _Operand("number", _number(tok), tok.pos)
        if tok.kind == "string":
            return _Operand("text", tok.text[1:-1].casefold(), tok.pos)
        if tok.kind == "word":
            name = tok.text.lower()
            if name in _KEYWORDS:
                raise FilterError(f"unexpected {tok.text!r} at column {tok.pos}")
            if name not in COLUMNS:
                raise FilterError(
                    f"unknown column {tok.text!r} at column {tok.pos} "
                    f"(expected one of {', '.join(COLUMNS)})"
                )
            return _Operand("column", name, tok.pos)
        raise FilterError(f"unexpected {tok.text!r} at column {tok.pos}")


def _number(tok: _Tok) -> float:
    value = float(tok.text.rstrip("%"))
    if not math.isfinite(value):
        raise FilterError(f"number out of range at column {tok.pos}")
    return value


def _getter(op: _Operand) -> Callable[[Any], Any]:
    if op.kind == "column":
        name = op.value
        if COLUMNS[name] == "text":

            def text(row: Any) -> str | None:
                v = getattr(row, name)
                return None if v is None else str(v).casefold()

            return text

        def number(row: Any) -> float | None:
            v = getattr(row, name)
            if v is None:
                return None
            f = float(v)
            return f if math.isfinite(f) else None

        return number
    const = op.value
    return lambda row: const


def _compare(left: _Operand, tok: _Tok, right: _Operand) -> Predicate:
    if left.kind != "column" and right.kind != "column":
        raise FilterError(f"comparison at column {tok.pos} must name a column")
    if left.type != right.type:
        col = left if left.kind == "column" else right
        if col.type == "text":
            hint = f'compare it with quoted text, e.g. {col.value} ~ "abc"'
        else:
            hint = f"compare it with a number, e.g. {col.value} > 1"
        raise FilterError(f"{col.value} is {col.type}: {hint}")
    fn: Callable[[str, str], bool] | Callable[[float, float], bool] | None
    if left.type == "text":
        fn = _TEXT_OPS.get(tok.text)
        if fn is None:
            raise FilterError(f"text can only be compared with = != ~ (column {tok.pos})")
    else:
        fn = _NUM_OPS.get(tok.text)
        if fn is None:
            raise FilterError(f"numbers cannot be compared with {tok.text!r} (column {tok.pos})")
    get_l, get_r = _getter(left), _getter(right)
    compare = fn

    def pred(row: Any) -> Tri:
        a = get_l(row)
        if a is None:
            return None
        b = get_r(row)
        if b is None:
            return None
        return bool(compare(a, b))

    return pred


def _not(inner: Predicate) -> Predicate:
    def pred(row: Any) -> Tri:
        x = inner(row)
        return None if x is None else not x

    return pred


def _and(left: Predicate, right: Predicate) -> Predicate:
    def pred(row: Any) -> Tri:
        x = left(row)
        if x is False:
            return False
        y = right(row)
        if y is False:
            return False
        return None if x is None or y is None else True

    return pred


def _or(left: Predicate, right: Predicate) -> Predicate:
    def pred(row: Any) -> Tri:
        x = left(row)
        if x is True:
            return True
        y = right(row)
        if y is True:
            return True
        return None if x is None or y is None else False

    return pred
