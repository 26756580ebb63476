"""Verified formulas: the LaTeX shown is parsed, evaluated numerically and compared with the reference code.

The convention, in full (docs/authoring.md "Writing verifiable formulas" says the same for authors):

- The **expression** is what follows the formula's top-level ``=`` or ``\\leftarrow``
  (``\\gets``); in a chain ``LEFT = A = B`` every expression right of the first
  relation must equal the output. The left-hand side is notation and is not read.
  A formula without a relation is an expression as a whole.
- It is read by a parser of its own (``parse.py``) that consumes every token or
  fails naming the column: nothing is dropped silently. ``notation.py`` lists
  what it reads; ``\\left``/``\\right``/``\\big`` sizes, spacing and ``&`` are skipped.
- ``verify.symbols`` binds **symbol names** to the example's input or output
  names. A symbol's name is its LaTeX without backslashes, braces, spaces and
  font commands: ``N``, ``\\mu_B`` -> ``mu_B``, ``\\hat{\\mu}`` -> ``hatmu``,
  ``m_{t-1}`` -> ``m_t-1``, ``\\text{lr}`` -> ``lr``. Keys may be written either
  way. A name that is both an input and an output means the input: the
  right-hand side of an update reads the old value. Letters written together
  (``delta``) are one symbol only when that word is bound; otherwise a product.
- ``NAME^S`` binds a symbol written with superscript ``S`` as a unit: ``sigma_B^2``
  for a variance written ``\\sigma_B^2`` (the symbol may then appear only to
  multiples of that power), ``v_t^max`` for a label.
- Subscripts count from 1, one per axis. An index of an enclosing sum picks that
  row; a single lower-case letter no sum binds means "every entry at once"
  (``y_i = \\gamma x_i + \\beta`` broadcasts elementwise as numpy does); any other
  subscript is evaluated as an index (``w_{y_n}``). Products are elementwise.
  ``\\sum_j`` without bounds runs over the rows of the arrays j subscripts.
- A bound symbol before parentheses is entry i of its value when they hold one
  subscripted symbol (``p(x_i)``), else a product (``\\gamma(x_i - \\mu_B)``); a bound
  word (``\\mathrm{RMS}(x)``) stands for its value. Unbound ``\\sigma`` is the logistic
  sigmoid, ``\\Phi`` the normal CDF, ``e`` Euler's number, ``\\pi`` pi; ``\\log`` is natural.
- A formula with no numeric meaning (pseudo-code, a shape, a definition in
  words) raises ``Unverifiable`` with the reason, never passes.

A check evaluates the expression on the worked example and on ``trials``
seeded random inputs, and compares it with the reference output: equal shapes,
and ``|obtained - expected| <= rtol * max|expected|`` elementwise. Random
inputs come from ``sample_FUNCTION(rng)`` in the function's module when it
exists, else from the worked example's inputs with every float multiplied by
a factor drawn uniformly from [0.5, 1.5] (ints, booleans and text kept).

numpy is imported only when a formula is actually checked. Below: what the build uses of the checker.
"""

from __future__ import annotations

from pathlib import Path

from .check import FormulaCheck, Reference, agrees, bind, check_formula, function_defaults, perturbed_inputs
from .compile import CompiledFormula, compile_formula
from .notation import GUIDE
from .read import read_formula, right_hand_side
from .syntax import FormulaError, Unverifiable, symbol_name

SOURCES = tuple(
    __name__ if path.stem == "__init__" else f"{__name__}.{path.stem}"
    for path in sorted(Path(__file__).parent.glob("*.py"))
)
"""This package's modules, as ``builder.module_digests`` names them: a change to any re-runs the checks."""

__all__ = [
    "GUIDE",
    "SOURCES",
    "CompiledFormula",
    "FormulaCheck",
    "FormulaError",
    "Reference",
    "Unverifiable",
    "agrees",
    "bind",
    "check_formula",
    "compile_formula",
    "function_defaults",
    "perturbed_inputs",
    "read_formula",
    "right_hand_side",
    "symbol_name",
]
