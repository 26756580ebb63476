"""Safe YAML reading at its edges: what mutation testing found no test for (limits, positions, messages)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml

from site_builder.content import yamlsource
from site_builder.content.yamlsource import MAX_BYTES, MAX_NODES, YamlDocument, YamlProblem, parse_yaml, read_yaml


def _problem(raw: bytes) -> str:
    with pytest.raises(YamlProblem) as info:
        parse_yaml(raw, "f.yaml")
    assert str(info.value) == str(info.value.problem)
    return str(info.value.problem)


def test_read_yaml_reads_a_file_and_names_one_it_cannot_read(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_bytes(b"title: A\n")
    doc = read_yaml(tmp_path / "a.yaml", "content/a.yaml")
    assert (doc.path, doc.data, doc.digest) == (
        "content/a.yaml",
        {"title": "A"},
        hashlib.sha256(b"title: A\n").hexdigest(),
    )
    with pytest.raises(YamlProblem) as info:
        read_yaml(tmp_path / "missing.yaml", "content/missing.yaml")
    assert str(info.value.problem) == "content/missing.yaml: cannot read file: No such file or directory"


def test_a_problem_names_the_value_or_its_key_with_the_dotted_field_and_hint() -> None:
    doc = parse_yaml(b"# header\nlist:\n  - x\n  - y: 2\n", "f.yaml")
    assert str(doc.problem(("list", 1, "y"), "too big")) == "f.yaml:4:8: list[1].y: too big"
    assert str(doc.problem(("list", 1, "y"), "bad name", hint="rename it", key=True)) == (
        "f.yaml:4:5: list[1].y: bad name (rename it)"
    )
    # An unknown field is placed at its nearest known ancestor; the whole document starts on line 2.
    assert doc.locate(("list", 1, "missing")) == (4, 5)
    assert doc.locate(("nothing",)) == (2, 1)
    # A document built without positions places everything at its start.
    assert YamlDocument("g.yaml", {}).locate(("a", 0)) == (1, 1)


def test_block_text_is_located_at_its_first_line_when_it_has_one() -> None:
    assert parse_yaml(b"a: >\n    folded\n", "f.yaml").locate(("a",)) == (2, 5)
    assert parse_yaml(b"a: |\n  x\n", "f.yaml").locate(("a",)) == (2, 3)
    assert parse_yaml(b"a: |\n  x\nb: 1\n", "f.yaml").locate(("a",)) == (2, 3)
    empty = parse_yaml(b"a: |\n", "f.yaml")
    assert (empty.data, empty.locate(("a",))) == ({"a": ""}, (1, 4))


def test_a_file_of_exactly_the_largest_size_is_accepted() -> None:
    raw = b"a: " + b"x" * (MAX_BYTES - 4) + b"\n"
    assert len(raw) == 1_000_000 and parse_yaml(raw, "f.yaml").data == {"a": "x" * (MAX_BYTES - 4)}


def test_a_document_of_exactly_the_most_values_is_accepted() -> None:
    # Every key, value, list and mapping counts: the root mapping, the key "a", the list, n items.
    items = MAX_NODES - 3
    assert len(parse_yaml(b"a: [" + b",".join([b"0"] * items) + b"]\n", "f.yaml").data["a"]) == items
    assert _problem(b"a: [" + b",".join([b"0"] * (items + 1)) + b"]\n") == (
        "f.yaml:1:1: document expands to more than 50,000 values (alias bomb?)"
    )
    # root, a, {k pairs}, b, [x, y]: 1 + 1 + 1 + 2k + 1 + 1 + 2 values.
    pairs = (MAX_NODES - 6) // 2
    mapping = b"a: {" + b",".join(b"k%d: 0" % i for i in range(pairs)) + b"}\nb: [x"
    assert len(parse_yaml(mapping + b"]\n", "f.yaml").data["a"]) == pairs
    assert _problem(mapping + b", y]\n") == "f.yaml:1:1: document expands to more than 50,000 values (alias bomb?)"


def test_too_deep_nesting_is_reported_at_the_first_value_too_deep() -> None:
    # The mapping is at the deepest level allowed (32); its key is one level deeper.
    assert _problem(b"a: " + b"[" * 31 + b"{k: v}" + b"]" * 31 + b"\n") == (
        "f.yaml:1:36: nesting is deeper than the 32 levels allowed"
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"# nothing but a comment\n", "f.yaml:1:1: file holds no YAML document"),
        (b"a: b: c\n", "f.yaml:1:5: YAML syntax: mapping values are not allowed in this context"),
        (
            b"a: [1, 2\nb: 3\n",
            "f.yaml:2:2: YAML syntax: while parsing a flow sequence (started at line 1, column 4)"
            " did not find expected ',' or ']'",
        ),
        (
            b"a: [1, 2\n",  # the error is past the last line
            "f.yaml:2:1: YAML syntax: while parsing a flow sequence (started at line 1, column 4)"
            " did not find expected ',' or ']'",
        ),
        (
            b"a:\n \t- 1\n",
            "f.yaml:2:2: YAML syntax: while scanning for the next token found character that cannot start any token"
            " (indent with spaces; YAML does not allow tabs)",
        ),
        # A tab after the fault is not its cause: no hint.
        (
            b"a: @\t\n",
            "f.yaml:1:4: YAML syntax: while scanning for the next token found character that cannot start any token",
        ),
        (b"a:\n  1: one\n", "f.yaml:2:3: a: keys must be plain text (quote the key)"),
        (b'a:\n  "\\x1b": 1\n', "f.yaml:2:3: a: key contains a control character"),
        (b"a: !!set {x: 1}\n", "f.yaml:1:4: a: tag 'tag:yaml.org,2002:set' is not allowed"),
        (b"a: !!omap [{x: 1}]\n", "f.yaml:1:4: a: tag 'tag:yaml.org,2002:omap' is not allowed"),
    ],
)
def test_syntax_and_structure_errors_are_located(raw: bytes, expected: str) -> None:
    assert _problem(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"a: 1\nb: \x00\n\x00", "f.yaml:2:1: file is binary (contains NUL bytes), not YAML"),
        (b"\nb: caf\xe9\n", "f.yaml:2:7: file is not valid UTF-8 (save it as UTF-8)"),
        (b"\n\nb: caf\xe9\n", "f.yaml:3:7: file is not valid UTF-8 (save it as UTF-8)"),
        (b"\nb: bell\x07\n", "f.yaml:2:8: character U+0007 is not allowed in YAML"),
        (b"\n\nb: bell\x07\n", "f.yaml:3:8: character U+0007 is not allowed in YAML"),
        # Without a byte-order mark, either byte order; as short as two characters; a wide
        # character just past the 64 bytes looked at does not matter.
        ("a: 1\n".encode("utf-16-be"), "f.yaml:1:1: file is UTF-16, not UTF-8 (save it as UTF-8)"),
        ("a:".encode("utf-16-le"), "f.yaml:1:1: file is UTF-16, not UTF-8 (save it as UTF-8)"),
        (("x" * 32 + "日本: 1\n").encode("utf-16-be"), "f.yaml:1:1: file is UTF-16, not UTF-8 (save it as UTF-8)"),
    ],
)
def test_bytes_that_are_not_yaml_are_located_from_the_start_of_the_file(raw: bytes, expected: str) -> None:
    assert _problem(raw) == expected


def test_without_libyaml_deep_nesting_is_refused_as_too_deep(monkeypatch: pytest.MonkeyPatch) -> None:
    # Where PyYAML has no libyaml, its pure-Python composer recurses and hits Python's limit first.
    class PureLoader(yaml.SafeLoader):
        pass

    PureLoader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)
    monkeypatch.setattr(yamlsource, "_Loader", PureLoader)
    assert (
        _problem(b"a: " + b"[" * 5000 + b"]" * 5000 + b"\n") == "f.yaml: nesting is deeper than the 32 levels allowed"
    )
