"""Author text is inert everywhere: a hostile title comes out as the same text in every output, never as markup.

Every author-written text field of the bundled project is replaced by ``HOSTILE``
(quotes, a script tag, Jinja and Liquid tags, a front-matter fence, XML and
Markdown syntax, a script link), and every section gets a ``BODY`` paragraph of
raw HTML and script links. Then *every* generated file is checked by type: it
parses, holds no script, event handler or script link, and wherever the text
shows, it shows whole (each occurrence of its marker sits inside the intact
text). A new output type fails here until it gets a checker, so future outputs
(email, dev.to) are covered too.
"""

from __future__ import annotations

import email
import email.policy
import gzip
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import html5lib
import pytest
import yaml
from markdown_it import MarkdownIt

from site_builder import markup
from site_builder.markup.escape import escape_text

from ..conftest import copy_project, run_cli

MARK = "L1NE"
HOSTILE = (
    f"{MARK} Q\"uo'te & <script>alert(1)</script> {{{{ 7*7 }}}} {{% if true %}}x{{% endif %}} --- ]]> "
    "<!-- $x$ *a* [l](javascript:alert(2)) \\ end"
)
BODY_MARK = "B0DY"
BODY = (
    f"{BODY_MARK} <script>alert(3)</script> <img src=x onerror=alert(4)> {{{{ 7*7 }}}} {{% raw %}} "
    "[js](javascript:alert(5)) <javascript:alert(6)> end"
)
SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:text", "data:application")
LINK_ATTRIBUTES = {"href", "src", "action", "formaction", "poster", "srcset", "xlink:href", "background", "cite"}


def _hostile(data: Any, fields: set[str]) -> Any:
    """Replace the text of every named field (recursively) with HOSTILE; add BODY to every section body."""
    if isinstance(data, dict):
        result = {}
        for key, value in data.items():
            if key in fields and isinstance(value, str):
                result[key] = HOSTILE
            elif key in fields and isinstance(value, list):
                result[key] = [HOSTILE, *value[1:]]
            elif key == "labels" and isinstance(value, dict):
                result[key] = dict.fromkeys(value, HOSTILE)
            elif key == "body":
                result[key] = f"{value}\n{BODY}\n"
            else:
                result[key] = _hostile(value, fields)
        return result
    if isinstance(data, list):
        return [_hostile(item, fields) for item in data]
    return data


