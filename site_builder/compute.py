"""Compute stage: run the reference implementations in ``computed/`` on the inputs the entries declare."""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import importlib.util
import inspect
import math
import sys
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from .errors import ComputeError, ContentError, Problem
from .load import Content, Loaded
from .schema import Entry, ProblemEntry
from .yamlsource import Loc

EntryKey = tuple[str, str]
"""(folder, id) of an entry, e.g. ``("topics", "perplexity")``."""


@dataclass(frozen=True)
class ExampleResult:
    """A worked example after running: its named steps, in the order the function returned them."""

    id: str
    caption: str
    inputs: Mapping[str, Any]
    """The inputs as written in YAML."""
    outputs: Mapping[str, Any]
    """Step name -> value (float, int, or nested lists of numbers)."""
    labels: Mapping[str, str]
    """Step or input name -> display label; names without one show as written."""
    digits: int


@dataclass(frozen=True)
class TestCaseResult:
    """One worked test case of a problem, with the solution's output."""

    name: str
    inputs: Mapping[str, Any]
    output: Any


@dataclass(frozen=True)
class Solution:
    """A problem's reference implementation: its source, shown to readers, and its test cases."""

    function: str
    """``module.function`` as named in YAML."""
    source: str
    """The function's own source code, from ``computed/``."""
    tests: tuple[TestCaseResult, ...]


@dataclass(frozen=True)
class EntryResults:
    """Everything computed for one entry."""

    examples: Mapping[str, ExampleResult] = field(default_factory=dict)
    solution: Solution | None = None


@dataclass(frozen=True)
class Results:
    """Computed results for every entry, keyed by (folder, id)."""

    entries: Mapping[EntryKey, EntryResults]

    def of(self, kind: str, entry_id: str) -> EntryResults:
        return self.entries.get((kind, entry_id), EntryResults())


def compute_all(root: Path, content: Content) -> Results:
    """Run every example and problem solution; raise with all failures at once."""
    computed = load_computed(root)
    problems: list[Problem] = []
    results: dict[EntryKey, EntryResults] = {}
    for kind, loaded in content.entries():
        results[(kind, loaded.model.id)] = _compute_entry(computed, loaded, problems)
    if problems:
        raise ComputeError(problems)
    return Results(results)


def _compute_entry(computed: ComputedModules, loaded: Loaded[Entry], problems: list[Problem]) -> EntryResults:
    entry = loaded.model
    examples = {}
    for index, example in enumerate(entry.examples):
        loc: Loc = ("examples", index)
        function = computed.resolve(example.function, loaded, (*loc, "function"), problems)
        if function is None:
            continue
        outputs = _call(function, example.inputs, loaded, loc, example.function, problems)
        if outputs is None:
            continue
        if not isinstance(outputs, Mapping):
            problems.append(
                loaded.problem(
                    (*loc, "function"),
                    f"{example.function} must return a mapping of named steps, not {type(outputs).__name__}",
                )
            )
            continue
        examples[example.id] = ExampleResult(
            example.id, example.caption, example.inputs, dict(outputs), example.labels, example.digits
        )
    solution = None
    if isinstance(entry, ProblemEntry):
        function = computed.resolve(entry.solution, loaded, ("solution",), problems)
        if function is not None:
            tests = []
            for index, case in enumerate(entry.tests):
                loc = ("tests", index)
                output = _call(function, case.inputs, loaded, loc, entry.solution, problems)
                if output is None:
                    continue
                if case.expected is not None and not _close(output, case.expected):
                    problems.append(
                        loaded.problem(
                            (*loc, "expected"),
                            f"{entry.solution} returned {_brief(output)}, but the test case expects {_brief(case.expected)}",
                        )
                    )
                tests.append(TestCaseResult(case.name, case.inputs, output))
            solution = Solution(entry.solution, inspect.getsource(function), tuple(tests))
    return EntryResults(examples, solution)


