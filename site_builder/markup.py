"""Author Markdown to HTML (MathML math, highlighted code) and to portable Markdown.

Entries place computed things with MyST-style syntax, so plain Markdown tools
still show something sensible:

- a fence whose info string is ``{formula} ID``, ``{example} ID`` or ``{plot} ID``
  is a *directive*: it is replaced by that formula, worked-example table or figure;
- ``{value}`EXAMPLE.OUTPUT:FORMAT``` is a *role*: it is replaced by a computed number.
"""

from __future__ import annotations

import functools
import html
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .mdescape import make_inert, safe_target

if TYPE_CHECKING:  # imported where first used: a rebuild that renders no Markdown loads none of them
    from markdown_it import MarkdownIt
    from markdown_it.token import Token
    from pygments.formatters import HtmlFormatter

DIRECTIVE_INFO = re.compile(r"^\{([a-z][a-z0-9-]*)\}\s*(\S*)\s*$")
ROLE = re.compile(r"\{([a-z][a-z0-9-]*)\}`([^`]*)`")

Directive = Callable[[str, str], str]
"""(name, target) -> replacement text for a directive."""
Role = Callable[[str, str], str]
"""(name, content) -> replacement text for a role (not yet escaped)."""
SiteLink = Callable[[str], str]
"""Site path written by an author (``/problems/x/``) -> the link to emit."""
MD_SITE_LINK = re.compile(r"(\]\()(/[^)\s]*)")


def _same(path: str) -> str:
    return path


MathRenderer = Callable[[str, bool], str]
"""(LaTeX, display) -> the formula as an edition shows it (MathML, an image, Unicode text, a KaTeX tag)."""


