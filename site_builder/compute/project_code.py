"""The project's ``computed/`` folder: imported as a package of its own, its functions called, their values checked.

Reference implementations are the author's code: any of them may raise, loop, return NaN or
exit. Each call here turns that into a problem naming the entry, the function and the line of
``computed/`` it was at.
"""

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
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ..content.yamlsource import Loc
from ..errors import ContentError, Problem
from . import limits

if TYPE_CHECKING:
    from ..content.schema import Entry
    from ..content.sources import Loaded


def call(
    function: Callable[..., Any],
    inputs: Mapping[str, Any],
    loaded: Loaded[Entry],
    loc: Loc,
    name: str,
    problems: list[Problem],
) -> Any:
    """Call a reference function; on failure record a problem naming the entry, the function and the line that raised."""
    try:
        with limits.time_limit():
            result = to_plain(function(**inputs))
    except (Exception, SystemExit) as exc:  # the author's code may raise anything, even call sys.exit()
        frame = last_computed_frame(exc)
        where = f" at {frame}" if frame else ""
        problems.append(loaded.problem(loc, f"{name} raised {type(exc).__name__}: {exc}{where}"))
        return None
    bad = _non_finite(result)
    if bad is not None:
        problems.append(loaded.problem(loc, f"{name} returned a non-finite number ({bad})"))
        return None
    return result


def last_computed_frame(exc: BaseException) -> str:
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


def close(actual: Any, expected: Any, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        return actual.keys() == expected.keys() and all(close(actual[k], expected[k]) for k in actual)
    if isinstance(actual, list) and isinstance(expected, list):
        return len(actual) == len(expected) and all(close(a, e) for a, e in zip(actual, expected, strict=True))
    if isinstance(actual, int | float) and isinstance(expected, int | float):
        return math.isclose(actual, expected, rel_tol=rtol, abs_tol=atol)
    return actual == expected


def brief(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


@dataclass
class ComputedModules:
    """The project's ``computed/`` folder, imported as a private package."""

    folder: Path
    package: str

    def module(self, ref: str) -> ModuleType | None:
        """The already imported module of ``module.function``, for looking up its other functions."""
        return sys.modules.get(f"{self.package}.{ref.partition('.')[0]}")

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
            frame = last_computed_frame(exc)
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
