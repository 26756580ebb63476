"""Fuzzing: whatever an author (or a broken editor) writes, the build fails only with its own located errors.

Generated YAML documents, random bytes and mutated copies of the real entries go
through the loader and validator; mutated entries also go through the whole
build in memory. Only ``ContentError`` (from loading) or another ``BuildError``
(from later stages) may come out: never a traceback. Examples are few and
derandomized by default (see the "ci" profile in conftest.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from site_builder import markup
from site_builder.content import schema
from site_builder.content import settings as site_settings
from site_builder.content.load import load_content
from site_builder.content.yamlsource import YamlProblem, parse_yaml
from site_builder.errors import BuildError, ContentError
from site_builder.pipeline.build import build_site
from site_builder.pipeline.options import BuildOptions

from ..conftest import REPO, copy_project

ENTRIES = sorted(str(p.relative_to(REPO)) for p in (REPO / "content").rglob("*.yaml"))
FIELD_NAMES = sorted(
    {
        name
        for module in (schema, site_settings)
        for model in vars(module).values()
        if isinstance(model, type) and hasattr(model, "model_fields")
        for name in model.model_fields
    }
)
FIXTURE_SETTINGS = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

TRICKY_TEXT = [
    "2026-02-30",
    "2026-11-26",
    "~",
    "yes",
    "0x1F",
    "1e400",
    ".nan",
    "-.inf",
    "!!python/object:os.system",
    "&anchor",
    "*alias",
    "<<",
    "{{ x }}",
    "{% if %}",
    "../../etc",
    "\t",
    "\x1b[31m",
    "\u2028",
    "\ud800",
    "```{formula} x\n```",
    "{value}`a.b:.3f`",
    "$\\frac{a}{b$",
    "<script>",
    "CV: Deep Learning",
    "perplexity.perplexity_steps",
    "/problems/batch-norm-forward/",
    "",
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(),
    st.text(max_size=40),
    st.sampled_from(TRICKY_TEXT),
    st.dates(min_value=dt.date(1, 1, 1)).map(str),
)
KEYS = st.one_of(st.sampled_from(FIELD_NAMES), st.text(min_size=1, max_size=12))
VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=5),
    max_leaves=25,
)


@pytest.fixture(scope="module")
def fuzz_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_project(tmp_path_factory.mktemp("fuzz") / "project")


@contextmanager
def replaced(root: Path, relative: str, data: bytes) -> Iterator[None]:
    """Write ``data`` to a project file for the duration of one example, then put the original back."""
    path = root / relative
    original = path.read_bytes() if path.exists() else None
    path.write_bytes(data)
    try:
        yield
    finally:
        if original is None:
            path.unlink()
        else:
            path.write_bytes(original)


def loads_or_reports(root: Path) -> None:
    """Load the project; a ``ContentError`` is fine, and each of its problems names a file."""
    try:
        load_content(root)
    except ContentError as exc:
        assert exc.problems and all(p.path and p.message for p in exc.problems), exc.problems


def _dump(data: Any) -> bytes:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8", errors="surrogatepass")


@FIXTURE_SETTINGS
@given(
    data=st.dictionaries(KEYS, VALUES, max_size=12),
    folder=st.sampled_from(["topics", "problems", "features", "issues"]),
)
def test_generated_documents_give_only_content_errors(fuzz_root: Path, data: dict[str, Any], folder: str) -> None:
    with replaced(fuzz_root, f"content/{folder}/fuzz.yaml", _dump(data)):
        loads_or_reports(fuzz_root)


@FIXTURE_SETTINGS
@given(
    raw=st.one_of(
        st.binary(max_size=300),
        st.text(alphabet=st.sampled_from(list(":-[]{}#&*!|>'\"%@`\t\n ,?~abc019.\\")), max_size=300).map(str.encode),
    )
)
def test_random_bytes_give_only_content_errors(fuzz_root: Path, raw: bytes) -> None:
    with suppress(YamlProblem):
        parse_yaml(raw, "f.yaml")
    with replaced(fuzz_root, "content/features/fuzz.yaml", raw):
        loads_or_reports(fuzz_root)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path of keys and indexes inside ``data``."""
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*prefix, index))
    return found


def _mutate(data: Any, path: tuple[Any, ...], action: str, value: Any) -> Any:
    if not path:
        return value if action == "replace" else data
    head, rest = path[0], path[1:]
    copy = dict(data) if isinstance(data, dict) else list(data)
    if not rest and action == "delete":
        del copy[head]
    elif not rest and action == "add" and isinstance(copy, dict):
        copy[f"{head}_extra"] = value
    else:
        copy[head] = _mutate(copy[head], rest, action, value)
    return copy