TEXT_FIELDS = {
    "title",
    "tagline",
    "author",
    "summary",
    "chapter",
    "collection",
    "heading",
    "label",
    "caption",
    "name",
    "audience",
    "text",
    "intro",
    "applications",
    "chapter_connection",
}


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("hostile") / "project")
    for path in sorted((root / "content").rglob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        path.write_text(yaml.safe_dump(_hostile(data, TEXT_FIELDS), allow_unicode=True, sort_keys=False))
    result = run_cli("--root", root, "--date", "2026-11-28")
    assert result.exit_code == 0, result.stderr
    return root / "output"


# --- Checks by kind of content -------------------------------------------------------------------


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _whole(text: str, where: str) -> int:
    """Each marker in ``text`` sits inside the intact author text; returns how many times it shows."""
    text = _normal(text)
    for mark, whole in ((MARK, HOSTILE), (BODY_MARK, BODY)):
        assert text.count(mark) == text.count(whole), f"{where}: author text came out altered:\n{text[:3000]}"
    return text.count(MARK) + text.count(BODY_MARK)


def _url_is_scriptable(value: str) -> bool:
    # Browsers drop tabs and newlines anywhere in a URL and leading spaces and controls.
    url = re.sub(r"[\t\n\r]", "", value).lstrip("".join(map(chr, range(33)))).lower()
    return url.startswith(SCRIPT_SCHEMES)


def check_html(text: str, where: str, *, fragment: bool = False) -> int:
    """Parses without error; no script, event handler or script link; author text whole."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    tree = parser.parseFragment(text) if fragment else parser.parse(text)
    shown = 0
    for element in tree.iter():
        tag = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
        # The only scripts a page may have are the site's own, from its static folder (the copy buttons,
        # the search page) or Pagefind's bundle the build made (the search page).
        own_script = element.get("src", "").startswith(("/static/", "/pagefind/")) and not (element.text or "").strip()
        assert tag != "script" or own_script, f"{where}: a script element"
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), f"{where}: event handler {name}={value!r}"
            if name.lower() in LINK_ATTRIBUTES:
                assert not _url_is_scriptable(value), f"{where}: script link {name}={value!r}"
            shown += _whole(value, f"{where} [{name}]")
    return shown + _whole("".join(tree.itertext()), where)


def check_xml(text: str, where: str) -> int:
    """Well-formed; author text whole in text and attributes; embedded HTML checked as HTML."""
    root = ET.fromstring(text.encode())
    shown = 0
    for element in root.iter():
        for name, value in element.attrib.items():
            shown += _whole(value, f"{where} [{name}]")
        if element.get("type") == "html" and element.text:
            shown += check_html(element.text, f"{where} <{element.tag}>", fragment=True)
        elif element.text:
            shown += _whole(element.text, where)
        if element.tail:
            shown += _whole(element.tail, where)
    return shown


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


# A reader that allows raw HTML and trusts every link target, as tools cross-posted Markdown ends up in may.
PERMISSIVE_MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable("table")
PERMISSIVE_MARKDOWN.validateLink = lambda url: True  # type: ignore[method-assign]


def check_markdown(text: str, where: str) -> int:
    """Front matter is YAML with the exact author text; the body, rendered allowing HTML, is inert."""
    shown = 0
    if text.startswith("---\n"):
        front, text = text[4:].split("\n---\n", 1)
        for value in _strings(yaml.safe_load(front)):
            shown += _whole(value, f"{where} front matter")
    return shown + check_html(PERMISSIVE_MARKDOWN.render(text), f"{where} body", fragment=True)


_RAW = re.compile(r"\{% raw %\}(.*?)\{% endraw %\}", re.DOTALL)
_DEVTO_TAGS = re.compile(r"\{% (?:katex(?: inline)?|endkatex|details [^%{}\n]*|enddetails) %\}")


def check_devto(text: str, where: str) -> int:
    """dev.to runs Liquid over the whole post first: only our own tags may reach it; author text is raw."""
    unprotected = _DEVTO_TAGS.sub("", _RAW.sub("", text))
    assert "{{" not in unprotected and "{%" not in unprotected, f"{where}: author text would reach Liquid"
    return check_markdown(_RAW.sub(lambda m: m.group(1), text), where)


def check_json(text: str, where: str) -> int:
    return sum(_whole(value, where) for value in _strings(json.loads(text)))


def check_plain(text: str, where: str) -> int:
    return _whole(text, where)


def check_email(text: str, where: str) -> int:
    message = email.message_from_string(text, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    shown = sum(_whole(str(value), f"{where} {name}:") for name, value in message.items())
    for part in message.walk():
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        content = part.get_content()
        checker = check_html if part.get_content_subtype() == "html" else check_plain
        shown += checker(content, f"{where} {part.get_content_type()}")
    return shown


def check_no_author_text(text: str, where: str) -> int:
    assert MARK not in text and BODY_MARK not in text, f"{where}: author text in a file that should have none"
    return 0


CHECKERS: dict[str, Callable[[str, str], int]] = {
    ".html": check_html,
    ".xml": check_xml,
    ".svg": check_xml,
    ".md": check_markdown,
    ".json": check_json,
    ".txt": check_plain,
    ".eml": check_email,
    ".css": check_no_author_text,
    ".js": check_no_author_text,
}
BINARY = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico", ".woff", ".woff2"}
BINARY |= {".pf_index", ".pf_meta", ".pagefind"}  # Pagefind's word index (stems, no text) and its WebAssembly


def check_pagefind_fragment(data: bytes, where: str) -> int:
    """A search result's text, as Pagefind's UI shows it (escaping it): the author's text, whole."""
    text = gzip.decompress(data).decode()
    assert text.startswith(_PAGEFIND_SIGNATURE), f"{where}: not a Pagefind fragment"
    return check_json(text.removeprefix(_PAGEFIND_SIGNATURE), where)


_PAGEFIND_SIGNATURE = "pagefind_dcd"


def test_every_output_file_shows_hostile_author_text_inert_and_intact(hostile_site: Path) -> None:
    shown: dict[str, int] = {}
    for path in sorted(p for p in hostile_site.rglob("*") if p.is_file() and not p.name.startswith(".")):
        relative = path.relative_to(hostile_site).as_posix()
        if path.suffix in BINARY:
            continue
        if path.suffix == ".pf_fragment":
            shown[relative] = check_pagefind_fragment(path.read_bytes(), relative)
            continue
        checker = check_devto if path.name == "devto.md" else CHECKERS.get(path.suffix)
        assert checker is not None, f"{relative}: no inertness check for {path.suffix} files yet: add one here"
        shown[relative] = checker(path.read_text(), relative)
    pages = [name for name in shown if name.endswith((".html", ".md")) or name == "feed.xml"]
    assert len(pages) > 10
    assert all(shown[name] > 0 for name in pages), {name: shown[name] for name in pages if not shown[name]}
    # The issue page shows the text in many places: title, headings, captions, labels, test names, body.
    assert shown["issues/2026-11-26/index.html"] >= 15


def test_hostile_title_is_exact_in_the_places_readers_and_tools_look(hostile_site: Path) -> None:
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    page = parser.parse((hostile_site / "topics/perplexity/index.html").read_bytes())
    assert page.find(".//h1").text == HOSTILE
    assert page.find(".//title").text == f"{HOSTILE} · {HOSTILE}"  # entry title · site title
    assert page.find(".//meta[@name='description']").get("content") == HOSTILE
    feed = ET.parse(hostile_site / "feed.xml").getroot()
    atom = "{http://www.w3.org/2005/Atom}"
    assert feed.findtext(f"{atom}title") == HOSTILE
    assert feed.find(f"{atom}entry").findtext(f"{atom}title") == f"{HOSTILE} · {HOSTILE}"
    md = (hostile_site / "issues/2026-11-26/index.md").read_text()
    front = yaml.safe_load(md.split("---\n", 2)[1])
    assert front["title"] == f"{HOSTILE} · {HOSTILE}" and front["description"] == HOSTILE
    assert "<script>" not in md, "not even in the raw Markdown"


def test_raw_html_is_live_only_when_the_site_allows_it(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "project")
    site = root / "content/site.yaml"
    site.write_text(site.read_text() + "allow_raw_html: true\n")
    topic = root / "content/topics/perplexity.yaml"
    topic.write_text(
        topic.read_text().replace("      A language model reads", "      <kbd>Ctrl</kbd> A language model reads", 1)
    )
    assert run_cli("--root", root, "--date", "2026-11-28").exit_code == 0
    assert "<kbd>Ctrl</kbd> A language model" in (root / "output/topics/perplexity/index.html").read_text()
    assert "<kbd>Ctrl</kbd> A language model" in (root / "output/issues/2026-11-26/index.md").read_text()


# --- Markdown escaping, checked against a CommonMark renderer ------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "---",
        "***",
        "___",
        "# not a heading",
        "1. not a list",
        "2) not a list",
        "- not a list",
        "+ not a list",
        "= underline",
        "> not a quote",
        "    not code",
        "\tnot code",
        "<div>not html</div>",
        "<!-- not a comment -->",
        "&amp; stays &amp;",
        "`not code`",
        "[not](a link)",
        "![not](an image)",
        "a | b | c",
        "~~not struck~~",
        "$not math$",
        "*not* _emphasis_",
        "back\\slash\\",
        "{{ jinja }} {% liquid %}",
        "<https://not.an.autolink>",
        "C #",
        "-7.0000",
        "1.75",
        "+1",
        "-foo",
        "=x",
        "Tom & Jerry",
        "&#65; is not A",
    ],
)
def test_escaped_author_line_renders_as_written(text: str) -> None:
    for source in (escape_text(text), f"## {escape_text(text)}", f"*From the {escape_text(text)} chapter.*"):
        html = PERMISSIVE_MARKDOWN.render(f"{source}\n")
        tree = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parseFragment(html)
        assert len(tree) == 1 and tree[0].tag in ("p", "h2"), html
        assert "".join(tree.itertext()).strip() in (text.strip(), f"From the {text.strip()} chapter."), html


