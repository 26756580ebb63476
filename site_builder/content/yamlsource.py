"""Safe YAML reading that remembers the line and column every value came from."""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from ..errors import Problem

MAX_BYTES = 1_000_000
"""Largest content file accepted; a daily entry is a few kilobytes."""
MAX_NODES = 50_000
"""Most values a file may expand to once aliases are followed (stops "billion laughs")."""
MAX_DEPTH = 32
"""Deepest nesting of lists and mappings accepted; entries need about six levels."""

# What YAML allows in a file (YAML 1.1, 5.1): a file with anything else is refused with its position.
_NOT_YAML = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# What no output can carry, though a YAML escape ("\x0b", "\ud800") can produce it in a string.
_NOT_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_WIDE_BOMS = {
    codecs.BOM_UTF32_LE: "UTF-32",
    codecs.BOM_UTF32_BE: "UTF-32",
    codecs.BOM_UTF16_LE: "UTF-16",
    codecs.BOM_UTF16_BE: "UTF-16",
}

Loc = tuple[str | int, ...]

_SAFE_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """The safe loader, except that dates stay strings so the schema can check them.

    PyYAML turns ``2026-02-30`` into an exception without a field name; as a
    string it reaches the validator, which reports it against its field.
    """


_Loader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)


@dataclass(frozen=True)
class YamlDocument:
    """A parsed YAML file with the position of each value, for error messages."""

    path: str
    """Display path of the file, relative to the project root."""
    data: Any
    """The plain Python value (dicts, lists, str, int, float, bool, None)."""
    positions: Mapping[Loc, tuple[int, int]] = field(default_factory=dict)
    """1-based (line, column) of each value, keyed by its path of keys and indexes."""
    key_positions: Mapping[Loc, tuple[int, int]] = field(default_factory=dict)
    """1-based (line, column) of each mapping key, keyed like ``positions``."""
    digest: str = ""
    """sha256 of the file's bytes: everything above is derived from them (and from this module)."""

    def locate(self, loc: Loc, *, key: bool = False) -> tuple[int, int]:
        """Position of the value at ``loc``, or of its nearest located ancestor."""
        loc = tuple(loc)
        if key and loc in self.key_positions:
            return self.key_positions[loc]
        while loc:
            if loc in self.positions:
                return self.positions[loc]
            loc = loc[:-1]
        return self.positions.get((), (1, 1))

    def problem(self, loc: Loc, message: str, *, hint: str = "", key: bool = False) -> Problem:
        line, column = self.locate(loc, key=key)
        return Problem(self.path, line, column, dotted(loc), message, hint)


