"""The parser's larger constructs: sums and maxima over an index, cases and their conditions, indicators,
expectations, norms, absolute values and roots."""

from __future__ import annotations

from .notation import COMPARISONS, GREEK
from .syntax import (
    OPEN,
    Call,
    Cases,
    Compare,
    Expectation,
    FormulaError,
    Fraction,
    Indicator,
    Node,
    Number,
    Otherwise,
    Power,
    Reduction,
    Token,
)


class Constructs:
    """Methods of ``parse.Parser`` for the constructs that span several tokens."""

    def expectation(self, token: Token) -> Node:
        """``\\mathbb{E}_{x \\sim P}[f(x)]``, ``\\mathbb{E}_p[f]``: the sum of ``f`` weighted by the distribution."""
        self.expect("_")
        braced = self.at("{")
        if braced:
            self.take()
        first = self.peek()
        variable = ""
        if braced and self.peek(1) is not None and self.peek(1).text == "\\sim":  # type: ignore[union-attr]
            variable = self.take().text.lstrip("\\")
            self.take()
            distribution = self.expression()
        else:
            distribution = self.atom(scripts=False)
        if braced:
            self.expect("}")
        if first is None:
            raise self.error("\\mathbb{E}_ needs the distribution in its subscript")
        if self.at("[", "("):
            opening = self.take()
            body = self.expression()
            end = self.expect(OPEN[opening.text]).end
        else:
            body = self.term()
            end = body.span[1]
        return Expectation((token.start, end), variable, distribution, body)

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
            if variable.kind not in ("letter", "name") and not (variable.kind == "cmd" and variable.text[1:] in GREEK):
                raise self.error(f"{token.text} needs an index letter")
            index = variable.text.lstrip("\\")
            if braced and self.at("="):
                self.take()
                lower = self.expression()
            elif braced and self.at("\\in"):  # \sum_{x \in \mathcal{X}}: over every outcome, as \sum_x
                self.take()
                self.skip_to("}")
            if braced:
                self.expect("}")
        if not index:
            raise self.error(f"{token.text} needs an index: \\sum_{{i=1}}^{{N}} or \\sum_i")
        body = self.term()
        return Reduction((token.start, body.span[1]), token.text[1:], index, lower, upper, body)

    def skip_to(self, closer: str) -> None:
        """Pass over a set a variable ranges in (``\\mathcal{X}``): the outcomes are those of the arrays."""
        depth = 0
        while self.peek() is not None and not (depth == 0 and self.at(closer)):
            depth += {"{": 1, "}": -1}.get(self.take().text, 0)

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
        while token is not None and token.kind == "kw" and token.text in ("if", "for"):
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
