"""Render stage: the site model -> every output file's bytes, in memory."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from . import markup, mdescape
from .compute import ExampleResult
from .errors import BuildError, ContentError, Problem, TemplateError
from .model import EntryPage, IssuePage, SiteModel
from .yamlsource import dotted

ROLE_TARGET = re.compile(r"^([a-z0-9-]+)\.([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)(?::(.+))?$")


@dataclass(frozen=True)
class RenderedEntry:
    """An entry's author text rendered once, shared by every page that shows it."""

    page: EntryPage
    sections_html: tuple[tuple[str, Markup], ...]
    """(heading, body HTML) per section."""
    sections_md: tuple[tuple[str, str], ...]
    """(heading, body Markdown) per section, for cross-posting."""
    solution_html: Markup | None
    """The solution's source, highlighted."""
    assets: Mapping[str, Any] | None = None
    """What the format's math renderer made for it (``EntryFormat.assets``), as plain data."""

    @property
    def payload(self) -> dict[str, Any]:
        """The rendered text as plain data, for the fragment store."""
        html, md, solution = self.sections_html, self.sections_md, self.solution_html
        return {  # plain str, not Markup: the store keeps plain data
            "html": None if isinstance(html, NotRendered) else [[str(h), str(b)] for h, b in html],
            "md": None if isinstance(md, NotRendered) else [[str(h), str(b)] for h, b in md],
            "solution": None if isinstance(solution, NotRendered) or solution is None else str(solution),
            "solution_rendered": not isinstance(solution, NotRendered),
            "assets": dict(self.assets) if self.assets else None,
        }

    @classmethod
    def from_payload(cls, page: EntryPage, payload: Mapping[str, Any]) -> RenderedEntry:
        html, md, solution = payload["html"], payload["md"], payload["solution"]
        return cls(
            page,
            NotRendered("sections_html") if html is None else tuple((h, Markup(b)) for h, b in html),  # type: ignore[arg-type]
            NotRendered("sections_md") if md is None else tuple((h, b) for h, b in md),  # type: ignore[arg-type]
            Markup(solution)
            if solution is not None
            else None
            if payload["solution_rendered"]
            else NotRendered("solution_html"),  # type: ignore[arg-type]
            payload.get("assets"),
        )


