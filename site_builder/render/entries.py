"""An entry's text as each edition shows it: Markdown rendered once per format, with its directives and values.

An edition *format* says how an entry's sections come out: the web (HTML with MathML, and
Markdown with dollar math for ``index.md``), the email (HTML with formulas as images), plain
text, dev.to (Markdown with KaTeX tags). ``EntryRenderings`` renders each (entry, format)
once per process and keeps the facts the rendering read (see ``deps``), so every page showing
the entry is known to depend on them too.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import jinja2
from markupsafe import Markup

from .. import markup
from ..content.directives import DIRECTIVES
from ..content.yamlsource import dotted
from ..errors import ContentError, Problem, TemplateError
from ..incremental.deps import Memo
from .numbers import quote_value
from .templates import render_template

if TYPE_CHECKING:
    from ..incremental.fragments import Fragments
    from ..model.pages import EntryPage
    from ..model.site_model import SiteModel


class NotRendered:
    """A part of an entry that its format does not render; using it in a template is an error, never empty text."""

    def __init__(self, what: str) -> None:
        self.what = what

    def _fail(self, *args: object) -> Any:
        raise TemplateError(Problem("templates", message=f"{self.what} is not rendered for this edition"))

    __iter__ = __str__ = __html__ = __len__ = __bool__ = _fail


@dataclass(frozen=True)
class RenderedEntry:
    """An entry's author text rendered in one format, shared by every page that shows it."""

    page: EntryPage
    sections_html: Any
    """(heading, body HTML) per section, or ``NotRendered``."""
    sections_md: Any
    """(heading, body Markdown) per section, for cross-posting, or ``NotRendered``."""
    solution_html: Any
    """The solution's source, highlighted (None: the entry has none), or ``NotRendered``."""
    sections_text: Any = None
    """(heading, body as plain text with link markers, see ``markup.number_links``) per section, or ``NotRendered``."""


class SideFiles(Protocol):
    """Files a format's math renderer makes besides the text (the email's formula images).

    A kept rendering (``fragments``) shows them without drawing them: what it showed is recorded
    while it is rendered, and given back when it is kept, so the files are still made.
    """

    def html(self, latex: str, display: bool) -> str: ...

    def recording(self) -> AbstractContextManager[list[dict[str, Any]]]:
        """The files shown inside the block, each a record of plain data with the cache ``slot`` it is kept in."""
        ...

    def replay(self, records: list[dict[str, Any]]) -> None:
        """Show again the files of ``records`` (made by ``recording``)."""
        ...


@dataclass(frozen=True)
class EntryFormat:
    """What one edition needs of an entry's text, and how it shows math there."""

    html: bool = True
    """Render the sections (and the solution) as HTML."""
    math_html: markup.MathRenderer = markup.mathml
    """How formulas look in that HTML (the web: MathML; email: images; plain text: Unicode)."""
    markdown: bool = False
    """Render the sections as Markdown, for cross-posting."""
    math_md: markup.MathRenderer | None = None
    """How formulas look in that Markdown; None keeps ``$...$`` (dev.to wants KaTeX tags)."""
    text: bool = False
    """Render the sections as plain text (the email's text part), formulas in Unicode."""
    side: SideFiles | None = None
    """What ``math_html`` draws besides the text, if it draws anything."""


WEB = EntryFormat(html=True, markdown=True)
"""The site's own pages: HTML with MathML, and Markdown with dollar math for ``index.md``."""
TEXT = EntryFormat(html=False, text=True)
"""The email's plain-text part."""


class EntryRenderings:
    """Every (entry, format) rendered once in this process, on first use, with the facts it read.

    With ``fragments``, a rendering an earlier build kept is given again while nothing it read changed.
    """

    def __init__(
        self,
        env: jinja2.Environment,
        model: SiteModel,
        formats: Mapping[str, EntryFormat],
        fragments: Fragments | None = None,
    ) -> None:
        self.env = env
        self.model = model
        self.formats = dict(formats)
        self.fragments = fragments
        self._memo = Memo()

    def forget(self) -> None:
        self._memo.clear()

    def __call__(self, page: EntryPage, form: str) -> RenderedEntry:
        """``page`` as format ``form`` shows it; raises the error its text gave in that format."""
        return self._memo.get((page.key, form), lambda: self._render(page, form))

    def _render(self, page: EntryPage, name: str) -> RenderedEntry:
        form = self.formats[name]
        if self.fragments is None:
            return render_entry(page, self.env, self.model, form)

        def make() -> tuple[dict[str, Any], list[str]]:
            with form.side.recording() if form.side is not None else contextlib.nullcontext([]) as side:
                data = to_plain(render_entry(page, self.env, self.model, form))
            return {**data, "side": side}, [record["slot"] for record in side]

        data, kept, _ = self.fragments.get(f"{page.key}.{name}", make)
        if kept and form.side is not None and data["side"]:
            form.side.replay(data["side"])
        return from_plain(page, form, data)


