"""The bundled ``computed/`` functions called for the generated entries' worked examples, and their values as YAML."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any


class ComputedFunctions:
    """The reference functions of ``computed/``, so peer pages can show what build-site computes."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.modules: dict[str, Any] = {}

    def __call__(self, ref: str) -> Callable[..., Any]:
        module_name, _, function_name = ref.partition(".")
        if module_name not in self.modules:
            spec = importlib.util.spec_from_file_location(
                f"_benchmark_computed_{module_name}", self.folder / f"{module_name}.py"
            )
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            self.modules[module_name] = module
        return getattr(self.modules[module_name], function_name)


def plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def number(value: Any) -> str:
    """Numbers as build-site's tables show them (4 decimals), lists bracketed."""
    if isinstance(value, list):
        return "[" + ", ".join(number(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def yaml_value(value: Any) -> str:
    """A flow-style YAML value for numbers, booleans and nested lists."""
    if isinstance(value, list):
        return "[" + ", ".join(yaml_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def outputs(output: Any) -> str:
    if isinstance(output, dict):
        return "<br>".join(f"`{k}` = {number(v)}" for k, v in output.items())
    return number(output)


def steps_table(caption: str, inputs: dict[str, Any], outputs: dict[str, Any]) -> str:
    rows = [f"**Worked example: {caption}**", "", "| Step | Value |", "| --- | --- |"]
    rows += [f"| {name} (input) | {number(value)} |" for name, value in inputs.items()]
    rows += [f"| {name} | {number(value)} |" for name, value in outputs.items()]
    return "\n".join(rows)