def load_templates(root: Path, compiled: Path | None = None) -> jinja2.Environment:
    """The one Jinja environment: autoescaped HTML and XML, and a typo in a template fails the build.

    ``compiled``: a folder where templates compiled to Python are kept between builds.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(root / "templates"),
        bytecode_cache=jinja2.FileSystemBytecodeCache(str(compiled)) if compiled is not None else None,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "xml"), default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        number=format_number,
        json=json_text,
        md_escape=markdown_escape,
        md_cell=markdown_cell,
    )
    return env


def static_files(folder: Path) -> Iterator[tuple[str, bytes]]:
    """Files under ``templates/static`` copied as they are, under ``static/``."""
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            yield f"static/{path.relative_to(folder).as_posix()}", path.read_bytes()


@dataclass(frozen=True)
class IssueView:
    """An issue page with its three parts rendered."""

    page: IssuePage
    topic: RenderedEntry
    problem: RenderedEntry
    feature: RenderedEntry

    @property
    def parts(self) -> tuple[RenderedEntry, RenderedEntry, RenderedEntry]:
        return (self.topic, self.problem, self.feature)


def render_template(env: jinja2.Environment, name: str, context: Mapping[str, Any]) -> str:
    """Render one template; any failure names the template file and line."""
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateNotFound as exc:
        path, line = _template_frame(exc, "")
        if line:  # included or extended by another template: point at that line
            raise TemplateError(Problem(path, line, 0, message=f"template {exc.name!r} not found")) from exc
        raise TemplateError(Problem(f"templates/{exc.name}", message="template not found")) from exc
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            Problem(f"templates/{exc.name or name}", exc.lineno or 0, 0, message=f"syntax error: {exc.message}")
        ) from exc
    except (ContentError, TemplateError):
        raise
    except Exception as exc:  # an error while rendering: point at the template frame
        path, line = _template_frame(exc, name)
        raise TemplateError(Problem(path, line, 0, message=f"{type(exc).__name__}: {exc}")) from exc


def _template_frame(exc: BaseException, name: str) -> tuple[str, int]:
    import traceback

    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        filename = "/" + frame.filename.replace("\\", "/")  # relative when the project root is "."
        if "/templates/" in filename:
            return "templates/" + filename.rsplit("/templates/", 1)[1], frame.lineno or 0
    return f"templates/{name}", 0


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
    assets: SideFiles | None = None
    """Files the math renderer makes besides the text (the email's formula images), if any."""


class SideFiles(Protocol):
    """Files an edition's math renderer makes while rendering an entry (formula images), recorded so a
    fragment taken from the cache can make them again without rendering the entry."""

    def begin(self) -> None:
        """Start recording what the next entry uses."""

    def end(self) -> dict[str, Any]:
        """Stop recording; what the entry used, as plain data."""

    def restore(self, used: dict[str, Any]) -> None:
        """An entry rendered earlier used these: be ready to make them."""


WEB = EntryFormat(html=True, markdown=True)
"""The site's own pages: HTML with MathML, and Markdown with dollar math for ``index.md``."""


class NotRendered:
    """A part of an entry that its edition does not render; using it in a template is an error, never empty text."""

    def __init__(self, what: str) -> None:
        self.what = what

    def _fail(self, *args: object) -> Any:
        raise TemplateError(Problem("templates", message=f"{self.what} is not rendered for this edition"))

    __iter__ = __str__ = __html__ = __len__ = __bool__ = _fail


def render_entry(
    page: EntryPage,
    env: jinja2.Environment,
    model: SiteModel,
    *,
    math_html: markup.MathRenderer = markup.mathml,
    math_md: markup.MathRenderer | None = None,
) -> RenderedEntry:
    """Render an entry's sections to HTML and Markdown, placing formulas, examples and values.

    ``math_html`` and ``math_md`` say how each edition shows math: the web uses
    MathML and keeps ``$...$`` in Markdown; email, plain text and dev.to differ.
    """
    rendered = render_entry_formats(page, env, model, {"": EntryFormat(True, math_html, True, math_md)})[""]
    if isinstance(rendered, BuildError):
        raise rendered
    return rendered


def render_entry_formats(
    page: EntryPage, env: jinja2.Environment, model: SiteModel, formats: Mapping[str, EntryFormat]
) -> dict[str, RenderedEntry | BuildError]:
    """Render an entry once per edition format, parsing each section's Markdown only once for all of them.

    A format whose text cannot be rendered gets its error instead, raised when that
    edition is built, so errors surface in the order the editions are built.
    """
    entry = page.entry
    allow_html = model.site.allow_raw_html
    sections: list[markup.Section] = []
    try:
        for index, section in enumerate(entry.sections):
            sections.append(
                _located(page, index, lambda body=section.body: markup.Section(body, allow_html=allow_html))
            )
    except BuildError as exc:
        return dict.fromkeys(formats, exc)
    role = _Role(page.results.examples)
    out: dict[str, RenderedEntry | BuildError] = {}
    for name, form in formats.items():
        try:
            out[name] = _render_format(page, env, model, sections, role, form)
        except BuildError as exc:
            out[name] = exc
    return out


class EntryRenderings:
    """Every entry rendered once for all edition formats, on first use, and kept for the pages that show it.

    With a fragment ``store`` and a ``key`` for each (entry, format), a format rendered by an
    earlier build is taken from the store; the formats it lacks are rendered together, from
    one parse, and stored.
    """

    def __init__(
        self,
        env: jinja2.Environment,
        model: SiteModel,
        formats: Mapping[str, EntryFormat],
        store: FragmentStore | None = None,
        key: Callable[[EntryPage, str], str] | None = None,
    ) -> None:
        self.env = env
        self.model = model
        self.formats = dict(formats)
        self.store = store
        self.key = key
        self._rendered: dict[tuple[str, str], dict[str, RenderedEntry | BuildError]] = {}
        self._forgotten: set[str] = set()
        """Formats no page left to build shows: dropped, and not rendered again."""
        self.parsed = 0
        """Entries whose Markdown this process rendered (the others came from the store)."""

    def __call__(self, page: EntryPage, form: str) -> RenderedEntry:
        """``page`` as edition format ``form`` shows it; raises the error its text gave in that format."""
        done = self.all_formats(page)
        if form not in done:  # forgotten, yet wanted after all
            self._forgotten.discard(form)
            done = self.all_formats(page)
        rendered = done[form]
        if isinstance(rendered, BuildError):
            raise rendered
        return rendered

    def all_formats(self, page: EntryPage) -> dict[str, RenderedEntry | BuildError]:
        key = (page.kind, page.id)
        if key not in self._rendered:
            self.load([page])
        if self.incomplete([page]):
            self.adopt(page, self.render_payloads([page])[0])
        return self._rendered[key]

    def forget(self, *forms: str) -> None:
        """Drop what was rendered in ``forms`` (no page left to build shows them): memory for the rest."""
        self._forgotten.update(forms)
        for done in self._rendered.values():
            for form in forms:
                done.pop(form, None)

    def _missing(self, page: EntryPage) -> dict[str, EntryFormat]:
        done = self._rendered.get((page.kind, page.id), {})
        return {n: f for n, f in self.formats.items() if n not in done and n not in self._forgotten}

    def incomplete(self, pages: Iterable[EntryPage]) -> list[EntryPage]:
        """Those of ``pages`` with a format (still needed) neither rendered nor taken from the store yet."""
        return [p for p in pages if self._missing(p)]

    def render_payloads(self, pages: Iterable[EntryPage]) -> list[dict[str, dict[str, Any] | BuildError]]:
        """Render the missing formats of ``pages``, as plain data (what a worker process sends back)."""
        found = []
        for page in pages:
            missing = self._missing(page)
            self.parsed += 1
            fresh = render_entry_formats(page, self.env, self.model, missing)
            found.append({name: r if isinstance(r, BuildError) else r.payload for name, r in fresh.items()})
        return found

    def adopt(self, page: EntryPage, rendered: Mapping[str, Mapping[str, Any] | BuildError]) -> None:
        """Keep formats of ``page`` rendered (here or in a worker), and store those that rendered."""
        done = self._rendered.setdefault((page.kind, page.id), {})
        for name, payload in rendered.items():
            if isinstance(payload, BuildError):
                done[name] = payload
                continue
            assets = self.formats[name].assets
            if assets is not None:
                assets.restore(payload.get("assets") or {})
            done[name] = RenderedEntry.from_payload(page, payload)
            if self.store is not None and self.key is not None:
                self.store.put(self.key(page, name), payload)

    def load(self, pages: Iterable[EntryPage]) -> None:
        """Take the stored formats of ``pages`` from the store in one go (before rendering many of them)."""
        if self.store is None or self.key is None:
            return
        wanted = {}
        for page in pages:
            if (page.kind, page.id) not in self._rendered:
                for name in self.formats:
                    wanted[self.key(page, name)] = (page, name)
        for fragment_key, payload in self.store.get_many(wanted).items():
            page, name = wanted[fragment_key]
            assets = self.formats[name].assets
            if assets is not None:
                assets.restore(payload.get("assets") or {})
            self._rendered.setdefault((page.kind, page.id), {})[name] = RenderedEntry.from_payload(page, payload)


class FragmentStore(Protocol):
    """Where rendered fragments are kept between builds (``fragments.FragmentCache``)."""

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]: ...

    def put(self, key: str, value: Any) -> None: ...


