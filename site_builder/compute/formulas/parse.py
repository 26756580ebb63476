"""The expression grammar: one expression's tokens parsed completely into a tree, or an error naming the column."""

from __future__ import annotations

from dataclasses import replace

from .constructs import Constructs
from .notation import ACCENTS, COMPARISONS, DECORATIONS, FONTS, GREEK, INDICATORS, NAMED_FUNCTIONS, OPERATOR_FUNCTIONS
from .syntax import (
    OPEN,
    Apply,
    Binary,
    Call,
    Compare,
    FormulaError,
    Fraction,
    Index,
    Negate,
    Node,
    Number,
    Power,
    Symbol,
    Text,
    Token,
    symbol_name,
)

_ATOM_COMMANDS = (
    frozenset(["frac", "dfrac", "tfrac", "sqrt", "sum", "prod", "lVert", "Vert", "begin", "max", "min"])
    | OPERATOR_FUNCTIONS
)


class Parser(Constructs):
    """Recursive descent over one expression's tokens; anything left unread is an error."""

    def __init__(self, latex: str, tokens: list[Token], words: frozenset[str]) -> None:
        self.latex, self.tokens, self.words = latex, tokens, words
        self.position = 0
        self.closers: list[str] = []
        """Delimiters that end the innermost open ``|...|`` or norm."""

    def peek(self, offset: int = 0) -> Token | None:
        index = self.position + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def at(self, *texts: str) -> bool:
        token = self.peek()
        return token is not None and token.kind in ("char", "cmd") and token.text in texts

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise self.error("ends too early")
        self.position += 1
        return token

    def expect(self, text: str) -> Token:
        if not self.at(text):
            raise self.error(f"expected {text}")
        return self.take()

    def error(self, message: str) -> FormulaError:
        token = self.peek()
        if token is None:
            return FormulaError(f"cannot be parsed: {message} at the end of the formula")
        return FormulaError(f"cannot be parsed: {message} at column {token.start + 1} ({token.text!r})")

    def whole(self) -> Node:
        node = self.expression()
        if self.peek() is not None:
            token = self.peek()
            assert token is not None
            if token.kind == "cmd" and token.text[1:] not in GREEK:
                raise FormulaError(f"uses {token.text}, which the formula checker cannot read")
            raise self.error("unexpected text")
        return node

    def expression(self) -> Node:
        node = self.term()
        while self.at("+", "-"):
            op = self.take()
            if self.peek() is None:
                raise self.error(f"an operand of {op.text} should follow")
            right = self.term()
            node = Binary((node.span[0], right.span[1]), op.text, node, right, (op.start, op.end))
        return node

    def term(self) -> Node:
        node = self.factor()
        while True:
            if self.at("*", "\\cdot", "\\times", "\\odot", "\\otimes", "\\circ", "/", "\\div"):
                op = self.take()
                right = self.factor()
                while op.text in ("\\odot", "\\otimes") and self.starts_atom():  # a ⊗ xV: the side by side first
                    factor = self.factor()
                    right = Binary((right.span[0], factor.span[1]), "*", right, factor, (factor.span[0],) * 2)
                kind = "/" if op.text in ("/", "\\div") else "*"
                node = Binary((node.span[0], right.span[1]), kind, node, right, (op.start, op.end))
            elif self.starts_atom():
                right = self.factor()
                node = Binary((node.span[0], right.span[1]), "*", node, right, (right.span[0], right.span[0]))
            else:
                return node

    def starts_atom(self) -> bool:
        token = self.peek()
        if token is None or token.text in self.closers:
            return False
        if token.kind in ("letter", "name"):
            return True
        if token.kind == "cmd":
            name = token.text[1:]
            return name in GREEK or name in DECORATIONS or name in _ATOM_COMMANDS or name == "binom"
        return token.text in ("(", "[", "{", "\\{", "|", "\\|", "\\lfloor", "\\lceil")

    def factor(self) -> Node:
        if self.at("-", "+"):
            sign = self.take()
            operand = self.factor()
            return operand if sign.text == "+" else Negate((sign.start, operand.span[1]), operand)
        node = self.atom()
        while self.at("^", "!"):
            if self.take().text == "!":  # x!: the factorial
                node = Call((node.span[0], node.span[1] + 1), "factorial", (node,))
                continue
            exponent, label = self.script()
            node = Power((node.span[0], exponent.span[1]), node, exponent, label)
        return node

    def script(self) -> tuple[Node, str]:
        """A sub- or superscript: ``{...}`` or one token; with its text as bound (``t-1``, ``2``, ``max``)."""
        if self.at("{"):
            opening = self.take()
            inner = self.expression()
            closing = self.expect("}")
            return replace(inner, span=(opening.start, closing.end)), symbol_name(
                self.latex[opening.end : closing.start]
            )
        token = self.peek()
        if token is not None and token.kind == "number" and len(token.text) > 1:
            raise self.error("write a script of several digits in braces")
        node = self.atom(scripts=False)
        return node, symbol_name(self.latex[node.span[0] : node.span[1]])

    def atom(self, scripts: bool = True) -> Node:
        token = self.take()
        if token.kind == "number":
            return Number((token.start, token.end), float(token.text))
        if token.kind == "str":
            return Text((token.start, token.end), token.text)
        if token.kind in ("letter", "name") or (token.kind == "cmd" and token.text[1:] in GREEK | DECORATIONS):
            return self.symbol(token, scripts)
        if token.text in OPEN:
            inner = self.expression()
            if token.text == "{" and self.at("\\over"):  # {a \over b}: plain TeX's fraction
                self.take()
                denominator = self.expression()
                inner = Fraction((inner.span[0], denominator.span[1]), inner, denominator)
            closing = self.expect(OPEN[token.text])
            return replace(inner, span=(token.start, closing.end))
        if token.text in ("\\lfloor", "\\lceil"):
            inner = self.expression()
            closing = self.expect(token.text.replace("\\l", "\\r"))
            return Call((token.start, closing.end), token.text[2:], (inner,), None, (token.start, token.end))
        if token.text in ("\\top", "\\intercal"):  # the superscript of a transpose
            return Symbol((token.start, token.end), token.text[1:], None, ())
        if token.text in ("\\ldots", "\\dots", "\\cdots") and self.closers[-1:] == ["\\|"]:
            return Symbol((token.start, token.end), "ldots", None, ())  # p(w_1, \ldots, w_K): arguments elided
        if token.text in ("|", "\\|", "\\lVert", "\\Vert"):
            return self.delimited(token)
        name = token.text[1:] if token.kind == "cmd" else ""
        if name in ("frac", "dfrac", "tfrac"):
            numerator, _ = self.script()
            denominator, _ = self.script()
            return Fraction((token.start, denominator.span[1]), numerator, denominator)
        if name == "sqrt":
            return self.root(token)
        if name == "binom":
            top, _ = self.script()
            bottom, _ = self.script()
            return Call((token.start, bottom.span[1]), "binom", (top, bottom), None, (token.start, token.end))
        if name in ("sum", "prod"):
            return self.reduction(token)
        if name in ("max", "min") and self.at("_"):  # \max_c a_c: over the values of an index, as a sum
            return self.reduction(token)
        if name in OPERATOR_FUNCTIONS or name in ("max", "min"):
            return self.call(name, token)
        if name == "begin":
            return self.cases(token)
        self.position -= 1
        if token.kind == "cmd":
            raise FormulaError(f"uses {token.text}, which the formula checker cannot read")
        raise self.error("expected a number, a symbol or a parenthesis")

    def symbol(self, token: Token, scripts: bool) -> Node:
        start = token.start
        if token.kind == "name" and (token.font, token.text) in INDICATORS:
            return self.indicator(token)
        if token.kind == "name" and token.text in ("E", "Var") and self.at("[", "("):
            return self.call(token.text, token)
        if token.kind == "name" and token.text == "E" and self.at("_"):
            return self.expectation(token)
        if token.kind == "name" and token.text.lower() in NAMED_FUNCTIONS and self.at("("):
            return self.call(token.text.lower(), token)
        multi_letter = token.kind == "name" and len(token.text) > 1
        bold = token.kind == "cmd" and token.text[1:] in FONTS
        if token.kind == "cmd" and token.text[1:] in DECORATIONS:
            name, sub, indexes, end = self.decorated(token)
        else:
            name, end = (token.text.lstrip("\\"), token.end)
            if token.kind == "letter" and scripts:
                name, end = self.word(token)
                multi_letter = len(name) > 1
            sub, indexes = None, ()
        label, exponent = "", None
        while scripts and self.at("_", "^", "'"):
            mark = self.take()
            if mark.text == "'":
                name, end = name + "'", mark.end
            elif mark.text == "_" and sub is None:
                indexes, sub, end = self.subscript()
            elif mark.text == "^" and exponent is None:
                exponent, label = self.script()
                end = exponent.span[1]
            else:
                raise self.error(f"a second {mark.text} on one symbol")
        node: Node = Symbol((start, end), name, sub, indexes, multi_letter, bold)
        if exponent is not None:
            return Power((start, end), node, exponent, label)
        if scripts and self.at("("):  # in a subscript, p_i (1 - p_i): the parenthesis is the next factor
            self.take()
            args = self.arguments(given=True)
            closing = self.expect(")")
            return self.subscripted(Apply((start, closing.end), node, tuple(args)))  # type: ignore[arg-type]
        return node

    def subscripted(self, node: Node) -> Node:
        """``\\mathrm{softmax}(z)_i``: entry i of a function's value."""
        if not self.at("_"):
            return node
        self.take()
        indexes, sub, end = self.subscript()
        return Index((node.span[0], end), node, indexes, sub)

    def word(self, first: Token) -> tuple[str, int]:
        """Letters written together form one symbol when verify.symbols binds that word (``delta``)."""
        text, end, offset = first.text, first.end, 0
        while True:
            token = self.peek(offset)
            if token is None or token.start != end or not (token.kind == "letter" or token.text == "\\_"):
                break
            text, end, offset = text + token.text.replace("\\_", "_"), token.end, offset + 1
        for length in range(len(text), 1, -1):
            after = self.peek(length - 1)
            called = text[:length] in OPERATOR_FUNCTIONS and after is not None and after.text == "("
            if text[:length] in self.words or (called and length == len(text)):  # sin(pos) without a backslash
                self.position += length - 1  # one token per letter or \_
                return text[:length], self.tokens[self.position - 1].end
        return first.text, first.end

    def decorated(self, token: Token) -> tuple[str, str | None, tuple[Node, ...], int]:
        """``\\hat{\\mu}`` -> ``hatmu``; a font is not part of the name: ``\\bar{\\boldsymbol{h}}_s`` -> ``barh``, ``s``."""
        decoration = token.text[1:]
        prefix = decoration if decoration in ACCENTS else ""
        braced = self.at("{")
        if braced:
            self.take()
        inner_token = self.take()
        sub: str | None = None
        indexes: tuple[Node, ...] = ()
        if inner_token.kind == "cmd" and inner_token.text[1:] in DECORATIONS:
            name, sub, indexes, end = self.decorated(inner_token)
        else:
            name, end = inner_token.text.lstrip("\\"), inner_token.end
            one_symbol = inner_token.kind in ("letter", "name") or (
                inner_token.kind == "cmd" and inner_token.text[1:] in GREEK
            )
            if not one_symbol:
                raise self.not_one_symbol(decoration, inner_token, braced)
        if braced and sub is None and self.at("_"):
            self.take()
            indexes, sub, _ = self.subscript()
        if braced and not self.at("}"):
            raise self.not_one_symbol(decoration, inner_token, braced)
        if braced:
            end = self.take().end
        return prefix + name, sub, indexes, end

    def not_one_symbol(self, decoration: str, inner: Token, braced: bool) -> FormulaError:
        closing = next((t.start for t in self.tokens[self.position :] if t.text == "}"), len(self.latex))
        written = self.latex[inner.start : closing if braced else inner.end].strip()
        return FormulaError(f"\\{decoration} must sit on one letter or Greek letter, not on {written}")

    def subscript(self) -> tuple[tuple[Node, ...], str, int]:
        """A subscript as comma-separated indexes (``n,y_n``), its text as bound, and where it ends."""
        if self.at("{"):
            opening = self.take()
            parts = self.arguments()
            closing = self.expect("}")
            return tuple(parts), symbol_name(self.latex[opening.end : closing.start]), closing.end
        node = self.atom(scripts=False)
        return (node,), symbol_name(self.latex[node.span[0] : node.span[1]]), node.span[1]

    def arguments(self, given: bool = False) -> list[Node]:
        """Comma-separated expressions; ``given``: also separated by a bar, as in ``p(y | x)``, and maybe comparisons."""
        separators = (",", "|", "\\|", "\\mid", "\\parallel", ";") if given else (",",)
        if given:
            self.closers += ["|", "\\|"]
        try:
            args = [self.argument(given)]
            while self.at(*separators):
                self.take()
                args.append(self.argument(given))
        finally:
            if given:
                del self.closers[-2:]
        return args

    def argument(self, given: bool) -> Node:
        node = self.expression()
        token = self.peek()
        if given and token is not None and (token.text in ("<", ">", "=") or token.text[1:] in COMPARISONS):
            op = self.take()
            right = self.expression()
            symbol = "==" if op.text == "=" else COMPARISONS[op.text.lstrip("\\")]
            return Compare((node.span[0], right.span[1]), symbol, node, right, (op.start, op.end))
        return node

    def call(self, name: str, token: Token) -> Node:
        base = None
        if name in ("log",) and self.at("_"):
            self.take()
            base, _ = self.script()
        if self.at("(") or (name in ("E", "Var") and self.at("[")):
            opening = self.take()
            args = self.arguments()
            closing = self.expect(")" if opening.text == "(" else "]")
            return self.subscripted(Call((token.start, closing.end), name, tuple(args), base, (token.start, token.end)))
        if name not in OPERATOR_FUNCTIONS:
            raise self.error(f"{token.text} needs its argument in parentheses")
        argument = self.factor()
        return Call((token.start, argument.span[1]), name, (argument,), base, (token.start, token.end))
