"""Safe YAML reading: positions, and refusal of what an unattended build must never accept."""

from __future__ import annotations

import pytest

from site_builder.content.yamlsource import MAX_BYTES, YamlProblem, parse_yaml


def _problem(text: str | bytes) -> str:
    raw = text.encode() if isinstance(text, str) else text
    with pytest.raises(YamlProblem) as info:
        parse_yaml(raw, "f.yaml")
    return str(info.value.problem)


def test_positions_of_values_keys_and_block_text() -> None:
    doc = parse_yaml(b"a: 1\nlist:\n  - x\n  - y: 2\nbody: |\n    line one\n    line two\n", "f.yaml")
    assert doc.data == {"a": 1, "list": ["x", {"y": 2}], "body": "line one\nline two\n"}
    assert doc.locate(("a",)) == (1, 4)
    assert doc.locate(("list", 1, "y")) == (4, 8)
    assert doc.locate(("list", 1, "y"), key=True) == (4, 5)
    assert doc.locate(("body",)) == (6, 5), "block text is located at its first line"
    assert doc.locate(("list", 7, "missing")) == (3, 3), "unknown paths fall back to the nearest ancestor"


def test_dates_stay_text_for_the_validator() -> None:
    assert parse_yaml(b"date: 2026-02-30\n", "f.yaml").data == {"date": "2026-02-30"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 1\na: 2\n", "f.yaml:2:1: a: duplicate key 'a'"),
        ("a:\n\t- 1\n", "f.yaml:2:1: YAML syntax: while scanning for the next token found character"),
        (
            "!!python/object:os.system {}\n",
            "f.yaml:1:1: tag 'tag:yaml.org,2002:python/object:os.system' is not allowed",
        ),
        ("a: !!binary aGVsbG8=\n", "f.yaml:1:4: a: tag 'tag:yaml.org,2002:binary' is not allowed"),
        ("1: one\n", "f.yaml:1:1: keys must be plain text (quote the key)"),
        ("a: &x [1]\nb:\n  <<: *x\n", "f.yaml:3:3: b: merge keys (<<) are not supported"),
        ("a: &x [*x]\n", "f.yaml:1:4: recursive YAML alias"),
        ("   \n", "f.yaml:1:1: file is empty"),
        ("", "f.yaml:1:1: file is empty"),
    ],
)
def test_refused_documents(text: str, expected: str) -> None:
    assert _problem(text).startswith(expected)


def test_tabs_get_a_hint() -> None:
    assert _problem("a:\n\t- 1\n").endswith("(indent with spaces; YAML does not allow tabs)")


def test_billion_laughs_is_refused_quickly() -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    message = _problem("\n".join(lines) + "\n")
    assert "expands to more than" in message and "alias bomb" in message


def test_binary_wrong_encoding_and_huge_files() -> None:
    assert _problem(b"a: 1\n\x00\x01") == "f.yaml:2:1: file is binary (contains NUL bytes), not YAML"
    assert _problem("a: 1\nb: caf\xe9\n".encode("latin-1")) == "f.yaml:2:7: file is not valid UTF-8 (save it as UTF-8)"
    assert _problem(b"a: " + b"x" * MAX_BYTES) == "f.yaml: file is 1,000,003 bytes, more than the 1,000,000 allowed"


def test_utf8_bom_is_accepted() -> None:
    assert parse_yaml("\ufefftitle: Café\n".encode(), "f.yaml").data == {"title": "Café"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"a: !!bool maybe\n", "f.yaml:1:4: a: bad value for bool: 'maybe'"),
        (b"a: !!int 0x_\n", "f.yaml:1:4: a: bad value for int: '0x_'"),
        (b'a: "x\\x0by"\n', "f.yaml:1:4: a: text contains U+000B, a control character no output can carry"),
        (b'a: "\\e[31mred"\n', "f.yaml:1:4: a: text contains U+001B, a control character no output can carry"),
        (b'"\\x1b": 1\n', "f.yaml:1:1: key contains a control character"),
        (b"title: ok\nbody: bell\x07\n", "f.yaml:2:11: character U+0007 is not allowed in YAML"),
        (
            b"a: [" + b"[" * 40 + b"]" * 40 + b"]\n",
            "f.yaml:1:36: nesting is deeper than the 32 levels allowed",
        ),
        (
            b"a: " + b"[" * 5000 + b"]" * 5000 + b"\n",
            "f.yaml:1:1003: YAML syntax: while increasing flow level exceeded maximum nesting depth",
        ),
        ("title: Café\n".encode("utf-16"), "f.yaml:1:1: file is UTF-16, not UTF-8 (save it as UTF-8)"),
        ("title: Café\n".encode("utf-16-le"), "f.yaml:1:1: file is UTF-16, not UTF-8 (save it as UTF-8)"),
        ("title: Café\n".encode("utf-32"), "f.yaml:1:1: file is UTF-32, not UTF-8 (save it as UTF-8)"),
    ],
)
def test_malformed_scalars_odd_characters_deep_nesting_and_wide_encodings(raw: bytes, expected: str) -> None:
    assert _problem(raw) == expected


def test_readable_unicode_is_kept_as_written() -> None:
    text = 'title: "Ünïcödé — 日本語 ☕ \\t tab"\nbody: "line\\nbreak"\n'
    assert parse_yaml(text.encode(), "f.yaml").data == {"title": "Ünïcödé — 日本語 ☕ \t tab", "body": "line\nbreak"}