@st.composite
def mutated_entry(draw: st.DrawFn) -> tuple[str, bytes]:
    """A real entry, changed in one of several ways: a value, a key, a line, or some bytes."""
    relative = draw(st.sampled_from(ENTRIES))
    raw = (REPO / relative).read_bytes()
    kind = draw(st.sampled_from(["value", "value", "lines", "bytes"]))
    if kind == "value":
        data = yaml.safe_load(raw)
        path = draw(st.sampled_from(_paths(data)))
        action = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        return relative, _dump(_mutate(data, path, action, draw(VALUES)))
    if kind == "lines":
        lines = raw.split(b"\n")
        index = draw(st.integers(0, len(lines) - 1))
        change = draw(st.sampled_from(["delete", "duplicate", "indent", "dedent", "tab", "swap"]))
        line = lines[index]
        if change == "delete":
            del lines[index]
        elif change == "duplicate":
            lines.insert(index, line)
        elif change == "indent":
            lines[index] = b"  " + line
        elif change == "dedent":
            lines[index] = line.lstrip(b" ")
        elif change == "tab":
            lines[index] = b"\t" + line.lstrip(b" ")
        else:
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], line
        return relative, b"\n".join(lines)
    start = draw(st.integers(0, len(raw)))
    end = draw(st.integers(start, min(len(raw), start + 8)))
    return relative, raw[:start] + draw(st.binary(max_size=8)) + raw[end:]


@FIXTURE_SETTINGS
@given(case=mutated_entry())
def test_mutated_real_entries_give_only_content_errors(fuzz_root: Path, case: tuple[str, bytes]) -> None:
    relative, raw = case
    with replaced(fuzz_root, relative, raw):
        loads_or_reports(fuzz_root)


@settings(FIXTURE_SETTINGS, max_examples=max(10, settings.default.max_examples // 3))  # whole builds: fewer
@given(case=mutated_entry())
def test_mutated_real_entries_build_or_fail_with_a_build_error(
    fuzz_root: Path, tmp_path_factory: pytest.TempPathFactory, case: tuple[str, bytes]
) -> None:
    relative, raw = case
    out = tmp_path_factory.mktemp("out") / "output"
    with replaced(fuzz_root, relative, raw):
        try:
            build_site(fuzz_root, out, BuildOptions(date=dt.date(2026, 11, 28), drafts=True, future=True))
        except BuildError as exc:
            assert exc.problems and all(p.path and p.message for p in exc.problems), exc.problems


MARKDOWN_PIECES = [
    "text ",
    "\n",
    "\n\n",
    "# ",
    "- ",
    "1. ",
    "> ",
    "    ",
    "`",
    "``",
    "```",
    "```{formula} f\n```",
    "```python\n",
    "$",
    "$$",
    "\\frac{",
    "}",
    "{value}`e.out`",
    "<b>",
    "</b>",
    "<div>",
    "<!--",
    "-->",
    "<script>",
    "<https://x.org>",
    "<javascript:alert(1)>",
    "[a](",
    "javascript:alert(1)",
    "jav&#x09;ascript:x",
    ")",
    "]",
    "[r]: ",
    "[x][r]",
    "[r]",
    "- [r]: ",
    "> [r]:",
    "|",
    "*",
    "_",
    "\\",
    "&lt;",
]


def _directive(name: str, target: str) -> str:
    if name != "formula":
        raise markup.MarkupError(f"{{{name}}} is not supported here")
    return "**f = 1**"  # trusted generated text: what matters is the author's text around it


PERMISSIVE = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
PERMISSIVE.validateLink = lambda url: True  # type: ignore[method-assign]


@given(text=st.lists(st.sampled_from(MARKDOWN_PIECES), max_size=30).map("".join))
def test_author_markdown_renders_or_fails_with_a_markup_error(text: str) -> None:
    markup.references(text)
    with suppress(markup.MarkupError):
        markup.to_html(text, allow_html=False, directive=_directive, role=lambda n, c: "1.0")
    try:
        md = markup.to_markdown(text, directive=_directive, role=lambda n, c: "1.0")
    except markup.MarkupError:
        return
    # Read by a tool that allows raw HTML and trusts links, the cross-posted Markdown is still inert.
    for token in PERMISSIVE.parse(md):
        assert token.type != "html_block", md
        for child in token.children or ():
            assert child.type != "html_inline", md
            href = str(child.attrs.get("href", child.attrs.get("src", "")))
            assert not href.lower().lstrip().startswith(("jav", "vbscript", "data:", "file:")), md
