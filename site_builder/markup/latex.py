"""LaTeX to MathML at build time (latex2mathml), checked, and converted once per distinct formula."""

from __future__ import annotations

import functools
import html
import re
import xml.etree.ElementTree as ET

from .base import MarkupError
from .texspacing import space_like_tex

_UNKNOWN_COMMAND = re.compile(r">(\\[A-Za-z]+)<")
_ARG = re.compile(r"\\arg(?![A-Za-z])")
_OPERATOR_NAME = re.compile(r"\\operatorname(\*?)\{((?:[^{}\\]|\\[^A-Za-z])*)\}")
_NAME_SPACES = {",": "\u2009", ":": "\u205f", ";": "\u2004", " ": "\u00a0", "!": ""}
_DISPLAY_LIMITS = re.compile(
    r"(\\(?:sum|prod|coprod|bigcup|bigcap|bigoplus|bigotimes|bigodot|biguplus|bigvee|bigwedge"
    r"|lim|liminf|limsup|max|min|sup|inf|det|gcd|Pr|argmax|argmin)(?![A-Za-z])|\\operatorname\*\{[^{}]*\})"
    r"(?=\s*[_^])"
)


def _for_latex2mathml(latex: str, display: bool) -> str:
    r"""LaTeX with three gaps of latex2mathml worked around.

    It does not know ``\arg``, and an ``\operatorname`` holding a spacing command
    (``\operatorname*{arg\,max}``) comes out as an empty operator and a stray ``*``:
    the spaces become Unicode spaces inside the operator's name. In a display, TeX sets the
    limits of ``\sum``, ``\max`` or ``\operatorname*`` above and below, wherever they are;
    latex2mathml only does for a ``\sum`` or ``\prod`` outside any group (not inside
    ``\left( \right)``), so they get an explicit ``\limits`` (an author's ``\nolimits`` stays).
    """
    latex = _ARG.sub(r"\\operatorname{arg}", latex)
    if display:
        latex = _DISPLAY_LIMITS.sub(r"\1\\limits", latex)

    def name(match: re.Match[str]) -> str:
        text = re.sub(r"\\([,:; !])", lambda m: _NAME_SPACES[m.group(1)], match.group(2))
        return f"\\operatorname{match.group(1)}{{{text}}}"

    return _OPERATOR_NAME.sub(name, latex)


def latex_to_mathml(latex: str, *, display: bool, tex_spacing: bool = True) -> str:
    """Convert LaTeX to MathML at build time, so pages need no JavaScript.

    latex2mathml is lenient (an unknown command comes out as its own name,
    a missing brace is ignored), so both are checked here rather than shipped.
    With ``tex_spacing`` the MathML is set as TeX sets it (``texspacing``); without, it is
    latex2mathml's tree as it is, for a reader of its structure (``unicodemath``).
    A formula is converted once per build (an archive repeats a few formulas thousands of times).
    """
    return _converted(latex.strip(), display, tex_spacing)


@functools.lru_cache(maxsize=4096)
def _converted(latex: str, display: bool, tex_spacing: bool) -> str:
    import latex2mathml.converter

    if _brace_depth(latex) != 0:
        raise MarkupError(f"unbalanced braces in LaTeX {latex!r}")
    try:
        tree = latex2mathml.converter.convert_to_element(
            _for_latex2mathml(latex, display), display="block" if display else "inline"
        )
    except Exception as exc:  # latex2mathml raises many exception types for bad input
        raise MarkupError(f"cannot convert LaTeX {latex!r}: {type(exc).__name__} {exc}".rstrip()) from exc
    if tex_spacing:
        _glyphs_as_tex(tree)
        space_like_tex(tree)
    mathml = _serialized(tree)
    unknown = _UNKNOWN_COMMAND.search(mathml)
    if unknown:
        raise MarkupError(f"unknown LaTeX command {unknown.group(1)} in {latex!r}")
    return mathml


def _upright_letter(element: ET.Element) -> bool:
    return element.tag == "mi" and element.get("mathvariant") == "normal" and len(element.text or "") == 1


_CAPITAL_GREEK = frozenset(chr(code) for code in range(0x391, 0x3AA))
_LIMIT_NAMES = frozenset(["lim", "max", "min", "sup", "inf"])
_TILDES = frozenset("~\u02dc")


def _glyphs_as_tex(tree: ET.Element) -> None:
    """What TeX draws and latex2mathml does not: upright capital Greek (``\\Delta``), ``\\tilde`` an accent
    (centred over its letter, at full size), accents that do not stretch, ``\\max`` and ``\\lim`` with limits only
    in display style, a ``\\mathrm`` word one identifier."""
    for element in tree.iter():
        tag, text = element.tag.rpartition("}")[2], html.unescape("".join(element.itertext()))
        if tag == "mrow" and len(element) > 1 and all(_upright_letter(child) for child in element):
            # \mathrm{Attention}: one word, kerned as one, not nine identifiers
            word = "".join(child.text or "" for child in element)
            element.clear()
            ET.SubElement(element, "mi", mathvariant="normal").text = word
            continue
        if tag == "mi" and text in _CAPITAL_GREEK and "mathvariant" not in element.attrib:
            element.set("mathvariant", "normal")
        elif tag == "mo" and text in _LIMIT_NAMES:
            element.set("movablelimits", "true")
        elif tag == "mover" and len(element) == 2 and html.unescape("".join(element[1].itertext())) in _TILDES:
            element.set("accent", "true")
            element[1].text = "&#x002DC;"
        if (
            tag == "mover"
            and element.get("accent") == "true"
            and len(element) == 2
            and "stretchy" not in element[1].attrib
        ):
            element[1].set("stretchy", "false")  # \hat and \dot are one size, as in TeX (\widehat stretches)
            if html.unescape(element[1].text or "") == "^":
                element[1].text = "&#x002C6;"  # the accent, not the ASCII circumflex (a wide glyph in the font)


# What latex2mathml writes besides the element's name; \href's href, \style's style, \class's class are dropped.
_ATTRIBUTES = frozenset(
    [
        "xmlns",
        "display",
        "mathvariant",
        "mathcolor",
        "mathbackground",
        "mathsize",
        "stretchy",
        "fence",
        "separator",
        "form",
        "largeop",
        "movablelimits",
        "accent",
        "accentunder",
        "lspace",
        "rspace",
        "minsize",
        "maxsize",
        "symmetric",
        "width",
        "height",
        "depth",
        "voffset",
        "linethickness",
        "notation",
        "displaystyle",
        "scriptlevel",
        "columnalign",
        "columnlines",
        "columnspacing",
        "rowalign",
        "rowlines",
        "rowspacing",
        "frame",
        "framespacing",
        "linebreak",
    ]
)
_ESCAPED_REFERENCE = re.compile(r"&amp;(#x?[0-9A-Fa-f]+;)")


def _serialized(tree: ET.Element) -> str:
    """MathML text that is only MathML: the author's text escaped, attributes kept to presentation.

    latex2mathml writes symbols as character references in the text, then unescapes its
    whole output to let them through, and with them any ``<``, ``>`` or ``&`` an author
    wrote (``\text{<script>...}`` came out as a script element). Here only the
    references come back.
    """
    for element in tree.iter():
        for name in [name for name in element.attrib if name not in _ATTRIBUTES]:
            del element.attrib[name]
    return _ESCAPED_REFERENCE.sub(r"&\1", ET.tostring(tree, encoding="unicode"))


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


def mathml(latex: str, display: bool) -> str:
    """The web's way to show math: MathML, no JavaScript needed."""
    return latex_to_mathml(latex, display=display)
