"""A reference function's source as readers copy it: with the imports and helpers it needs, so it runs on its own.

``non_maximum_suppression`` shown alone starts at ``def`` and fails with a
``NameError`` on ``np``; shown by ``standalone_source`` it starts with
``import numpy as np`` and, were it to call a helper of its module (or of
another module of ``computed/``), with that helper's source too.

What the function needs is read from its syntax tree: every global name it
loads (directly or through the helpers it needs) is bound by an import
statement of its module, by a function or class (its source is included,
dependencies first) or by a module-level assignment (included as written).
Imports between modules of ``computed/`` are resolved to the source they
import, since the private package they live in does not exist for a reader.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import textwrap
from collections.abc import Callable
from types import ModuleType
from typing import Any


def standalone_source(function: Callable[..., Any]) -> str:
    """``function``'s source preceded by the imports, helpers and constants it uses."""
    collector = _Collector(_package_of(function))
    collector.add_definition(function)
    return collector.text()


def _package_of(function: Callable[..., Any]) -> str:
    """The package the function's module belongs to (for ``computed/``: the private package it is imported as)."""
    module = function.__module__
    return module.rpartition(".")[0] or module


class _Collector:
    """The statements a function needs, in the order a reader's file needs them."""

    def __init__(self, package: str) -> None:
        self.package = package
        self.future: list[str] = []
        self.imports: list[str] = []
        self.definitions: list[str] = []
        self._seen: set[tuple[str, str]] = set()

    def text(self) -> str:
        head = "\n\n".join(block for block in ("\n".join(self.future), "\n".join(self.imports)) if block)
        blocks = ([head] if head else []) + self.definitions
        return "\n\n\n".join(blocks) + "\n"

    def _add(self, target: list[str], statement: str) -> None:
        if statement not in target:
            target.append(statement)

    def add_definition(self, obj: Any) -> None:
        """Add a function or class defined in the package, after everything it needs."""
        key = (obj.__module__, obj.__qualname__)
        if key in self._seen:
            return
        self._seen.add(key)
        module = inspect.getmodule(obj)
        assert module is not None
        source = textwrap.dedent(inspect.getsource(obj))
        module_tree = _module_tree(module)
        if _has_future_annotations(module_tree):
            self._add(self.future, "from __future__ import annotations")
        for name in _free_names(ast.parse(source)):
            self._add_name(name, module, module_tree)
        self.definitions.append(source.rstrip("\n"))

    def _add_name(self, name: str, module: ModuleType, module_tree: ast.Module) -> None:
        if name not in vars(module):
            return  # a builtin, or a name the function binds itself
        value = vars(module)[name]
        if _is_own(value, self.package):
            self.add_definition(value)
            if name != value.__name__:  # imported under another name
                self._add(self.definitions, f"{name} = {value.__name__}")
            return
        for statement in module_tree.body:
            if isinstance(statement, ast.ImportFrom) and statement.level and name in _bound_names(statement):
                # A constant from another module of the package: shown as that module defines it.
                alias = next(a for a in statement.names if (a.asname or a.name) == name)
                source = importlib.import_module("." * statement.level + (statement.module or ""), module.__package__)
                self._add_name(alias.name, source, _module_tree(source))
                if alias.asname and alias.asname != alias.name:
                    self._add(self.definitions, f"{alias.asname} = {alias.name}")
                return
            if isinstance(statement, ast.Import | ast.ImportFrom) and name in _bound_names(statement):
                self._add(self.imports, _import_of(statement, name))
                return
            if isinstance(statement, ast.Assign | ast.AnnAssign) and name in _bound_names(statement):
                for inner in _free_names(statement):
                    self._add_name(inner, module, module_tree)
                self._add(
                    self.definitions, ast.get_source_segment(_source(module), statement) or ast.unparse(statement)
                )
                return
        raise ValueError(f"cannot tell where {module.__name__}.{name} comes from")


def _is_own(value: Any, package: str) -> bool:
    """A function or class defined in the package (so its source is shown, not imported)."""
    return (inspect.isfunction(value) or inspect.isclass(value)) and (
        value.__module__ == package or value.__module__.startswith(package + ".")
    )


def _source(module: ModuleType) -> str:
    return inspect.getsource(module)


def _module_tree(module: ModuleType) -> ast.Module:
    return ast.parse(_source(module))


def _has_future_annotations(tree: ast.Module) -> bool:
    return any(
        isinstance(s, ast.ImportFrom) and s.module == "__future__" and any(a.name == "annotations" for a in s.names)
        for s in tree.body
    )


def _bound_names(statement: ast.stmt) -> set[str]:
    """Names a module-level import or assignment binds."""
    if isinstance(statement, ast.Import | ast.ImportFrom):
        return {alias.asname or alias.name.partition(".")[0] for alias in statement.names}
    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]  # type: ignore[attr-defined]
    return {node.id for target in targets for node in ast.walk(target) if isinstance(node, ast.Name)}


def _import_of(statement: ast.Import | ast.ImportFrom, name: str) -> str:
    """The import statement binding just ``name`` (``import numpy as np``; ``from math import sqrt``)."""
    alias = next(a for a in statement.names if (a.asname or a.name.partition(".")[0]) == name)
    if isinstance(statement, ast.Import):
        return ast.unparse(ast.Import(names=[alias]))
    return ast.unparse(ast.ImportFrom(module=statement.module, names=[alias], level=0))


def _free_names(tree: ast.AST) -> list[str]:
    """Names ``tree`` loads but does not bind itself (arguments, assignments, loop variables, nested definitions),
    in the order they first appear: helpers are shown in the order the function uses them."""
    loaded: dict[str, tuple[int, int]] = {}
    bound: set[str] = set()
    root = _root(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            position = (node.lineno, node.col_offset)
            loaded[node.id] = min(position, loaded.get(node.id, position))
        elif isinstance(node, ast.Name):
            bound.add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node is not root:
            bound.add(node.name)
    free = set(loaded) - bound - set(dir(builtins))
    return sorted(free, key=loaded.__getitem__)


def _root(tree: ast.AST) -> ast.AST | None:
    """The definition a parsed snippet consists of (its own name is not free in it, nor bound by it)."""
    if isinstance(tree, ast.Module) and len(tree.body) == 1:
        return tree.body[0]
    return None
