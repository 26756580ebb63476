"""Verified formulas: the LaTeX shown is parsed, evaluated numerically and compared with the reference code.

The convention, in full (docs/authoring.md "Writing verifiable formulas" says the same for authors):

- The **expression** is what follows the formula's top-level ``=`` or ``\\leftarrow``
  (``\\gets``); in a chain ``LEFT = A = B`` every expression right of the first
  relation must equal the output. The left-hand side is notation and is not read,
  nor is a name given after the expression with ``\\equiv`` (``\\equiv \\mathrm{BN}(x_i)``).
  A formula without a relation is an expression as a whole.
- It is read by a parser of its own (``parse.py``) that consumes every token or
  fails naming the column: nothing is dropped silently. ``notation.py`` lists
  what it reads; ``\\left``/``\\right``/``\\big`` sizes, spacing and ``&`` are skipped.
- ``verify.symbols`` binds **symbol names** to the example's input or output
  names. A symbol's name is its LaTeX without backslashes, braces, spaces and
  font commands: ``N``, ``\\mu_B`` -> ``mu_B``, ``\\hat{\\mu}`` -> ``hatmu``,
  ``m_{t-1}`` -> ``m_t-1``, ``\\text{lr}`` -> ``lr``; an alphabet is not part of
  a name (``\\mathbf{x}``, ``\\boldsymbol\\theta``, ``\\mathcal{B}``, ``{\\rm KL}`` ->
  ``x``, ``theta``, ``B``, ``KL``); an application may be bound as written
  (``'p(y|x)': p_y_given_x``, ``'H(X)': hx``). Keys may be written either
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
- **Call or multiplication, one rule.** Before parentheses, a function (a named
  one, ``\\operatorname{softmax}``, or unbound ``\\sigma``, ``\\Phi``, ``I``) is called; a
  symbol bound to values and written applied to the symbols those values were
  computed at stands for those values: ``p(x)`` with x unbound or the index of a
  sum (``\\sum_x p(x)``: entry x, one axis per such argument, in order), ``\\Phi(x)``
  with Φ bound to an output and x to an input, ``p(x_i)`` (entry i), a bound word
  (``\\mathrm{RMS}(x)``); anything else before a parenthesis multiplies
  (``\\gamma(x_i - \\mu_B)``, ``p_i (\\log p_i - \\log q_i)``, an input before a bound
  symbol). Where both readings are possible (an output applied to an output) and
  give different numbers, the formula is an error naming both readings.
- Unbound ``\\sigma`` is the logistic sigmoid, ``\\Phi`` the normal CDF, ``e`` Euler's
  number, ``\\pi`` pi; ``\\log`` is natural. softmax, log-sum-exp, max, min, argmax and
  argmin of one argument act along its last axis (each row); ``\\max_c a_c`` is over c.
- ``\\sum_x`` and ``\\sum_{x \\in \\mathcal{X}}`` run over every outcome; ``\\mathbb{E}_{x \\sim P}[f]``
  and ``\\mathbb{E}_P[f]`` are the sum of P times f. ``x^\\top`` (``x^T`` unless T is bound)
  transposes, and a product with a transposed factor, or ``\\cdot`` between bold
  vectors, is a matrix (dot) product; every other product is elementwise.
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