class MarkupError(Exception):
    """Author markup that cannot be rendered; ``line`` is 0-based within the Markdown text."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class Reference:
    """A directive or role found in Markdown, for validation before rendering."""

    kind: str
    """``directive`` or ``role``."""
    name: str
    """Directive or role name, e.g. ``formula`` or ``value``."""
    target: str
    """Its argument, e.g. a formula id or ``example.output:.3f``."""
    line: int
    """0-based line within the Markdown text."""


@functools.lru_cache(maxsize=4)
def parser(allow_html: bool = False) -> MarkdownIt:
    """The one Markdown dialect: CommonMark + tables + strikethrough + dollar math + MyST roles."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.myst_role import myst_role_plugin

    md = MarkdownIt("commonmark", {"html": allow_html, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(dollarmath_plugin, allow_space=True, double_inline=True)
    md.use(myst_role_plugin)
    return md


_ROLE_START = re.compile(r"\{[A-Za-z0-9_+:\-]+\}`")


def _may_hold_reference(text: str) -> bool:
    """False if ``text`` cannot hold a directive (a fence, then "{") or a role ("{name}`"): both need a "{"."""
    start = text.find("{")
    while start >= 0:
        before = start - 1
        while before >= 0 and text[before] in " \t":
            before -= 1
        if (before >= 0 and text[before] in "`~") or _ROLE_START.match(text, start):
            return True
        start = text.find("{", start + 1)
    return False


def references(text: str) -> list[Reference]:
    """Every directive and role in ``text``, with its line."""
    if not _may_hold_reference(text):
        return []  # most sections have neither: no need to parse them
    return parsed_references(text)


def parsed_references(text: str) -> list[Reference]:
    """``references`` without the shortcut: always parses (the tests check that both agree)."""
    found = []
    for token in parser().parse(text):
        if token.type == "fence" and token.info.startswith("{"):
            match = DIRECTIVE_INFO.match(token.info)
            name, target = match.groups() if match else (token.info, "")
            found.append(Reference("directive", name, target, token.map[0] if token.map else 0))
        for child in _located_children(token):
            if child.type == "myst_role":
                found.append(Reference("role", child.meta["name"], child.content, child.meta["line"]))
    return found


def _located_children(token: Token) -> list[Token]:
    """An inline token's children, each with ``meta["line"]``: the 0-based line it starts on.

    markdown-it only maps block tokens to lines; a formula or role deep in a
    paragraph is found in the paragraph's text, so errors point at its own line.
    """
    children = token.children or []
    start = token.map[0] if token.map else 0
    text, position = token.content, 0
    for child in children:
        source = {
            "math_inline": f"${child.content}$",
            "math_inline_double": f"$${child.content}$$",
            "myst_role": f"{{{child.meta.get('name', '')}}}`{child.content}`",
        }.get(child.type)
        found = text.find(source, position) if source else -1
        if found >= 0:
            position = found
        child.meta.setdefault("line", start + text.count("\n", 0, position))
    return children


_UNKNOWN_COMMAND = re.compile(r">(\\[A-Za-z]+)<")
_ARG = re.compile(r"\\arg(?![A-Za-z])")
_OPERATOR_NAME = re.compile(r"\\operatorname(\*?)\{((?:[^{}\\]|\\[^A-Za-z])*)\}")
_NAME_SPACES = {",": "\u2009", ":": "\u205f", ";": "\u2004", " ": "\u00a0", "!": ""}


def _for_latex2mathml(latex: str) -> str:
    r"""LaTeX with two gaps of latex2mathml worked around.

    It does not know ``\arg``, and an ``\operatorname`` holding a spacing command
    (``\operatorname*{arg\,max}``) comes out as an empty operator and a stray ``*``:
    the spaces become Unicode spaces inside the operator's name.
    """
    latex = _ARG.sub(r"\\operatorname{arg}", latex)

    def name(match: re.Match[str]) -> str:
        text = re.sub(r"\\([,:; !])", lambda m: _NAME_SPACES[m.group(1)], match.group(2))
        return f"\\operatorname{match.group(1)}{{{text}}}"

    return _OPERATOR_NAME.sub(name, latex)


def latex_to_mathml(latex: str, *, display: bool) -> str:
    """Convert LaTeX to MathML at build time, so pages need no JavaScript.

    latex2mathml is lenient (an unknown command comes out as its own name,
    a missing brace is ignored), so both are checked here rather than shipped.
    """
    import latex2mathml.converter

    latex = latex.strip()
    if _brace_depth(latex) != 0:
        raise MarkupError(f"unbalanced braces in LaTeX {latex!r}")
    try:
        mathml = latex2mathml.converter.convert(_for_latex2mathml(latex), display="block" if display else "inline")
    except Exception as exc:  # latex2mathml raises many exception types for bad input
        raise MarkupError(f"cannot convert LaTeX {latex!r}: {type(exc).__name__} {exc}".rstrip()) from exc
    unknown = _UNKNOWN_COMMAND.search(mathml)
    if unknown:
        raise MarkupError(f"unknown LaTeX command {unknown.group(1)} in {latex!r}")
    return mathml


def _brace_depth(latex: str) -> int:
    depth = 0
    for token in re.findall(r"\\.|[{}]", latex):
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
            if depth < 0:
                return depth
    return depth


@functools.lru_cache(maxsize=1)
def _formatter() -> HtmlFormatter:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(nowrap=True)


@functools.lru_cache(maxsize=64)  # the HTML editions of one entry highlight the same blocks one after the other
def highlight(code: str, language: str) -> str:
    """Highlighted HTML for a code block (no surrounding ``<pre>``); plain escaped text if the language is unknown."""
    from pygments import highlight as pygments_highlight
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_by_name(language or "text")
    except ClassNotFound:
        return html.escape(code)
    return pygments_highlight(code, lexer, _formatter())


def highlight_css() -> str:
    """Pygments rules for light and dark colour schemes."""
    from pygments.formatters import HtmlFormatter

    light = HtmlFormatter(style="friendly").get_style_defs(".highlight")
    dark = HtmlFormatter(style="monokai").get_style_defs(".highlight")
    return f"{light}\n@media (prefers-color-scheme: dark) {{\n{dark}\n}}\n"


def mathml(latex: str, display: bool) -> str:
    """The web's way to show math: MathML, no JavaScript needed."""
    return latex_to_mathml(latex, display=display)


def to_html(
    text: str | Section,
    *,
    allow_html: bool,
    directive: Directive,
    role: Role,
    math: MathRenderer = mathml,
    link: SiteLink = _same,
) -> str:
    """Render author Markdown to an HTML fragment.

    ``math`` renders each formula (default: MathML); ``link`` maps site paths in links and images.
    ``text`` may be a ``Section`` parsed before, so that one parse serves every edition.
    """
    section = text if isinstance(text, Section) else Section(text, allow_html=allow_html)
    tokens = section.html_tokens
    for token in tokens:
        for child in token.children or ():
            for attr in ("href", "src"):
                # The author's own target is kept in meta, so tokens rendered again map it afresh.
                value = child.meta.get(f"site_{attr}", child.attrGet(attr))
                if isinstance(value, str) and value.startswith("/") and not value.startswith("//"):
                    child.meta[f"site_{attr}"] = value
                    child.attrSet(attr, link(value))
    return _HtmlRenderer(section.html_parser, directive, role, math).render(tokens)


class Section:
    """A piece of author Markdown parsed once, to be rendered as HTML and Markdown as often as editions need.

    markdown-it tokens can be rendered several times with different rules; parsing is
    what costs, so every edition of an entry shares one parse of each section.
    """

    def __init__(self, text: str, *, allow_html: bool) -> None:
        self.text = text
        self.allow_html = allow_html
        self.html_parser = parser(allow_html)
        self.html_tokens = self.html_parser.parse(text)
        self._markdown_tokens: list[Token] | None = None if allow_html else self.html_tokens
        self._author: tuple[Role, bool, list[str], set[int]] | None = None
        """The last ``_author_lines`` result, and the role and raw-HTML setting it was made with."""

    @property
    def markdown_tokens(self) -> list[Token]:
        """Tokens as the Markdown conversion reads them: raw HTML is never a block of its own there."""
        if self._markdown_tokens is None:
            self._markdown_tokens = parser().parse(self.text)
        return self._markdown_tokens


class _HtmlRenderer:
    def __init__(self, md: MarkdownIt, directive: Directive, role: Role, math: MathRenderer) -> None:
        self.md = md
        self.directive = directive
        self.role = role
        self.math = math

    def render(self, tokens: list[Token]) -> str:
        rules = self.md.renderer.rules
        saved = dict(rules)
        rules.update(
            fence=self._fence,
            math_inline=self._math(display=False),
            math_inline_double=self._math(display=True),
            math_block=self._math(display=True),
            myst_role=self._role,
        )
        for token in tokens:
            _located_children(token)
        try:
            return self.md.renderer.render(tokens, self.md.options, {})
        finally:
            rules.clear()
            rules.update(saved)

    def _fence(self, tokens: list[Token], idx: int, options: object, env: object) -> str:
        token = tokens[idx]
        line = token.map[0] if token.map else 0
        if token.info.startswith("{"):
            match = DIRECTIVE_INFO.match(token.info)
            if not match:
                raise MarkupError(f"malformed directive {token.info!r}", line)
            try:
                return self.directive(*match.groups())
            except MarkupError as exc:
                raise MarkupError(str(exc), line) from exc
        language = token.info.split(maxsplit=1)[0] if token.info.strip() else ""
        css = f' class="language-{html.escape(language)}"' if language else ""
        return f'<pre class="highlight"><code{css}>{highlight(token.content, language)}</code></pre>\n'

    def _math(self, *, display: bool) -> Callable[..., str]:
        def render(tokens: list[Token], idx: int, options: object, env: object) -> str:
            token = tokens[idx]
            try:
                rendered = self.math(token.content, display)
            except MarkupError as exc:
                line = token.map[0] if token.map else token.meta.get("line", 0)
                raise MarkupError(str(exc), line) from exc
            return f'<div class="math">{rendered}</div>\n' if token.type == "math_block" else rendered

        return render

    def _role(self, tokens: list[Token], idx: int, options: object, env: object) -> str:
        token = tokens[idx]
        try:
            return html.escape(self.role(token.meta["name"], token.content))
        except MarkupError as exc:
            raise MarkupError(str(exc), exc.line or token.meta.get("line", 0)) from exc


def to_markdown(
    text: str | Section,
    *,
    directive: Directive,
    role: Role,
    math: MathRenderer | None = None,
    link: SiteLink = _same,
    allow_html: bool = False,
) -> str:
    """Author Markdown with directives and roles replaced, for cross-posting.

    The author's text is kept line for line; only the directive fences are
    swapped for generated Markdown, the roles for their values, and site paths
    in inline links for ``link(path)`` (absolute urls, read away from the site).
    With ``math``, every ``$...$`` and ``$$...$$`` is swapped for what it returns
    (dev.to, for one, wants KaTeX tags instead of dollars). Links to
    script-capable targets, and raw HTML unless ``allow_html``, are made literal
    text, as they are on the site's pages (see ``mdescape``). ``text`` may be a
    ``Section`` parsed before; editions sharing one ``role`` share the work too.
    """
    section = text if isinstance(text, Section) else Section(text, allow_html=allow_html)
    tokens = section.markdown_tokens
    replacements: dict[int, tuple[int, str]] = {}
    for token in tokens:
        if token.map is None:
            continue
        start, end = token.map
        if token.type == "math_block" and math is not None:
            replacements[start] = (end, _math_or_error(math, token.content, True, start))
        if token.type == "fence" and token.info.startswith("{"):
            match = DIRECTIVE_INFO.match(token.info)
            if not match:
                raise MarkupError(f"malformed directive {token.info!r}", start)
            try:
                replacements[start] = (end, directive(*match.groups()).rstrip("\n"))
            except MarkupError as exc:
                raise MarkupError(str(exc), start) from exc
    lines, verbatim = _author_lines(section, role, allow_html)
    out: list[str] = []
    free: list[int] = []  # indexes in ``out`` of author lines that may hold inline math
    index = 0
    while index < len(lines):
        if index in replacements:
            end, text_block = replacements[index]
            out.append(_in_place_of(text_block, lines[index]))
            index = end
            continue
        line = lines[index]
        if index not in verbatim:
            free.append(len(out))
            line = MD_SITE_LINK.sub(lambda m: m.group(1) + link(m.group(2)), line)
        out.append(line)
        index += 1
    if math is not None:
        dropped = _replace_inline_math(out, free, tokens, math)
        out = [line for position, line in enumerate(out) if position not in dropped]
    return "\n".join(out).strip("\n") + "\n"


_BLOCK_OPENER = re.compile(r"\$\$|`{3,}|~{3,}")


def _in_place_of(block: str, first_line: str) -> str:
    """``block`` where a math block or fence opened on ``first_line`` stood: in the same list item or quote.

    What came before the opener (a list marker, a quote's ``>``, indentation) starts the
    first line; the other lines get as much indentation, markers made spaces, so the
    block stays inside the item instead of ending the list.
    """
    opener = _BLOCK_OPENER.search(first_line)
    prefix = first_line[: opener.start()] if opener else ""
    if not prefix:
        return block
    rest = re.sub(r"[^\s>]", " ", prefix)
    first, *others = block.split("\n")
    return "\n".join([prefix + first, *(rest + line if line else rest.rstrip() for line in others)])


def _author_lines(section: Section, role: Role, allow_html: bool) -> tuple[list[str], set[int]]:
    """The section's lines with roles replaced and made inert, and the lines of code blocks; once per ``role``."""
    cached = section._author
    if cached is not None and cached[0] is role and cached[1] == allow_html:
        return cached[2], cached[3]
    verbatim: set[int] = set()
    for token in section.markdown_tokens:
        if token.map is not None and token.type in ("fence", "code_block") and not _is_directive(token):
            verbatim.update(range(*token.map))
    # Roles become their values first, so that what is made inert is exactly what readers get.
    lines = [
        line if i in verbatim else ROLE.sub(lambda m: role(m.group(1), m.group(2)), line)
        for i, line in enumerate(section.text.splitlines())
    ]
    lines = _inert(lines, allow_html=allow_html)
    section._author = (role, allow_html, lines, verbatim)
    return lines, verbatim


def _is_directive(token: Token) -> bool:
    return token.type == "fence" and token.info.startswith("{")


def _math_or_error(math: MathRenderer, latex: str, display: bool, line: int) -> str:
    try:
        return math(latex.strip(), display)
    except MarkupError as exc:
        raise MarkupError(str(exc), line) from exc


# A code span (kept as it is), an escaped dollar, then $$display$$ and $inline$ math, as dollarmath reads them.
_MATH_SPAN = re.compile(r"(`+)[\s\S]*?(?<!`)\1(?!`)|\\\$|\$\$([\s\S]+?)\$\$|\$([^$]+?)\$")


def _replace_inline_math(out: list[str], free: list[int], tokens: list[Token], math: MathRenderer) -> set[int]:
    """Swap inline math in the author lines ``out[free]`` in place; return the positions merged into others.

    The spans are found with a pattern, then checked against the math the
    parser found, in order, so a span the pattern reads differently is an
    error instead of a silently broken formula.
    """
    expected = [
        (child.content.strip(), child.type == "math_inline_double", token.map[0] if token.map else 0)
        for token in tokens
        if token.type == "inline"
        for child in token.children or ()
        if child.type in ("math_inline", "math_inline_double")
    ]
    found: list[tuple[str, bool]] = []
    segments: list[list[int]] = []
    for position in free:
        if segments and segments[-1][-1] == position - 1:
            segments[-1].append(position)
        else:
            segments.append([position])

    def swap(match: re.Match[str]) -> str:
        if match.group(2) is None and match.group(3) is None:
            return match.group(0)
        display = match.group(2) is not None
        latex = (match.group(2) if display else match.group(3)).strip()
        if len(found) >= len(expected) or expected[len(found)][:2] != (latex, display):
            line = expected[min(len(found), len(expected) - 1)][2] if expected else 0
            raise MarkupError(f"cannot find the math {latex!r} where the Markdown parser does; simplify it", line)
        found.append((latex, display))
        return _math_or_error(math, latex, display, expected[len(found) - 1][2])

    dropped: set[int] = set()
    for segment in segments:
        text = _MATH_SPAN.sub(swap, "\n".join(out[i] for i in segment))
        # The segment becomes one item of ``out``: a formula spanning lines may have joined some.
        out[segment[0]] = text
        dropped.update(segment[1:])
    if len(found) != len(expected):
        missing = expected[len(found)]
        raise MarkupError(
            f"cannot find the math {missing[0]!r} where the Markdown parser does; simplify it", missing[2]
        )
    return dropped


@functools.lru_cache(maxsize=1)
def _trusting_reader() -> MarkdownIt:
    """How a careless tool reads cross-posted Markdown: CommonMark, raw HTML on, every link target trusted."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


def _inert(lines: list[str], *, allow_html: bool) -> list[str]:
    """Neutralise script links, and raw HTML unless allowed, in everything but code blocks.

    The text is read as a careless tool would; if that finds nothing to fear (the usual
    case) it is returned as it is. Otherwise blocks are scanned by ``mdescape.make_inert``,
    and any line that still yields HTML or a script link is escaped again without regard
    to code spans, so the guarantee does not rest on the scanner agreeing with every
    corner of CommonMark.
    """
    if not _unsafe_lines(lines, allow_html=allow_html):
        return lines
    literal: set[int] = set()  # lines of code blocks: left exactly as written
    html: set[int] = set()  # lines where a reader allowing raw HTML finds some
    html_blocks: set[int] = set()
    for token in _trusting_reader().parse("\n".join(lines)):
        if token.map is None:
            continue
        if token.type in ("fence", "code_block"):
            literal.update(range(*token.map))
        elif token.type == "html_block":
            html.update(range(*token.map))
            html_blocks.update(range(*token.map))
        elif any(c.type == "html_inline" for c in token.children or ()):
            html.update(range(*token.map))

    def kind(index: int) -> str:
        if index in literal or not lines[index].strip():
            return ""  # left as it is; also ends a block
        return "html" if index in html_blocks else "text"

    result = list(lines)
    for block_kind, run in itertools.groupby(range(len(lines)), key=kind):
        block = list(run)
        if block_kind:
            text = make_inert(
                "\n".join(lines[i] for i in block),
                literal_html=not allow_html and bool(html & set(block)),
                code_spans=block_kind == "text",
            )
            result[block[0] : block[-1] + 1] = text.split("\n")
    unsafe = _unsafe_lines(result, allow_html=allow_html)
    for index in unsafe:
        result[index] = make_inert(result[index], literal_html=not allow_html, code_spans=False)
    if unsafe:
        for index in _unsafe_lines(result, allow_html=allow_html):  # last resort; the fuzz tests never get here
            result[index] = result[index].replace("<", "&lt;").replace("[", "\\[")
    return result


def _unsafe_lines(lines: list[str], *, allow_html: bool) -> set[int]:
    """Lines of blocks in which a careless reader finds raw HTML (unless allowed) or a script link."""
    found: set[int] = set()
    if not any("<" in line or "]" in line for line in lines):
        return found  # neither HTML nor a link can start without one of these
    for token in _trusting_reader().parse("\n".join(lines)):
        children = token.children or ()
        bad_html = not allow_html and (token.type == "html_block" or any(c.type == "html_inline" for c in children))
        bad_link = any(
            c.type in ("link_open", "image") and not safe_target(str(c.attrs.get("href", c.attrs.get("src", ""))))
            for c in children
        )
        if (bad_html or bad_link) and token.map:
            found.update(range(*token.map))
    return found
