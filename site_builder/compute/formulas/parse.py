"""The expression grammar: one expression's tokens parsed completely into a tree, or an error naming the column."""

from __future__ import annotations

from dataclasses import replace

from .notation import COMPARISONS, DECORATIONS, GREEK, INDICATORS, NAMED_FUNCTIONS, OPERATOR_FUNCTIONS
from .syntax import (
    Apply,
    Binary,
    Call,
    Cases,
    Compare,
    FormulaError,
    Fraction,
    Indicator,
    Negate,
    Node,
    Number,
    Otherwise,
    Power,
    Reduction,
    Symbol,
    Text,
    Token,
    symbol_name,
)

_ATOM_COMMANDS = (
    frozenset(["frac", "dfrac", "tfrac", "sqrt", "sum", "prod", "lVert", "Vert", "begin", "max", "min"])
    | OPERATOR_FUNCTIONS
)
OPEN = {"(": ")", "[": "]", "{": "}", "\\{": "\\}"}


class Parser:
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
            if self.at("*", "\\cdot", "\\times", "/", "\\div"):
                op = self.take()
                right = self.factor()
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
            return name in GREEK or name in DECORATIONS or name in _ATOM_COMMANDS
        return token.text in ("(", "[", "{", "|", "\\|")

    def factor(self) -> Node:
        if self.at("-", "+"):
            sign = self.take()
            operand = self.factor()
            return operand if sign.text == "+" else Negate((sign.start, operand.span[1]), operand)
        node = self.atom()
        while self.at("^"):
            self.take()
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
        if token.text in ("(", "[", "{"):
            inner = self.expression()
            closing = self.expect(OPEN[token.text])
            return replace(inner, span=(token.start, closing.end))
        if token.text in ("|", "\\|", "\\lVert", "\\Vert"):
            return self.delimited(token)
        name = token.text[1:] if token.kind == "cmd" else ""
        if name in ("frac", "dfrac", "tfrac"):
            numerator, _ = self.script()
            denominator, _ = self.script()
            return Fraction((token.start, denominator.span[1]), numerator, denominator)
        if name == "sqrt":
            return self.root(token)
        if name in ("sum", "prod"):
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
        if token.kind == "name" and token.text.lower() in NAMED_FUNCTIONS and self.at("("):
            return self.call(token.text.lower(), token)
        multi_letter = token.kind == "name"
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
        node: Node = Symbol((start, end), name, sub, indexes, multi_letter)
        if exponent is not None:
            return Power((start, end), node, exponent, label)
        if self.at("("):
            self.take()
            args = self.arguments()
            closing = self.expect(")")
            return Apply((start, closing.end), node, tuple(args))  # type: ignore[arg-type]
        return node

    def word(self, first: Token) -> tuple[str, int]:
        """Letters written together form one symbol when verify.symbols binds that word (``delta``)."""
        text, end, offset = first.text, first.end, 0
        while True:
            token = self.peek(offset)
            if token is None or token.start != end or not (token.kind == "letter" or token.text == "\\_"):
                break
            text, end, offset = text + token.text.replace("\\_", "_"), token.end, offset + 1
        for length in range(len(text), 1, -1):
            if text[:length] in self.words:
                self.position += length - 1  # one token per letter or \_
                return text[:length], self.tokens[self.position - 1].end
        return first.text, first.end

    def decorated(self, token: Token) -> tuple[str, str | None, tuple[Node, ...], int]:
        decoration = token.text[1:]
        braced = self.at("{")
        if braced:
            self.take()
        inner_token = self.take()
        sub: str | None = None
        indexes: tuple[Node, ...] = ()
        if braced and self.at("_"):
            self.take()
            indexes, sub, _ = self.subscript()
        end = inner_token.end
        one_symbol = inner_token.kind == "letter" or (inner_token.kind == "cmd" and inner_token.text[1:] in GREEK)
        if not one_symbol or (braced and not self.at("}")):
            closing = next((t.start for t in self.tokens[self.position :] if t.text == "}"), len(self.latex))
            written = self.latex[inner_token.start : closing if braced else inner_token.end].strip()
            raise FormulaError(f"\\{decoration} must sit on one letter or Greek letter, not on {written}")
        if braced:
            end = self.take().end
        return decoration + inner_token.text.lstrip("\\"), sub, indexes, end

    def subscript(self) -> tuple[tuple[Node, ...], str, int]:
        """A subscript as comma-separated indexes (``n,y_n``), its text as bound, and where it ends."""
        if self.at("{"):
            opening = self.take()
            parts = self.arguments()
            closing = self.expect("}")
            return tuple(parts), symbol_name(self.latex[opening.end : closing.start]), closing.end
        node = self.atom(scripts=False)
        return (node,), symbol_name(self.latex[node.span[0] : node.span[1]]), node.span[1]

    def arguments(self) -> list[Node]:
        args = [self.expression()]
        while self.at(","):
            self.take()
            args.append(self.expression())
        return args

    def call(self, name: str, token: Token) -> Node:
        base = None
        if name in ("log",) and self.at("_"):
            self.take()
            base, _ = self.script()
        if self.at("(") or (name in ("E", "Var") and self.at("[")):
            opening = self.take()
            args = self.arguments()
            closing = self.expect(")" if opening.text == "(" else "]")
            return Call((token.start, closing.end), name, tuple(args), base, (token.start, token.end))
        if name not in OPERATOR_FUNCTIONS:
            raise self.error(f"{token.text} needs its argument in parentheses")
        argument = self.factor()
        return Call((token.start, argument.span[1]), name, (argument,), base, (token.start, token.end))

    def delimited(self, opening: Token) -> Node:
        closer = {"|": "|", "\\|": "\\|", "\\lVert": "\\rVert", "\\Vert": "\\Vert"}[opening.text]
        self.closers.append(closer)
        inner = self.expression()
        self.closers.pop()
        closing = self.expect(closer)
        if opening.text == "|":
            return Call((opening.start, closing.end), "abs", (inner,))
        p = None
        end = closing.end
        if self.at("_"):
            self.take()
            p, _ = self.script()
            end = p.span[1]
        return Call((opening.start, end), "norm", (inner,), p)

    def root(self, token: Token) -> Node:
        degree = None
        if self.at("["):
            self.take()
            degree = self.expression()
            self.expect("]")
        radicand, _ = self.script()
        span = (token.start, radicand.span[1])
        if degree is None:
            return Call(span, "sqrt", (radicand,))
        return Power(span, radicand, Fraction(degree.span, Number(degree.span, 1.0), degree), "")

    def reduction(self, token: Token) -> Node:
        index, lower, upper = "", None, None
        while self.at("_", "^"):
            mark = self.take()
            if mark.text == "^":
                upper, _ = self.script()
                continue
            braced = self.at("{")
            if braced:
                self.take()
            variable = self.take()
            if variable.kind != "letter" and not (variable.kind == "cmd" and variable.text[1:] in GREEK):
                raise self.error(f"{token.text} needs an index letter")
            index = variable.text.lstrip("\\")
            if braced and self.at("="):
                self.take()
                lower = self.expression()
            if braced:
                self.expect("}")
        if not index:
            raise self.error(f"{token.text} needs an index: \\sum_{{i=1}}^{{N}} or \\sum_i")
        if upper is not None and lower is None:
            raise self.error(f"{token.text} has an upper bound but no lower one: write {token.text}_{{{index}=1}}")
        body = self.term()
        return Reduction((token.start, body.span[1]), token.text[1:], index, lower, upper, body)

    def environment(self) -> str:
        self.expect("{")
        name = ""
        while not self.at("}"):
            name += self.take().text
        self.take()
        return name

    def cases(self, token: Token) -> Node:
        environment = self.environment()
        if environment != "cases":
            raise FormulaError(f"uses \\begin{{{environment}}}: give each line its own formula")
        rows = []
        while not self.at("\\end"):
            value = self.expression()
            if self.at(","):
                self.take()
            rows.append((value, self.condition()))
            while self.at(",", ".", ";"):
                self.take()
            if self.at("\\\\"):
                self.take()
        closing = self.take()
        self.environment()
        if not rows:
            raise self.error("cases without rows")
        return Cases((token.start, closing.end), tuple(rows))

    def condition(self) -> Node:
        token = self.peek()
        while token is not None and token.kind == "kw" and token.text == "if":
            self.take()
            token = self.peek()
        if token is not None and token.kind == "kw" and token.text == "otherwise":
            self.take()
            return Otherwise((token.start, token.end))
        left = self.expression()
        op = self.take()
        text = op.text if op.kind == "char" else op.text[1:]
        if text == "not" and self.at("="):
            end = self.take().end
            op, text = Token("cmd", "\\neq", op.start, end), "neq"
        if text == "=":
            symbol = "=="
        elif text in COMPARISONS:
            symbol = COMPARISONS[text]
        else:
            self.position -= 1
            raise self.error("expected a comparison (<, >, \\leq, \\geq, =, \\neq) or 'otherwise'")
        right = self.expression()
        return Compare((left.span[0], right.span[1]), symbol, left, right, (op.start, op.end))

    def indicator(self, token: Token) -> Node:
        opening = self.take()
        if opening.text not in OPEN:
            raise self.error("an indicator needs its condition in braces: \\mathbb{1}\\{y_n \\neq c\\}")
        condition = self.condition()
        closing = self.expect(OPEN[opening.text])
        return Indicator((token.start, closing.end), condition)
