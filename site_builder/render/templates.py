"""The one Jinja environment: autoescaped, strict, and noting every template a rendering uses.

Templates are looked up in the project's ``templates/`` first, then in the default theme
(``theme``). Every template an output is made with, whether named by the build or pulled
in by ``extends``, ``include`` or ``import`` (even a name computed at render time), goes
through ``get_template`` while the output renders; each is noted as a read of the project
file of its name (``templates/NAME``, see ``deps``), whether the project has one or the
theme's is used, so adding, editing or removing a template makes again exactly the outputs
that used it. Templates are compiled once per build: files are not checked for changes
during a build (``auto_reload`` off).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from .. import markup
from ..errors import ContentError, Problem, TemplateError
from ..incremental.deps import Fields, note
from ..markup import escape as mdescape
from .numbers import format_number, format_rows, number_html
from .theme import TEMPLATES, THEME


class Templates(jinja2.Environment):
    """The project's templates over the theme's; every template fetched while rendering is noted as read."""

    project_templates: Path
    """The project's ``templates/`` folder."""

    def get_template(self, name: Any, parent: Any = None, globals: Any = None) -> jinja2.Template:
        if isinstance(name, str):
            note(f"{TEMPLATES}/{name}")
        return super().get_template(name, parent, globals)


class Undefined(jinja2.StrictUndefined):
    """A typo in a template fails the build; the message names an entry's model, not the view noting its reads."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        if isinstance(self._undefined_obj, Fields):
            return jinja2.StrictUndefined(obj=self._undefined_obj.model, name=self._undefined_name)._undefined_message
        return super()._undefined_message


def load_templates(root: Path, compiled: Path | None = None) -> Templates:
    """The one Jinja environment: autoescaped HTML and XML, and a typo in a template fails the build.

    ``compiled``: a folder where templates compiled to Python are kept between builds.
    """
    if compiled is not None:
        try:
            compiled.mkdir(parents=True, exist_ok=True)
        except OSError:  # a cache that cannot be written only costs time
            compiled = None
    env = Templates(
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(root / TEMPLATES), jinja2.FileSystemLoader(THEME)]),
        bytecode_cache=jinja2.FileSystemBytecodeCache(str(compiled)) if compiled is not None else None,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "xml"), default_for_string=True),
        undefined=Undefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.project_templates = root / TEMPLATES
    env.filters.update(
        number=format_number,
        number_html=number_html,
        number_rows=format_rows,
        json=json_text,
        md_escape=markdown_escape,
        md_cell=markdown_cell,
        plain=markup.inert_text,
        text_table=text_table,
    )
    env.globals["link_marker"] = markup.link_marker
    return env


def render_template(env: jinja2.Environment, name: str, context: Mapping[str, Any]) -> str:
    """Render one template; any failure names the template file and line."""
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateNotFound as exc:
        frame = _template_frame(env, exc, "")
        if frame.line:  # included or extended by another template: point at that line
            raise TemplateError(replace(frame, message=f"template {exc.name!r} not found")) from exc
        raise TemplateError(Problem(f"{TEMPLATES}/{exc.name}", message="template not found")) from exc
    except jinja2.TemplateSyntaxError as exc:
        where = _template_file(env, exc.filename or "") or Problem(f"{TEMPLATES}/{exc.name or name}")
        raise TemplateError(replace(where, line=exc.lineno or 0, message=f"syntax error: {exc.message}")) from exc
    except (ContentError, TemplateError):
        raise
    except Exception as exc:  # an error while rendering: point at the template frame
        frame = _template_frame(env, exc, name)
        raise TemplateError(replace(frame, message=f"{type(exc).__name__}: {exc}")) from exc


def _template_frame(env: jinja2.Environment, exc: BaseException, name: str) -> Problem:
    """Where in a template ``exc`` was raised: the innermost frame of a template file, with its line."""
    import traceback

    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        found = _template_file(env, frame.filename)
        if found is not None:
            return replace(found, line=frame.lineno or 0)
    return Problem(f"{TEMPLATES}/{name}")


def _template_file(env: jinja2.Environment, filename: str) -> Problem | None:
    """A template's file as an error names it: ``templates/NAME`` in the project, the theme's own file otherwise."""
    path = os.path.abspath(filename)  # relative when the project root is "."
    project = os.path.abspath(getattr(env, "project_templates", TEMPLATES))
    if path.startswith(project + os.sep):
        return Problem(f"{TEMPLATES}/" + os.path.relpath(path, project).replace(os.sep, "/"))
    if path.startswith(str(THEME) + os.sep):
        name = os.path.relpath(path, THEME).replace(os.sep, "/")
        hint = f"a file of build-site's theme: `build-site theme eject {name}` copies it into templates/ to change it"
        return Problem(path, hint=hint)
    return None


def text_table(rows: list[list[Any]]) -> str:
    """Rows of cells as plain-text columns, aligned by display width (a combining accent takes no column)."""
    cells = [[markup.inert_text(str(cell)) for cell in row] for row in rows]
    widths = [max(markup.text_width(row[i]) for row in cells if i < len(row)) for i in range(max(map(len, cells)))]
    lines = []
    for row in cells:
        padded = [cell + " " * (widths[i] - markup.text_width(cell)) for i, cell in enumerate(row)]
        lines.append("  ".join(padded).rstrip())
    return "\n".join(lines)


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


_ROOT_RELATIVE = re.compile(r'(\s(?:href|src)=")/(?!/)')


def absolute_links(html: str, origin: str) -> str:
    """Make root-relative links absolute, for feeds and emails read away from the site."""
    return _ROOT_RELATIVE.sub(lambda m: f"{m.group(1)}{origin}/", html)
