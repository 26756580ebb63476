"""The solution readers copy: a reference function with the imports, helpers and constants it needs, runnable alone."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from site_builder.compute.computer import load_computed
from site_builder.compute.solution_source import standalone_source

from ...conftest import REPO

HELPERS = '''\
"""Helpers another module imports."""

from __future__ import annotations

import math

SCALE = 2.0
OFFSET = SCALE / 4  # depends on SCALE


def halve(x):
    return x / SCALE


def unused():
    return math.pi
'''

MAIN = '''\
"""A module whose function uses an import, a helper here, helpers and a constant from a sibling, an alias."""

from __future__ import annotations

import numpy as np
from math import sqrt as root
from collections import OrderedDict  # imported, never used by the function

from .helpers import OFFSET, halve as half

LIMIT = 10


def _clip(values):
    return np.minimum(values, LIMIT)


def solve(values, power=2):
    """Sum of clipped, halved values, to a power, plus an offset."""
    def shifted(v):  # a nested function: its name is its own, not a global
        return v + OFFSET

    total = sum(float(v) ** power for v in _clip(half(np.asarray(values, dtype=float))))
    return shifted(root(total))
'''


@pytest.fixture
def computed(tmp_path: Path):
    folder = tmp_path / "computed"
    folder.mkdir()
    (folder / "helpers.py").write_text(HELPERS)
    (folder / "main.py").write_text(MAIN)
    return load_computed(tmp_path)


def _run_alone(source: str, call: str) -> object:
    """Run ``source`` in a fresh interpreter, as a reader who pasted it would, and return ``call``'s value."""
    program = f"{source}\n\nimport json\nprint(json.dumps({call}))\n"
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60, cwd="/")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_function_comes_with_what_it_uses_and_nothing_else(computed) -> None:
    function = computed.resolve("main.solve", None, (), [])  # type: ignore[arg-type]
    source = standalone_source(function)
    assert source.startswith(
        "from __future__ import annotations\n\nimport numpy as np\nfrom math import sqrt as root\n"
    )
    assert "OrderedDict" not in source and "def unused" not in source and "import math\n" not in source
    assert "LIMIT = 10" in source and "SCALE = 2.0" in source and "OFFSET = SCALE / 4" in source
    assert "def halve(x):" in source and "half = halve" in source
    # Everything comes before its first use.
    order = [source.index(s) for s in ("SCALE = 2.0", "OFFSET = ", "def halve", "half = halve", "def solve")]
    assert order == sorted(order)
    assert source.index("LIMIT = 10") < source.index("def _clip") < source.index("def solve")
    assert source.endswith("    return shifted(root(total))\n")


def test_the_source_runs_alone_and_gives_what_the_function_gives(computed) -> None:
    function = computed.resolve("main.solve", None, (), [])  # type: ignore[arg-type]
    values = [4.0, 30.0, -6.0]
    expected = function(values, power=2)
    # Independently: halve, clip at 10, square, sum, root, plus 2.0 / 4.
    assert expected == pytest.approx((2.0**2 + 10.0**2 + 3.0**2) ** 0.5 + 0.5)
    assert _run_alone(standalone_source(function), f"solve({values!r}, power=2)") == pytest.approx(expected)


@pytest.mark.parametrize(
    ("ref", "call"),
    [
        (
            "nms.non_maximum_suppression",
            "non_maximum_suppression([[0, 0, 2, 2], [0, 0, 2, 1.9], [3, 3, 4, 4]], [0.9, 0.8, 0.7])",
        ),
        (
            "batchnorm.batch_norm_forward",
            "{k: v.tolist() for k, v in batch_norm_forward([[1.0, 2.0], [3.0, 5.0]], [1, 1], [0, 0], [0, 0], [1, 1]).items()}",
        ),
        (
            "attention.scaled_dot_product_attention",
            "{k: v.tolist() for k, v in scaled_dot_product_attention([[1.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]], [[1.0], [2.0]]).items()}",
        ),
    ],
)
def test_every_bundled_solution_runs_alone(ref: str, call: str) -> None:
    computed = load_computed(REPO)
    function = computed.resolve(ref, None, (), [])  # type: ignore[arg-type]
    source = standalone_source(function)
    assert "import numpy as np" in source.split("\ndef ", 1)[0]
    expected = eval(call, {ref.partition(".")[2]: function})  # the function as the build ran it
    assert _run_alone(source, call) == expected  # same interpreter and numpy: the very same floats


def test_the_copied_nms_solution_keeps_what_greedy_suppression_keeps() -> None:
    function = load_computed(REPO).resolve("nms.non_maximum_suppression", None, (), [])  # type: ignore[arg-type]
    # Boxes 0 and 1 overlap with IoU 3.8 / 4 = 0.95 > 0.5, so the lower-scoring 1 goes; box 2 overlaps nothing.
    call = "non_maximum_suppression([[0, 0, 2, 2], [0, 0, 2, 1.9], [3, 3, 4, 4]], [0.9, 0.8, 0.7])"
    assert _run_alone(standalone_source(function), call) == [0, 2]
