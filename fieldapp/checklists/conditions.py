"""The condition language of checklists (``relevant``, ``constraint``): tokenizer, parser, evaluator.

One grammar, implemented twice: here for the server and in ``static/js/conditions.js`` for the
phone. Both run against ``checklists/tests/condition_vectors.json``; keep them in step.

    expr    := or
    or      := and ("or" and)*
    and     := not ("and" not)*
    not     := "not" not | cmp
    cmp     := sum (("=" | "!=" | "<" | "<=" | ">" | ">=") sum)?
    sum     := atom
    atom    := "${" id "}" | "." | string | number | "true()" | "false()"
             | "selected(" atom "," string ")" | "count(" "${" id "}" ")" | "(" expr ")"

Values are: None (unanswered), booleans, strings, exact decimals (number literals only; answers
are strings), lists of strings (several choices, photos) and lists of blocks (repeats). No ``eval``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .condition_eval import Scope, _eval, compare, normalise, truthy  # noqa: F401 (compare, normalise: public)

ID_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
NUMBER_RE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
COMPARISONS = ("<=", ">=", "!=", "=", "<", ">")
FUNCTIONS = ("selected", "count", "true", "false")
MAX_LENGTH = 2000
MAX_DEPTH = 50


class ConditionSyntaxError(ValueError):
    """A condition that does not parse; ``position`` is the 0-based character offset."""

    def __init__(self, message: str, position: int):
        super().__init__(f"{message} (at character {position + 1})")
        self.reason = message
        self.position = position


@dataclass(frozen=True)
class Token:
    kind: str  # ref, dot, string, number, op, lparen, rparen, comma, word, end
    value: str
    position: int


PUNCTUATION = {".": "dot", "(": "lparen", ")": "rparen", ",": "comma"}  # one-character tokens


def tokenize(text: str) -> list[Token]:
    if len(text) > MAX_LENGTH:
        raise ConditionSyntaxError(f"condition longer than {MAX_LENGTH} characters", MAX_LENGTH)
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in " \t\r\n":
            i += 1
        elif text.startswith("${", i):
            match = ID_RE.match(text, i + 2)
            if not match:
                raise ConditionSyntaxError("expected an item id after '${'", i + 2)
            end = match.end()
            if end >= n or text[end] != "}":
                raise ConditionSyntaxError("expected '}' after the item id", end)
            tokens.append(Token("ref", match.group(), i))
            i = end + 1
        elif ch in "'\"":
            end = text.find(ch, i + 1)
            if end < 0:
                raise ConditionSyntaxError("unterminated string", i)
            tokens.append(Token("string", text[i + 1 : end], i))
            i = end + 1
        elif ch.isascii() and (
            ch.isdigit() or (ch == "-" and i + 1 < n and text[i + 1].isascii() and text[i + 1].isdigit())
        ):
            match = NUMBER_RE.match(text, i)
            assert match
            end = match.end()
            if end < n and text[end] == ".":
                raise ConditionSyntaxError("malformed number", i)
            tokens.append(Token("number", match.group(), i))
            i = end
        elif ch in PUNCTUATION:
            tokens.append(Token(PUNCTUATION[ch], ch, i))
            i += 1
        elif ch in "=!<>":
            for op in COMPARISONS:
                if text.startswith(op, i):
                    tokens.append(Token("op", op, i))
                    i += len(op)
                    break
            else:
                raise ConditionSyntaxError("'!' must be followed by '='", i)
        elif ch.isascii() and (ch.isalpha() or ch == "_"):
            match = ID_RE.match(text, i)
            assert match
            tokens.append(Token("word", match.group(), i))
            i = match.end()
        else:
            raise ConditionSyntaxError(f"unexpected character {ch!r}", i)
    tokens.append(Token("end", "", n))
    return tokens


# --- the syntax tree: tuples, cheap to build and to walk -----------------------------------------
# ("ref", id) ("self",) ("lit", value) ("not", e) ("and", a, b) ("or", a, b) ("cmp", op, a, b)
# ("selected", e, string) ("count", id)


@dataclass(frozen=True)
class Condition:
    """A parsed condition: its source text, its tree and the item ids it refers to."""

    source: str
    tree: tuple
    refs: frozenset[str]
    counted: frozenset[str]  # ids used as count(${id})
    uses_self: bool

    def evaluate(self, answers: dict, path: tuple | list = (), self_value: Any = None) -> bool:
        return truthy(_eval(self.tree, Scope(answers, path), self_value))


# The words that join two conditions, loosest first.
CONNECTIVES = ("or", "and")


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0
        self.depth = 0
        self.refs: set[str] = set()
        self.counted: set[str] = set()
        self.uses_self = False

    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def advance(self) -> Token:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def expect(self, kind: str, what: str) -> Token:
        if self.tok.kind != kind:
            raise ConditionSyntaxError(f"expected {what}", self.tok.position)
        return self.advance()

    def is_word(self, word: str) -> bool:
        return self.tok.kind == "word" and self.tok.value == word

    def parse(self) -> tuple:
        if self.tok.kind == "end":
            raise ConditionSyntaxError("empty condition", 0)
        tree = self.parse_connected()
        if self.tok.kind != "end":
            raise ConditionSyntaxError("unexpected text after the condition", self.tok.position)
        return tree

    def parse_connected(self, level: int = 0) -> tuple:
        """Operands joined by ``CONNECTIVES[level]`` (``or`` binds loosest), left to right; each
        operand is an expression of the next level, and past the last one a ``not`` expression."""
        if level == len(CONNECTIVES):
            return self.parse_not()
        word = CONNECTIVES[level]
        left = self.parse_connected(level + 1)
        while self.is_word(word):
            self.advance()
            left = (word, left, self.parse_connected(level + 1))
        return left

    def parse_not(self) -> tuple:
        if self.is_word("not"):
            self.advance()
            self.enter()
            node = ("not", self.parse_not())
            self.depth -= 1
            return node
        return self.parse_cmp()

    def parse_cmp(self) -> tuple:
        left = self.parse_atom()
        if self.tok.kind == "op":
            op = self.advance().value
            right = self.parse_atom()
            if self.tok.kind == "op":
                raise ConditionSyntaxError("comparisons cannot be chained; use 'and'", self.tok.position)
            return ("cmp", op, left, right)
        return left

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ConditionSyntaxError("condition nested too deeply", self.tok.position)

    def parse_atom(self) -> tuple:
        tok = self.tok
        if tok.kind == "ref":
            self.advance()
            self.refs.add(tok.value)
            return ("ref", tok.value)
        if tok.kind == "dot":
            self.advance()
            self.uses_self = True
            return ("self",)
        if tok.kind == "string":
            self.advance()
            return ("lit", tok.value)
        if tok.kind == "number":
            self.advance()
            return ("lit", Decimal(tok.value))
        if tok.kind == "lparen":
            self.advance()
            self.enter()
            inner = self.parse_connected()
            self.depth -= 1
            self.expect("rparen", "')'")
            return inner
        if tok.kind == "word":
            return self.parse_function()
        if tok.kind == "end":
            raise ConditionSyntaxError("unexpected end of the condition", tok.position)
        raise ConditionSyntaxError(f"unexpected {tok.value!r}", tok.position)

    def parse_function(self) -> tuple:
        tok = self.advance()
        name = tok.value
        if name not in FUNCTIONS:
            raise ConditionSyntaxError(f"unknown word {name!r}", tok.position)
        self.expect("lparen", f"'(' after {name}")
        if name in ("true", "false"):
            self.expect("rparen", "')'")
            return ("lit", name == "true")
        if name == "count":
            ref = self.expect("ref", "${id} in count()")
            self.expect("rparen", "')'")
            self.refs.add(ref.value)
            self.counted.add(ref.value)
            return ("count", ref.value)
        self.enter()
        subject = self.parse_atom()
        self.depth -= 1
        self.expect("comma", "',' in selected()")
        value = self.expect("string", "a quoted choice value in selected()")
        self.expect("rparen", "')'")
        return ("selected", subject, value.value)


def parse(text: str) -> Condition:
    """Parse a condition; raises ``ConditionSyntaxError`` with the position of the problem."""
    if not isinstance(text, str):
        raise ConditionSyntaxError("a condition must be text", 0)
    parser = _Parser(text)
    tree = parser.parse()
    return Condition(text, tree, frozenset(parser.refs), frozenset(parser.counted), parser.uses_self)


def evaluate(condition: str | Condition, answers: dict, path: tuple | list = (), self_value: Any = None) -> bool:
    """Evaluate ``condition`` against an answer set, from inside the block at ``path``.

    ``path`` locates the current repeat block, e.g. ``("dispenser", 0, "nozzle", 1)``; ``${id}``
    looks in that block, then in each enclosing block, then at the top level.
    """
    if isinstance(condition, str):
        condition = parse(condition)
    return condition.evaluate(answers, path, self_value)