def dotted(loc: Loc) -> str:
    """``("sections", 1, "body")`` -> ``"sections[1].body"``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class YamlProblem(Exception):
    """Raised inside this module; carries a located ``Problem``."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def read_yaml(path: Path, display: str) -> YamlDocument:
    """Read ``path`` safely; raise ``YamlProblem`` naming line and column on any fault."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise YamlProblem(Problem(display, message=f"cannot read file: {exc.strerror}")) from exc
    return parse_yaml(raw, display)


def parse_yaml(raw: bytes, display: str) -> YamlDocument:
    """Parse YAML bytes; see ``read_yaml``."""
    if len(raw) > MAX_BYTES:
        raise YamlProblem(Problem(display, message=f"file is {len(raw):,} bytes, more than the {MAX_BYTES:,} allowed"))
    wide = _wide_encoding(raw)
    if wide:
        raise YamlProblem(Problem(display, 1, 1, message=f"file is {wide}, not UTF-8", hint="save it as UTF-8"))
    if b"\0" in raw:
        line = raw[: raw.index(b"\0")].count(b"\n") + 1
        raise YamlProblem(Problem(display, line, 1, message="file is binary (contains NUL bytes), not YAML"))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - raw.rfind(b"\n", 0, exc.start)
        raise YamlProblem(
            Problem(display, line, column, message="file is not valid UTF-8", hint="save it as UTF-8")
        ) from exc
    if not text.strip():
        raise YamlProblem(Problem(display, 1, 1, message="file is empty"))
    bad = _NOT_YAML.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - text.rfind("\n", 0, bad.start())
        raise YamlProblem(
            Problem(display, line, column, message=f"character U+{ord(bad.group()):04X} is not allowed in YAML")
        )

    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise YamlProblem(Problem(display, 1, 1, message="file holds no YAML document"))
        return replace(_Converter(loader, display, text).document(node), digest=hashlib.sha256(raw).hexdigest())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        context = exc.context
        if (
            context
            and context.startswith("while ")
            and exc.context_mark
            and mark
            and exc.context_mark.line != mark.line
        ):
            # "while parsing a flow sequence" started lines earlier: say where, as that is often the mistake.
            context += f" (started at line {exc.context_mark.line + 1}, column {exc.context_mark.column + 1})"
        message = " ".join(filter(None, [context, exc.problem])) or "invalid YAML"
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        lines = text.splitlines()
        at_tab = mark is not None and mark.line < len(lines) and "\t" in lines[mark.line][: mark.column + 1]
        hint = "indent with spaces; YAML does not allow tabs" if at_tab else ""
        raise YamlProblem(Problem(display, line, column, message=f"YAML syntax: {message}", hint=hint)) from exc
    except yaml.YAMLError as exc:
        raise YamlProblem(Problem(display, message=f"YAML syntax: {exc}")) from exc
    except RecursionError as exc:  # the pure-Python parser recurses; libyaml stops at its own depth limit
        raise YamlProblem(Problem(display, message=f"nesting is deeper than the {MAX_DEPTH} levels allowed")) from exc
    finally:
        loader.dispose()


def _wide_encoding(raw: bytes) -> str:
    """ "UTF-16" or "UTF-32" if the bytes look like it (a byte-order mark, or ASCII interleaved with NULs)."""
    for bom, name in _WIDE_BOMS.items():
        if raw.startswith(bom):
            return name
    head = raw[:64]
    if len(head) >= 4 and (not any(head[0::2]) or not any(head[1::2])) and any(head):
        return "UTF-16"
    return ""


class _Converter:
    """Turns a node graph into plain values, positions, and located errors."""

    def __init__(self, loader: Any, display: str, text: str) -> None:
        self.loader = loader
        self.lines = text.splitlines()
        self.display = display
        self.positions: dict[Loc, tuple[int, int]] = {}
        self.key_positions: dict[Loc, tuple[int, int]] = {}
        self.sizes: dict[int, int] = {}

    def document(self, node: yaml.Node) -> YamlDocument:
        self._check_size(node, set(), 0)
        data = self._value(node, ())
        return YamlDocument(self.display, data, self.positions, self.key_positions)

    def _fail(self, node: yaml.Node, message: str, loc: Loc = (), hint: str = "") -> YamlProblem:
        mark = node.start_mark
        return YamlProblem(Problem(self.display, mark.line + 1, mark.column + 1, dotted(loc), message, hint))

    def _start(self, node: yaml.Node) -> tuple[int, int]:
        """1-based position where a value's text starts.

        For a block scalar (``|`` or ``>``) that is the first line after the
        indicator, so a line counted inside the text maps onto the file.
        """
        line, column = node.start_mark.line, node.start_mark.column
        if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">") and line + 1 < len(self.lines):
            text = self.lines[line + 1]
            return line + 2, len(text) - len(text.lstrip(" ")) + 1
        return line + 1, column + 1

    def _check_size(self, node: yaml.Node, active: set[int], depth: int) -> int:
        # Aliases make a graph; sizes are memoised per node so a bomb is caught in linear time.
        key = id(node)
        if key in self.sizes:
            return self.sizes[key]
        if key in active:
            raise self._fail(node, "recursive YAML alias")
        if depth > MAX_DEPTH:
            raise self._fail(node, f"nesting is deeper than the {MAX_DEPTH} levels allowed")
        active.add(key)
        size = 1
        deeper = depth + 1
        if isinstance(node, yaml.MappingNode):
            size += sum(
                self._check_size(k, active, deeper) + self._check_size(v, active, deeper) for k, v in node.value
            )
        elif isinstance(node, yaml.SequenceNode):
            size += sum(self._check_size(item, active, deeper) for item in node.value)
        active.discard(key)
        if size > MAX_NODES:
            raise self._fail(node, f"document expands to more than {MAX_NODES:,} values (alias bomb?)")
        self.sizes[key] = size
        return size

    def _value(self, node: yaml.Node, loc: Loc) -> Any:
        self.positions.setdefault(loc, self._start(node))
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP_TAG:
                raise self._fail(node, f"tag {node.tag!r} is not allowed", loc)
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == "<<":
                    raise self._fail(key_node, "merge keys (<<) are not supported", loc)
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                    raise self._fail(key_node, "keys must be plain text", loc, hint="quote the key")
                key = key_node.value
                if _NOT_TEXT.search(key):
                    raise self._fail(key_node, "key contains a control character", loc)
                if key in result:
                    raise self._fail(key_node, f"duplicate key {key!r}", (*loc, key))
                self.key_positions[(*loc, key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                result[key] = self._value(value_node, (*loc, key))
            return result
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ_TAG:
                raise self._fail(node, f"tag {node.tag!r} is not allowed", loc)
            return [self._value(item, (*loc, index)) for index, item in enumerate(node.value)]
        if node.tag not in _SAFE_SCALAR_TAGS:
            raise self._fail(node, f"tag {node.tag!r} is not allowed", loc)
        try:
            value = self.loader.construct_object(node, deep=True)
        except Exception as exc:  # PyYAML's constructors raise ValueError, KeyError, ... on malformed scalars
            raise self._fail(node, f"bad value for {node.tag.rsplit(':', 1)[-1]}: {node.value!r}", loc) from exc
        if isinstance(value, str):
            bad = _NOT_TEXT.search(value)
            if bad:
                raise self._fail(
                    node, f"text contains U+{ord(bad.group()):04X}, a control character no output can carry", loc
                )
        return value
