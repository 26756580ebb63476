"""The directives an entry's text places computed things with: one registry, read by the loader and the renderer.

A fenced block whose info string is ``{NAME} ID`` is replaced by the item ``ID`` of the
entry's collection for ``NAME``, rendered by that directive's template for the output's
format (``html`` or ``md``). The page element holding it gets the id ``NAME-ID``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MathRenderer = Callable[[str, bool], str]
"""(LaTeX, display) -> the formula as a format shows it."""


@dataclass(frozen=True)
class Directive:
    """One directive: which of the entry's collections it places items of, and what its templates are given."""

    name: str
    """As written in the fence: ``formula``."""
    collection: str
    """The entry's field holding the items: ``formulas``."""
    context: Callable[[Any, str, str, MathRenderer | None], dict[str, Any]]
    """(entry page, item id, format, math renderer) -> the variables of the item's template."""

    def template(self, form: str) -> str:
        """The template that shows one item in format ``form`` (``html``, ``md`` or ``text``): ``_formula.html``."""
        return f"_{self.name}.{form}"

    def element_id(self, item_id: str) -> str:
        """The id of the page element showing item ``item_id``."""
        return f"{self.name}-{item_id}"


def _formula(page: Any, target: str, form: str, math: MathRenderer | None) -> dict[str, Any]:
    from markupsafe import Markup

    formula = next(f for f in page.entry.formulas if f.id == target)
    latex = formula.latex.strip()
    check = page.results.formulas.get(target)
    if form == "md":
        return {"formula": formula, "math": math(latex, True) if math else f"$$\n{latex}\n$$", "check": check}
    if form == "txt":
        assert math is not None
        return {"formula": formula, "math": math(latex, True), "check": check}
    assert math is not None
    return {"formula": formula, "mathml": Markup(math(formula.latex, True)), "check": check}


def _example(page: Any, target: str, form: str, math: MathRenderer | None) -> dict[str, Any]:
    return {"example": page.results.examples[target]}


def _plot(page: Any, target: str, form: str, math: MathRenderer | None) -> dict[str, Any]:
    return {"plot": page.results.plots[target]}


DIRECTIVES: dict[str, Directive] = {
    d.name: d
    for d in (
        Directive("formula", "formulas", _formula),
        Directive("example", "examples", _example),
        Directive("plot", "plots", _plot),
    )
}
