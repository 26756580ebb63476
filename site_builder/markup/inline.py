"""Where math and roles are in a paragraph, found exactly as markdown-it-py with dollarmath and myst_role finds them.

markdown-it-pyrs parses the Markdown but knows neither ``$...$`` nor ``{role}`...```.
This module walks one inline region (a paragraph's text, a heading, a table cell)
the way markdown-it-py's inline tokenizer does, with the rules that decide what a
``$``, a ``{`` or a backtick is: ``math_inline`` (dollarmath with ``allow_space``,
``allow_digits`` and ``double_inline``), escapes, ``myst_role``, code spans, links
and images (whose destinations and titles are not text), autolinks and, when raw
HTML is allowed, inline HTML. Everything else (emphasis, entities, line breaks)
never starts or hides one of them, so it is stepped over. The port follows the
rules' code line by line, quirks included, and a test compares it with
markdown-it-py on tricky input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The characters at which markdown-it-py's text rule stops and other rules get a chance.
_TERMINATORS = frozenset("\n!#$%&*+-:<=>@[\\]^_`{}~")
_TERMINATOR = re.compile(r"[\n!#$%&*+\-:<=>@\[\\\]^_`{}~]")
# Where one of the rules that matter here may start.
_RULE_START = re.compile(r"[$\\{`\[!<]")
_ROLE_NAME = re.compile(r"\{([a-zA-Z0-9_\-+:]+)\}")


@dataclass(frozen=True)
class Found:
    """A formula or a role in a region's text: ``text[start:end]`` is its whole source."""

    start: int
    end: int
    kind: str
    """``math``, ``math_double`` (``$$...$$`` inside text: display math) or ``role``."""
    content: str
    """The LaTeX, or the role's content."""
    name: str = ""
    """The role's name."""


@dataclass(frozen=True)
class Reading:
    """What ``read_inline`` found in one text."""

    found: list[Found]
    """Formulas and roles, in order."""
    unmatched: list[int]
    """Positions of backticks that open no code span (literal text)."""
    multiline: bool
    """Something read as one piece (a formula, role, code span, link) runs over a line end."""


def read_inline(text: str, *, allow_html: bool, references: frozenset[str]) -> Reading:
    """Formulas, roles and literal backticks in one region's inline text.

    ``references`` holds the normalised labels of the document's link reference
    definitions: ``[text][label]`` is a link (and ``label`` not text) only if it is defined.
    """
    scanner = _Scanner(text, allow_html, references)
    scanner.tokenize(0, len(text))
    return Reading(scanner.found, sorted(scanner.unmatched), scanner.multiline)


def _is_escaped(src: str, position: int) -> bool:
    """dollarmath's test for an escaped ``$``, wrap-around at position 0 included."""
    backslashes = 0
    back = position
    while back >= 0:
        back -= 1
        if src[back] == "\\":
            backslashes += 1
        else:
            break
    return backslashes % 2 == 1