class _Role:
    """The ``{value}`` role of one entry: a computed number, formatted."""

    def __init__(self, examples: Mapping[str, ExampleResult]) -> None:
        self.examples = examples

    def __call__(self, name: str, target: str) -> str:
        return quote_value(target, self.examples)


def _located(page: EntryPage, index: int, render: Any) -> Any:
    """Run ``render`` for section ``index``; a markup error becomes a content error at its line in the YAML file."""
    try:
        return render()
    except markup.MarkupError as exc:
        loc = ("sections", index, "body")
        line, column = page.source.doc.locate(loc)
        raise ContentError(Problem(page.source.doc.path, line + exc.line, column, dotted(loc), str(exc))) from exc


def _render_format(
    page: EntryPage,
    env: jinja2.Environment,
    model: SiteModel,
    sections: list[markup.Section],
    role: _Role,
    form: EntryFormat,
) -> RenderedEntry:
    entry = page.entry
    formulas = {f.id: f for f in entry.formulas}
    examples = page.results.examples
    checks = page.results.formulas
    plots = page.results.plots
    context = {"site": model.site, "urls": model.urls, "entry": page}
    math_html, math_md = form.math_html, form.math_md

    def directive_html(name: str, target: str) -> str:
        if name == "formula":
            mathml = math_html(formulas[target].latex, True)
            return render_template(
                env,
                "_formula.html",
                {**context, "formula": formulas[target], "mathml": Markup(mathml), "check": checks.get(target)},
            )
        if name == "example":
            return render_template(env, "_example.html", {**context, "example": examples[target]})
        if name == "plot":
            return render_template(env, "_plot.html", {**context, "plot": plots[target]})
        raise markup.MarkupError(f"{{{name}}} is not supported yet")

    def directive_md(name: str, target: str) -> str:
        if name == "formula":
            latex = formulas[target].latex.strip()
            math = math_md(latex, True) if math_md else f"$$\n{latex}\n$$"
            return render_template(
                env, "_formula.md", {**context, "formula": formulas[target], "math": math, "check": checks.get(target)}
            )
        if name == "example":
            return render_template(env, "_example.md", {**context, "example": examples[target]})
        if name == "plot":
            return render_template(env, "_plot.md", {**context, "plot": plots[target]})
        raise markup.MarkupError(f"{{{name}}} is not supported yet")

    allow_html = model.site.allow_raw_html
    if form.assets is not None:
        form.assets.begin()
    sections_html: list[tuple[str, Markup]] = []
    sections_md: list[tuple[str, str]] = []
    for index, (section, parsed) in enumerate(zip(entry.sections, sections, strict=True)):
        if form.html:
            html = _located(
                page,
                index,
                lambda parsed=parsed: markup.to_html(
                    parsed,
                    allow_html=allow_html,
                    directive=directive_html,
                    role=role,
                    math=math_html,
                    link=model.urls.target,
                ),
            )
            sections_html.append((section.heading, Markup(html)))
        if form.markdown:
            md = _located(
                page,
                index,
                lambda parsed=parsed: markup.to_markdown(
                    parsed,
                    directive=directive_md,
                    role=role,
                    math=math_md,
                    link=model.urls.absolute_target,
                    allow_html=allow_html,
                ),
            )
            sections_md.append((section.heading, md))
    solution = page.results.solution
    solution_html = Markup(markup.highlight(solution.source, "python")) if solution and form.html else None
    return RenderedEntry(
        page,
        tuple(sections_html) if form.html else NotRendered("sections_html"),  # type: ignore[arg-type]
        tuple(sections_md) if form.markdown else NotRendered("sections_md"),  # type: ignore[arg-type]
        solution_html if form.html or not solution else NotRendered("solution_html"),  # type: ignore[arg-type]
        form.assets.end() if form.assets is not None else None,
    )


