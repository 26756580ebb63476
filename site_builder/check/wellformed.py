"""Check that every XML output (feed, sitemap, SVG) is well-formed before it is published.

Cheap enough for every build (expat reads megabytes in milliseconds). HTML is
checked against a full HTML5 parser (html5lib) in the tests instead: at several
milliseconds a page it would add minutes to a build of a thousand issues.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping

from ..errors import Problem, TemplateError

XML_SUFFIXES = (".xml", ".svg", ".atom", ".rss")


def check_xml(files: Mapping[str, bytes]) -> None:
    """Raise ``TemplateError`` naming file, line and column of every malformed XML output."""
    problems = []
    for name in sorted(files):
        if not name.endswith(XML_SUFFIXES):
            continue
        try:
            ET.fromstring(files[name])
        except ET.ParseError as exc:
            line, column = exc.position
            reason = str(exc).split(":", 1)[0]
            problems.append(
                Problem(
                    f"output/{name}",
                    line,
                    column + 1,
                    message=f"not well-formed XML ({reason})",
                    hint="check the template that writes it",
                )
            )
    if problems:
        raise TemplateError(problems)