class _Scanner:
    """markdown-it-py's ``StateInline`` reduced to positions: each rule returns where it stops, or None."""

    def __init__(self, src: str, allow_html: bool, references: frozenset[str], offset: int = 0) -> None:
        self.src = src
        self.allow_html = allow_html
        self.references = references
        self.offset = offset
        """Where ``src`` starts in the region (an image's alt text is read as a text of its own)."""
        self.found: list[Found] = []
        self.unmatched: set[int] = set()
        """Positions of backticks that open no code span."""
        self.multiline = False
        self.last = max(src.rfind("$"), src.rfind("{"), src.rfind("`"))
        self.skipped: dict[int, int] = {}

    def tokenize(self, position: int, end: int) -> None:
        """``ParserInline.tokenize``: record what the rules find between ``position`` and ``end``.

        Past the last ``$``, ``{`` and backtick there is nothing left to find: the scan stops there.
        """
        src = self.src
        stop = min(end, self.last + 1)
        while position < stop:
            match = _RULE_START.search(src, position, stop)
            if match is None:
                return
            position = match.start()
            after = self.rule(position, end, silent=False)
            if after is None:
                position += 1
                continue
            if not self.multiline and "\n" in src[position:after]:
                self.multiline = True
            position = after

    def skip(self, position: int, end: int) -> int:
        """``ParserInline.skipToken``: where the token at ``position`` ends, as link labels are scanned."""
        if position in self.skipped:
            return self.skipped[position]
        char = self.src[position]
        if char not in _TERMINATORS:  # the text rule takes the run up to the next terminator
            match = _TERMINATOR.search(self.src, position + 1, end)
            after = match.start() if match else end
        else:
            after = self.rule(position, end, silent=True) or position + 1
        self.skipped[position] = after
        return after

    def rule(self, position: int, end: int, *, silent: bool) -> int | None:
        char = self.src[position]
        if char == "$":
            return self.math(position, silent)
        if char == "\\":
            return position + 2 if position + 1 < end else None  # an escape takes the next character
        if char == "{":
            return self.role(position, silent)
        if char == "`":
            return self.code_span(position, end)
        if char == "[":
            return self.link(position, end, silent)
        if char == "!":
            return self.image(position, end, silent)
        if char == "<":
            return self.autolink(position, end) or (self.html(position, end) if self.allow_html else None)
        return None

    def math(self, position: int, silent: bool) -> int | None:
        """dollarmath's ``math_inline`` rule."""
        src = self.src
        if _is_escaped(src, position) or position + 1 >= len(src):
            return None
        double = src[position + 1] == "$"
        search = position + 1 + double
        while True:
            end = src.find("$", search)
            if end < 0:
                return None
            if _is_escaped(src, end):
                search = end + 1
                continue
            if double:
                if end + 1 >= len(src):
                    return None
                if src[end + 1] != "$":
                    search = end + 1
                    continue
                end += 1
            break
        content = src[position + 2 : end - 1] if double else src[position + 1 : end]
        if not content:
            return None
        if not silent:
            kind = "math_double" if double else "math"
            self.found.append(Found(self.offset + position, self.offset + end + 1, kind, content))
        return end + 1

    def role(self, position: int, silent: bool) -> int | None:
        """myst_role's rule: ``{name}`` then a backtick run, closed by the next run at least as long."""
        src = self.src
        match = _ROLE_NAME.match(src, position)
        if match is None:
            return None
        start = after_ticks = match.end()
        while after_ticks < len(src) and src[after_ticks] == "`":
            after_ticks += 1
        if after_ticks >= len(src) or after_ticks == start:
            return None
        ticks = "`" * (after_ticks - start)
        close = src.find(ticks, after_ticks + 1)
        if close < 0:
            return None
        if not silent:
            content = src[after_ticks:close].replace("\n", " ")
            self.found.append(
                Found(self.offset + position, self.offset + close + len(ticks), "role", content, match[1])
            )
        return close + len(ticks)

    def code_span(self, position: int, end: int) -> int:
        """The backticks rule: a code span up to an equal run before ``end``, else just the opening run."""
        src = self.src
        after = position + 1
        while after < end and src[after] == "`":
            after += 1
        length = after - position
        search = after
        while (close := src.find("`", search)) != -1 and close < end:
            search = close + 1
            while search < len(src) and src[search] == "`":
                search += 1
            if search > end:
                break
            if search - close == length:
                return search
        self.unmatched.update(range(self.offset + position, self.offset + after))
        return after

    def label_end(self, start: int, end: int, *, nested_links: bool) -> int:
        """``parseLinkLabel``: the ``]`` closing the ``[`` at ``start``, or -1."""
        level = 1
        position = start + 1
        while position < end:
            char = self.src[position]
            if char == "]":
                level -= 1
                if level == 0:
                    return position
            before = position
            position = self.skip(position, end)
            if char == "[":
                if before == position - 1:
                    level += 1
                elif not nested_links:
                    return -1
        return -1

    def link(self, position: int, end: int, silent: bool) -> int | None:
        label_end = self.label_end(position, end, nested_links=False)
        if label_end < 0:
            return None
        after = self._link_target(position + 1, label_end, end)
        if after is None:
            return None
        if not silent:
            self.tokenize(position + 1, label_end)
        return after

    def _link_target(self, label_start: int, label_end: int, end: int) -> int | None:
        """The link rule after its label: an inline destination and title, else a defined reference."""
        from markdown_it.common.normalize_url import normalizeLink, validateLink
        from markdown_it.helpers import parseLinkDestination, parseLinkTitle

        src = self.src
        position = label_end + 1
        by_reference = True
        if position < end and src[position] == "(":
            by_reference = False
            position = _skip_space(src, position + 1, end)
            if position >= end:
                return None
            destination = parseLinkDestination(src, position, end)
            if destination.ok:
                if validateLink(normalizeLink(destination.str)):
                    position = destination.pos
                start = position
                position = _skip_space(src, position, end)
                title = parseLinkTitle(src, position, end)
                if position < end and start != position and title.ok:
                    position = _skip_space(src, title.pos, end)
            if position >= end or src[position] != ")":
                by_reference = True
            position += 1
        if by_reference:
            return self._reference(label_start, label_end, position, end)
        return position

    def _reference(self, label_start: int, label_end: int, position: int, end: int) -> int | None:
        from markdown_it.common.utils import normalizeReference

        if not self.references:
            return None
        label = ""
        if position < end and self.src[position] == "[":
            close = self.label_end(position, end, nested_links=True)
            if close >= 0:
                label = self.src[position + 1 : close]
                position = close + 1
            else:
                position = label_end + 1
        else:
            position = label_end + 1
        if normalizeReference(label or self.src[label_start:label_end]) not in self.references:
            return None
        return position

    def image(self, position: int, end: int, silent: bool) -> int | None:
        from markdown_it.common.normalize_url import normalizeLink, validateLink
        from markdown_it.helpers import parseLinkDestination, parseLinkTitle

        src = self.src
        if position + 1 < end and src[position + 1] != "[":
            return None
        label_start = position + 2
        label_end = self.label_end(position + 1, end, nested_links=True)
        if label_end < 0:
            return None
        after = label_end + 1
        if after < end and src[after] == "(":
            after = _skip_space(src, after + 1, end)
            if after >= end:
                return None
            destination = parseLinkDestination(src, after, end)
            if destination.ok and validateLink(normalizeLink(destination.str)):
                after = destination.pos
            start = after
            after = _skip_space(src, after, end)
            title = parseLinkTitle(src, after, end)
            if after < end and start != after and title.ok:
                after = _skip_space(src, title.pos, end)
            if after >= end or src[after] != ")":
                return None
            after += 1
        else:
            reference = self._reference(label_start, label_end, after, end)
            if reference is None:
                return None
            after = reference
        if not silent:  # the alt text is parsed as a text of its own
            alt = _Scanner(src[label_start:label_end], self.allow_html, self.references, self.offset + label_start)
            alt.tokenize(0, len(alt.src))
            self.found.extend(alt.found)
            self.unmatched.update(alt.unmatched)
            self.multiline |= alt.multiline
        return after

    def autolink(self, position: int, end: int) -> int | None:
        from markdown_it.common.normalize_url import normalizeLink, validateLink
        from markdown_it.rules_inline.autolink import AUTOLINK_RE, EMAIL_RE

        src = self.src
        close = position + 1
        while close < end and src[close] not in "<>":
            close += 1
        if close >= end or src[close] == "<":
            return None
        url = src[position + 1 : close]
        if AUTOLINK_RE.search(url):
            return close + 1 if validateLink(normalizeLink(url)) else None
        if EMAIL_RE.search(url):
            return close + 1 if validateLink(normalizeLink("mailto:" + url)) else None
        return None

    def html(self, position: int, end: int) -> int | None:
        from markdown_it.common.html_re import HTML_TAG_RE

        src = self.src
        if position + 2 >= end:
            return None
        second = src[position + 1]
        if second not in "!?/" and not ("a" <= second.lower() <= "z"):
            return None
        match = HTML_TAG_RE.match(src, position)
        return match.end() if match else None


def _skip_space(src: str, position: int, end: int) -> int:
    while position < end and src[position] in " \t\n":
        position += 1
    return position