@pytest.mark.parametrize("text", ["Evaluation & Benchmarks", "-7.0000", "1.75", "+1 vote", "Adam, step by step"])
def test_plain_text_stays_readable_in_the_raw_markdown(text: str) -> None:
    assert escape_text(text) == text


def _no_directive(name: str, target: str) -> str:
    raise AssertionError("no directive expected")


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ("Press <kbd>Ctrl</kbd>.", "Press <kbd>Ctrl</kbd>."),
        ("<div>\nblock\n</div>", "<div>\nblock\n</div>"),
        ("[js](javascript:alert(1))", "[js](javascript:alert(1))"),
        ("[js](JavaScript:alert(1))", "[js](JavaScript:alert(1))"),
        ("[obf](jav&#x09;ascript:alert(1))", "[obf](jav\tascript:alert(1))"),
        ("![img](data:text/html;base64,PHNjcmlwdD4=)", "![img](data:text/html;base64,PHNjcmlwdD4=)"),
        ("<javascript:alert(1)>", "<javascript:alert(1)>"),
        ("[ref][x]\n\n[x]: javascript:alert(1)", "[ref][x]\n[x]: javascript:alert(1)"),
        ("Code `<b>` stays, [ok](https://x.org/a_(b)) too", "Code <b> stays, ok too"),
    ],
)
def test_author_markdown_keeps_raw_html_and_script_links_literal_for_other_readers(body: str, shown: str) -> None:
    md = markup.to_markdown(body, directive=_no_directive, role=lambda n, c: c)
    html = PERMISSIVE_MARKDOWN.render(md)
    assert check_html(html, "md", fragment=True) == 0
    tree = html5lib.HTMLParser(namespaceHTMLElements=False).parseFragment(html)
    assert "".join(tree.itertext()).strip() == shown
    links = [a.get("href") for a in tree.iter("a")]
    assert all(link.startswith("https://") for link in links), links