def to_plain(rendered: RenderedEntry) -> dict[str, Any]:
    """A rendering as JSON data (what ``fragments`` keeps); None for the parts its format does not render."""

    def pieces(value: Any) -> list[list[str]] | None:
        return None if isinstance(value, NotRendered) else [[heading, str(body)] for heading, body in value]

    solution = rendered.solution_html
    return {
        "html": pieces(rendered.sections_html),
        "md": pieces(rendered.sections_md),
        "text": pieces(rendered.sections_text),
        "solution": False if isinstance(solution, NotRendered) else None if solution is None else str(solution),
    }


def from_plain(page: EntryPage, form: EntryFormat, data: Mapping[str, Any]) -> RenderedEntry:
    """The rendering ``to_plain`` gave ``data`` for, as ``render_entry`` made it."""
    solution = data["solution"]
    return RenderedEntry(
        page,
        tuple((h, Markup(b)) for h, b in data["html"]) if form.html else NotRendered("sections_html"),
        tuple((h, b) for h, b in data["md"]) if form.markdown else NotRendered("sections_md"),
        NotRendered("solution_html") if solution is False else None if solution is None else Markup(solution),
        tuple((h, b) for h, b in data["text"]) if form.text else NotRendered("sections_text"),
    )


def render_entry(page: EntryPage, env: jinja2.Environment, model: SiteModel, form: EntryFormat) -> RenderedEntry:
    """Render an entry's sections in one format, placing formulas, examples and values."""
    entry = page.entry
    allow_html = model.site.allow_raw_html
    sections = [
        (section.heading, _located(page, index, lambda body=section.body: markup.Section(body, allow_html=allow_html)))
        for index, section in enumerate(entry.sections)
    ]
    context = {"site": model.site, "urls": model.urls, "entry": page}
    role = _Role(page)

    def directive(form_name: str, math: markup.MathRenderer | None) -> Callable[[str, str], str]:
        def place(name: str, target: str) -> str:
            found = DIRECTIVES.get(name)
            if found is None:
                raise markup.MarkupError(f"{{{name}}} is not supported yet")
            try:
                values = found.context(page, target, form_name, math)
            except markup.MarkupError as exc:  # the item itself is at fault (a formula this edition cannot show)
                raise ContentError(_item_problem(page, found.collection, target, str(exc))) from exc
            return render_template(env, found.template(form_name), {**context, **values})

        return place

    sections_html: list[tuple[str, Markup]] = []
    sections_md: list[tuple[str, str]] = []
    sections_text: list[tuple[str, str]] = []
    for index, (heading, parsed) in enumerate(sections):
        if form.html:
            place = directive("html", form.math_html)
            html = _located(
                page,
                index,
                lambda parsed=parsed, place=place: markup.to_html(
                    parsed,
                    allow_html=allow_html,
                    directive=place,
                    role=role,
                    math=form.math_html,
                    link=model.urls.target,
                ),
            )
            sections_html.append((heading, Markup(html)))
        if form.markdown:
            place = directive("md", form.math_md)
            md = _located(
                page,
                index,
                lambda parsed=parsed, place=place: markup.to_markdown(
                    parsed,
                    directive=place,
                    role=role,
                    math=form.math_md,
                    link=model.urls.absolute_target,
                    allow_html=allow_html,
                ),
            )
            sections_md.append((heading, md))
        if form.text:
            place = directive("txt", markup.unicode_math)
            text = _located(
                page,
                index,
                lambda parsed=parsed, place=place: markup.to_text(
                    parsed, directive=place, role=role, link=model.urls.absolute_target
                ),
            )
            sections_text.append((markup.inert_text(heading), text))
    solution = page.results.solution if page.kind == "problems" else None
    solution_html = Markup(markup.highlight(solution.source, "python")) if solution and form.html else None
    return RenderedEntry(
        page,
        tuple(sections_html) if form.html else NotRendered("sections_html"),
        tuple(sections_md) if form.markdown else NotRendered("sections_md"),
        solution_html if form.html or not solution else NotRendered("solution_html"),
        tuple(sections_text) if form.text else NotRendered("sections_text"),
    )


class _Role:
    """The ``{value}`` role of one entry: a computed number, formatted."""

    def __init__(self, page: EntryPage) -> None:
        self.page = page

    def __call__(self, name: str, target: str) -> str:
        return quote_value(target, self.page.results.examples)


def _located(page: EntryPage, index: int, render: Any) -> Any:
    """Run ``render`` for section ``index``; a markup error becomes a content error where it is in the YAML file.

    The section's text is a literal block (``|``): its lines and columns are those of the file, indented.
    """
    try:
        return render()
    except markup.MarkupError as exc:
        loc = ("sections", index, "body")
        doc = page.source.loaded.doc
        line, column = doc.locate(loc)
        raise ContentError(Problem(doc.path, line + exc.line, column + exc.column, dotted(loc), str(exc))) from exc


def _item_problem(page: EntryPage, collection: str, item_id: str, message: str) -> Problem:
    """A problem at the item ``item_id`` of ``collection`` (a formula: at its ``latex``), which a directive placed."""
    index = next(i for i, item in enumerate(getattr(page.entry, collection)) if item.id == item_id)
    loc = (collection, index, "latex") if collection == "formulas" else (collection, index)
    return page.source.loaded.doc.problem(loc, message)
