"""The one Jinja environment: autoescaped, strict, and noting every template a rendering uses.

Every template an output is made with, whether named by the build or pulled in by
``extends``, ``include`` or ``import`` (even a name computed at render time), goes
through ``get_template`` while the output renders; each is noted as a read of its file
(``templates/NAME``, see ``deps``), so editing a template makes again exactly the outputs
that used it. Templates are compiled once per build: files are not checked for changes
during a build (``auto_reload`` off).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from . import mdescape
from .deps import Fields, note
from .errors import ContentError, Problem, TemplateError
from .numbers import format_number

TEMPLATES = "templates"
STATIC = "static/"
"""Files under ``templates/static/`` are copied, not rendered."""


class Templates(jinja2.Environment):
    """The project's templates; every template fetched while rendering is noted as read."""

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
        loader=jinja2.FileSystemLoader(root / TEMPLATES),
        bytecode_cache=jinja2.FileSystemBytecodeCache(str(compiled)) if compiled is not None else None,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "xml"), default_for_string=True),
        undefined=Undefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters.update(number=format_number, json=json_text, md_escape=markdown_escape, md_cell=markdown_cell)
    return env


def render_template(env: jinja2.Environment, name: str, context: Mapping[str, Any]) -> str:
    """Render one template; any failure names the template file and line."""
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateNotFound as exc:
        path, line = _template_frame(exc, "")
        if line:  # included or extended by another template: point at that line
            raise TemplateError(Problem(path, line, 0, message=f"template {exc.name!r} not found")) from exc
        raise TemplateError(Problem(f"{TEMPLATES}/{exc.name}", message="template not found")) from exc
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            Problem(f"{TEMPLATES}/{exc.name or name}", exc.lineno or 0, 0, message=f"syntax error: {exc.message}")
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
        if f"/{TEMPLATES}/" in filename:
            return f"{TEMPLATES}/" + filename.rsplit(f"/{TEMPLATES}/", 1)[1], frame.lineno or 0
    return f"{TEMPLATES}/{name}", 0


def static_files(root: Path) -> Iterator[tuple[str, str]]:
    """(site path, project path) of the files under ``templates/static``, copied as they are under ``static/``."""
    folder = root / TEMPLATES / "static"
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.name.startswith(".") and "__pycache__" not in path.parts:
            relative = path.relative_to(folder).as_posix()
            yield f"{STATIC}{relative}", f"{TEMPLATES}/{STATIC}{relative}"


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
