"""The editions that go out beside each issue's web page: email (HTML, text, message) and dev.to Markdown.

They run after the site's own link check, on the finished site: their links are
absolute, so they are checked here, against the files the site will hold.
"""

from __future__ import annotations

from collections.abc import Mapping

import jinja2

from .devto import DEVTO_FORMAT, render_devto
from .email import FormulaImages, email_formats, render_emails
from .errors import ContentError, Problem, TemplateError
from .links import links_in
from .model import SiteModel, Urls
from .portable import site_path
from .render import WEB, EntryRenderings


def entry_renderings(model: SiteModel, env: jinja2.Environment, images: FormulaImages) -> EntryRenderings:
    """Entries rendered for the site and every edition, one Markdown parse each; the email draws formulas with ``images``."""
    return EntryRenderings(env, model, {"web": WEB, **email_formats(images), "devto": DEVTO_FORMAT})


def render_editions(
    model: SiteModel,
    env: jinja2.Environment,
    files: Mapping[str, bytes],
    entries: EntryRenderings,
    images: FormulaImages,
) -> dict[str, bytes]:
    """Every edition file of every published issue; ``files`` is the rendered site they point into.

    ``entries`` comes from ``entry_renderings`` with the same ``images``.
    """
    out: dict[str, bytes] = {}
    for edition in (render_emails(model, env, files, images, entries), render_devto(model, env, files, entries)):
        for path, data in edition.items():
            if path in files or path in out:
                raise TemplateError(Problem(path, message="two outputs claim this path"))
            out[path] = data
    check_edition_links(out, model.urls, {**files, **out})
    return out


def check_edition_links(editions: Mapping[str, bytes], urls: Urls, site: Mapping[str, bytes]) -> None:
    """Every link of an HTML edition that points into the site must reach a file of it."""
    problems = []
    for path in sorted(p for p in editions if p.endswith(".html")):
        for link, line in links_in(editions[path].decode()):
            target = site_path(link, urls)
            if target is None:
                continue
            target = target + "index.html" if target == "" or target.endswith("/") else target
            if target not in site:
                problems.append(Problem(f"output/{path}", line, 0, message=f"broken link {link!r}"))
    if problems:
        raise ContentError(problems)