def _call(
    function: Callable[..., Any],
    inputs: Mapping[str, Any],
    loaded: Loaded[Entry],
    loc: Loc,
    name: str,
    problems: list[Problem],
) -> Any:
    """Call a reference function; on failure record a problem naming the entry, the function and the line that raised."""
    try:
        result = to_plain(function(**inputs))
    except (Exception, SystemExit) as exc:  # the author's code may raise anything, even call sys.exit()
        frame = _last_computed_frame(exc)
        where = f" at {frame}" if frame else ""
        problems.append(loaded.problem(loc, f"{name} raised {type(exc).__name__}: {exc}{where}"))
        return None
    bad = _non_finite(result)
    if bad is not None:
        problems.append(loaded.problem(loc, f"{name} returned a non-finite number ({bad})"))
        return None
    return result


def _last_computed_frame(exc: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/computed/" in f.filename.replace("\\", "/")]
    if not frames:
        return ""
    frame = frames[-1]
    return f"computed/{Path(frame.filename).name}:{frame.lineno}"


def to_plain(value: Any) -> Any:
    """numpy arrays and scalars -> lists, floats and ints, so results are plain data."""
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    return value


def _non_finite(value: Any, where: str = "") -> str | None:
    if isinstance(value, float) and not math.isfinite(value):
        return f"{where or 'result'} = {value}"
    if isinstance(value, Mapping):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = _non_finite(item, f"{where}[{key!r}]" if where else str(key))
        if found:
            return found
    return None


def _close(actual: Any, expected: Any, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        return actual.keys() == expected.keys() and all(_close(actual[k], expected[k]) for k in actual)
    if isinstance(actual, list) and isinstance(expected, list):
        return len(actual) == len(expected) and all(_close(a, e) for a, e in zip(actual, expected, strict=True))
    if isinstance(actual, int | float) and isinstance(expected, int | float):
        return math.isclose(actual, expected, rel_tol=rtol, abs_tol=atol)
    return actual == expected


def _brief(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


@dataclass
class ComputedModules:
    """The project's ``computed/`` folder, imported as a private package."""

    folder: Path
    package: str

    def resolve(self, ref: str, loaded: Loaded[Entry], loc: Loc, problems: list[Problem]) -> Callable[..., Any] | None:
        """``module.function`` -> the function, or record a located problem."""
        module_name, _, function_name = ref.partition(".")
        path = self.folder / f"{module_name}.py"
        if not path.is_file():
            problems.append(loaded.problem(loc, f"no module computed/{module_name}.py for {ref!r}"))
            return None
        try:
            module = importlib.import_module(f"{self.package}.{module_name}")
        except Exception as exc:  # an author's module may fail to import in any way
            frame = _last_computed_frame(exc)
            if isinstance(exc, SyntaxError):  # the module's own line, not an absolute path in a repr
                frame, exc = f"computed/{module_name}.py:{exc.lineno}", SyntaxError(exc.msg)
            where = f" at {frame}" if frame else ""
            problems.append(loaded.problem(loc, f"computed/{module_name}.py failed to import: {exc!r}{where}"))
            return None
        function = getattr(module, function_name, None)
        if not callable(function):
            known = sorted(n for n, v in vars(module).items() if inspect.isfunction(v) and not n.startswith("_"))
            hint = f"functions there: {', '.join(known)}" if known else ""
            problems.append(loaded.problem(loc, f"computed/{module_name}.py has no function {function_name!r}", hint))
            return None
        return function


def load_computed(root: Path) -> ComputedModules:
    """Import ``root/computed`` afresh as a package private to this root.

    Each root gets its own package name, so two projects (or a project and its
    test copy) never share modules, and a rebuild sees edited files.
    """
    folder = (root / "computed").resolve()
    if not folder.is_dir():
        raise ContentError(Problem("computed", message="folder is missing"))
    package = "_computed_" + hashlib.sha256(str(folder).encode()).hexdigest()[:12]
    for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
        del sys.modules[name]
    importlib.invalidate_caches()
    spec = importlib.machinery.ModuleSpec(package, None, is_package=True)
    spec.submodule_search_locations = [str(folder)]
    module: ModuleType = importlib.util.module_from_spec(spec)
    sys.modules[package] = module
    return ComputedModules(folder, package)