def quote_value(target: str, examples: Mapping[str, ExampleResult]) -> str:
    """``sentence.perplexity:.3f`` -> the formatted output of that example."""
    match = ROLE_TARGET.match(target)
    if not match:
        raise markup.MarkupError(f"{{value}}`{target}` is not of the form EXAMPLE.OUTPUT[:FORMAT]")
    example_id, output, indexes, spec = match.groups()
    example = examples.get(example_id)
    if example is None:
        raise markup.MarkupError(f"{{value}}`{target}`: no example {example_id!r}")
    values = {**example.inputs, **example.outputs}
    if output not in values:
        known = ", ".join(values)
        raise markup.MarkupError(
            f"{{value}}`{target}`: example {example_id!r} has no input or output {output!r} (it has {known})"
        )
    value = values[output]
    for index in re.findall(r"\[(\d+)\]", indexes or ""):
        if not isinstance(value, list) or int(index) >= len(value):
            raise markup.MarkupError(f"{{value}}`{target}`: index [{index}] is out of range")
        value = value[int(index)]
    if isinstance(value, list):
        raise markup.MarkupError(f"{{value}}`{target}` is a list; index it, e.g. {output}[0]")
    if spec is None:
        return format_number(value, example.digits)
    try:
        return format(value, spec)
    except (ValueError, TypeError) as exc:
        raise markup.MarkupError(f"{{value}}`{target}`: bad format {spec!r}: {exc}") from exc


SIGNIFICANT_DIGITS = 6
"""Significant digits of a number shown without a fixed number of decimal places."""


def format_number(value: Any, digits: int | None = None) -> str:
    """A number as shown in tables: ints as they are, lists bracketed, floats to ``digits`` places if given,
    else in the shortest form rounded to ``SIGNIFICANT_DIGITS`` significant digits (``1.0`` -> ``1``)."""
    if isinstance(value, list):
        return "[" + ", ".join(format_number(v, digits) for v in value) + "]"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if digits is None:
        text = f"{value:.{SIGNIFICANT_DIGITS}g}"
        mantissa, e, exponent = text.partition("e")
        text = f"{mantissa}e{int(exponent)}" if e else text  # 1e-05 -> 1e-5
        return "0" if text == "-0" else text
    if value != 0 and (abs(value) >= 1e7 or abs(value) < 0.5 * 10.0**-digits):
        return f"{value:.{max(digits, 1)}e}"
    text = f"{value:.{digits}f}"
    return "0" + text[2:] if text.startswith("-0") and float(text) == 0 else text


def markdown_escape(text: str) -> str:
    """Escape what Markdown, HTML or math would interpret in a line of author text."""
    return mdescape.escape_text(text)


_JSON_UNSAFE = re.compile("[<>&'\x7f-\x9f\u2028\u2029]")


def json_text(value: Any) -> Markup:
    """JSON that is also valid YAML (for front matter) and safe inside HTML, even in a ``<script>`` block."""
    text = json.dumps(value, ensure_ascii=False)
    return Markup(_JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


def markdown_cell(text: Any) -> str:
    """Text safe inside a Markdown table cell."""
    return mdescape.escape_text(str(text), line_start=False).replace("\n", " ")


def _origin(base_url: str) -> str:
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"


_ROOT_RELATIVE = re.compile(r'(\s(?:href|src)=")/(?!/)')


def absolute_links(html: str, origin: str) -> str:
    """Make root-relative links absolute, for feeds and emails read away from the site."""
    return _ROOT_RELATIVE.sub(lambda m: f"{m.group(1)}{origin}/", html)
